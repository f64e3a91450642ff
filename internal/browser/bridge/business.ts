// business.ts: labels (WPP.labels, business accounts), status updates
// (WPP.status) and channels (WPP.newsletter), as docs/bridge.md lists
// them. Written against wa-js 4.6.0 (src/labels, src/status,
// src/newsletter); messaging.ts hands in its helpers and routes the
// chat.new_message of status@broadcast here.
import type { ChatModel, MsgModel, RawMessage, WAJS, WPPSubset } from './wpp';
import { ser, str, refusal } from './values';

type Args = Record<string, unknown>;
type MsgLike = MsgModel | RawMessage;
type WALabel = Awaited<ReturnType<WAJS['labels']['getLabelById']>>;
type Created = Awaited<ReturnType<WAJS['newsletter']['create']>>;
type Found = Awaited<ReturnType<WAJS['newsletter']['search']>>['newsletters'][number];

/** STATUS_CHAT is the chat every status is a message of. */
export const STATUS_CHAT = 'status@broadcast';

// FONTS names wa-js's TextFontStyle as the API does (session.StatusFonts).
const FONTS = ['sans_serif', 'serif', 'norican', 'bryndan_write', 'bebasneue', 'oswald'];

/** Helpers are what messaging.ts lends this module. */
export interface Helpers {
  w: WPPSubset;
  myId(): string;
  need(args: Args, name: string): string;
  chatFor(jid: string): Promise<string>;
}

function label(l: WALabel) {
  return { id: str(l.id), name: str(l.name), color: str(l.hexColor).toLowerCase(), color_index: Number(l.colorIndex || 0),
    count: Number(l.count || 0) };
}

// argbHex turns WhatsApp's ARGB background colour into #rrggbb.
function argbHex(n: unknown): string {
  if (typeof n !== 'number' || !isFinite(n)) return '';
  return '#' + ((n >>> 0) & 0xffffff).toString(16).padStart(6, '0');
}

/** status shapes a status message (session.StatusUpdate). */
export function status(m: MsgLike, myId: string) {
  const x = m as MsgLike & { author?: unknown; backgroundColor?: unknown; font?: unknown };
  const id = ser(x.id);
  const fromMe = id.startsWith('true_');
  const type = str(x.type);
  const text = type === 'chat';
  return { id, from: fromMe ? myId : ser(x.author) || ser(x.from), from_me: fromMe,
    kind: text ? 'text' : type === 'image' ? 'image' : type === 'video' ? 'video' : type,
    text: text ? str(x.body) : '', caption: text ? '' : str(x.caption), mimetype: text ? '' : str(x.mimetype),
    background_color: text ? argbHex(x.backgroundColor) : '', font: text ? FONTS[Number(x.font || 0)] || '' : '',
    timestamp: Number(x.t || 0) };
}

function channel(c: Created) {
  return { id: str(c.idJid), name: str(c.name), description: str(c.description), invite_code: str(c.inviteCode),
    invite_link: str(c.inviteLink), state: str(c.state), subscribers: Number(c.subscribersCount || 0),
    created: Number(c.timestamp || 0) };
}
function found(c: Found) {
  return { id: str(c.idJid), name: str(c.name), description: str(c.description), invite_code: str(c.inviteCode),
    invite_link: c.inviteCode ? 'https://whatsapp.com/channel/' + c.inviteCode : '', subscribers: Number(c.subscribersCount || 0),
    verification: str(c.verification), created: Number(c.creationTime || 0) };
}

// accepted fails a status send WhatsApp did not take.
function accepted(r: unknown): string {
  const x = (r || {}) as { id?: unknown; sendMsgResult?: { messageSendResult?: unknown } };
  const result = x.sendMsgResult ? str(x.sendMsgResult.messageSendResult) : '';
  if (result && result !== 'OK') throw new Error('status not posted: WhatsApp reported ' + result);
  const id = ser(x.id);
  if (!id) throw new Error('WhatsApp returned no status id');
  return id;
}

/** BUSINESS_CALLS names the calls business answers. */
export const BUSINESS_CALLS: Record<string, true> = {
  listLabels: true, createLabel: true, editLabel: true, deleteLabel: true, labelChats: true,
  sendTextStatus: true, sendMediaStatus: true, removeStatus: true, listStatuses: true,
  createChannel: true, editChannel: true, deleteChannel: true, followChannel: true, muteChannel: true, searchChannels: true,
};

/** business builds the calls on h's WPP. */
export function business(h: Helpers): Record<string, (args: Args) => Promise<unknown>> {
  const { w, need } = h;
  // labelColor: wa-js takes a palette index as a number, a colour as a string.
  const color = (args: Args) => (args.color === undefined ? undefined : /^[0-9]+$/.test(str(args.color)) ? Number(args.color) : str(args.color));
  const now = () => Math.floor(Date.now() / 1000);
  // assertBusiness: getLabelById does not ask WhatsApp whether this is a
  // business account; the palette does (wa-js's assertIsBusiness).
  const assertBusiness = () => w.labels.getLabelColorPalette();
  return {
    // getAllLabels answers [] on a personal account: the palette asks
    // WhatsApp whether this is a business account first.
    listLabels: async () => {
      const palette = (await w.labels.getLabelColorPalette()).map((c) => str(c).toLowerCase());
      return { labels: (await w.labels.getAllLabels()).map(label), palette };
    },
    createLabel: async (args) => {
      const c = color(args);
      return label(await w.labels.addNewLabel(need(args, 'name'), c === undefined ? {} : { labelColor: c }));
    },
    editLabel: async (args) => {
      const opts: { name?: string; labelColor?: string | number } = {};
      if (args.name) opts.name = str(args.name);
      const c = color(args);
      if (c !== undefined) opts.labelColor = c;
      return label(await w.labels.editLabel(need(args, 'id'), opts));
    },
    deleteLabel: async (args) => {
      await assertBusiness();
      const l = label(await w.labels.getLabelById(need(args, 'id')));
      const r = await w.labels.deleteLabel(l.id);
      if (!r.deleteLabelResult) throw refusal('label_not_exist', `WhatsApp did not delete label ${l.id}`);
      return l;
    },
    labelChats: async (args) => {
      const id = need(args, 'id');
      await assertBusiness();
      await w.labels.getLabelById(id);
      const chats = await Promise.all(((args.chat_ids as unknown[]) || []).map((c) => h.chatFor(String(c))));
      await w.labels.addOrRemoveLabels(chats, { labelId: id, type: args.add ? 'add' : 'remove' });
      return label(await w.labels.getLabelById(id));
    },
    sendTextStatus: async (args) => {
      const text = need(args, 'text');
      const font = Number(args.font || 0);
      const bg = str(args.background_color) || '#000000';
      const id = accepted(await w.status.sendTextStatus(text, { backgroundColor: bg, font, waitForAck: true }));
      return { id, from: h.myId(), from_me: true, kind: 'text', text, background_color: bg, font: FONTS[font], timestamp: now() };
    },
    sendMediaStatus: async (args) => {
      const mimetype = need(args, 'mimetype');
      const content = 'data:' + mimetype + ';base64,' + need(args, 'data');
      const opts = { caption: str(args.caption) || undefined, waitForAck: true };
      const kind = str(args.kind);
      const r = kind === 'video' ? await w.status.sendVideoStatus(content, opts) : await w.status.sendImageStatus(content, opts);
      return { id: accepted(r), from: h.myId(), from_me: true, kind, caption: str(args.caption), mimetype, timestamp: now() };
    },
    removeStatus: async (args) => !!(await w.status.remove(need(args, 'id'))),
    // WhatsApp Web keeps contacts' statuses per contact (StatusV3Store).
    listStatuses: async () => {
      const out: ReturnType<typeof status>[] = [];
      for (const c of await w.contact.list()) {
        const st = w.status.get(c.id);
        if (!st) continue;
        for (const m of (st.getAllMsgs() as MsgModel[]) || []) out.push(status(m, h.myId()));
      }
      return out.sort((a, b) => b.timestamp - a.timestamp);
    },
    createChannel: async (args) => channel(await w.newsletter.create(need(args, 'name'),
      { description: str(args.description) || undefined, picture: str(args.picture) || undefined })),
    editChannel: async (args) => {
      const opts: { name?: string; description?: string; picture?: string | null } = {};
      if (args.name) opts.name = str(args.name);
      if (args.description !== undefined) opts.description = str(args.description);
      if (args.picture) opts.picture = str(args.picture);
      if (args.remove_picture) opts.picture = null;
      return channel(await w.newsletter.edit(need(args, 'id'), opts as { name?: string; description?: string; picture?: string }));
    },
    deleteChannel: async (args) => {
      const id = need(args, 'id');
      if (!(await w.newsletter.destroy(id))) {
        throw refusal('newsletter_delete_failed', `WhatsApp did not delete channel ${id}: only its owner can delete it`);
      }
      return true;
    },
    followChannel: async (args) => {
      const id = need(args, 'id');
      return args.follow ? w.newsletter.follow(id) : w.newsletter.unfollow(id);
    },
    muteChannel: async (args) => {
      const id = need(args, 'id');
      const c = (await w.newsletter.mute(id, !!args.mute)) as ChatModel | undefined;
      return { id, name: str(c && (c.name || c.formattedTitle)), subscribers: 0, muted: !!args.mute };
    },
    searchChannels: async (args) => {
      const r = await w.newsletter.search(need(args, 'query'),
        { limit: Number(args.limit) || undefined, cursorToken: str(args.cursor) || undefined });
      const next = r.pageInfo && r.pageInfo.hasNextPage ? str(r.pageInfo.endCursor) : '';
      return { channels: (r.newsletters || []).map(found), next_cursor: next };
    },
  };
}
