// actions.ts: every kind of message beyond plain text and files, the
// actions on one message (react, edit, delete, forward, star, pin, votes,
// played), read state and presence, and the events of reactions, edits,
// poll votes and presence (docs/bridge.md). Written against wa-js 4.6.0
// (src/chat/functions, src/chat/events); messaging.ts hands in its helpers.
import type { EventTypes, MsgModel, RawMessage, SendMessageReturn, WAJS, WPPSubset } from './wpp';
import { ser, str, refusal } from './values';

type MsgLike = MsgModel | RawMessage;
type Args = Record<string, unknown>;
type FileOptions = Parameters<WAJS['chat']['sendFileMessage']>[2];
type TextOptions = NonNullable<Parameters<WAJS['chat']['sendTextMessage']>[2]>;
type SendOptions = NonNullable<Parameters<WAJS['chat']['sendVCardContactMessage']>[2]>;

/** Location is a location message's place. */
export interface Location { latitude: number; longitude: number; name: string; address: string; url: string }
/** Card is one contact card. */
export interface Card { name: string; vcard: string }
/** Poll is a poll's question and options. */
export interface Poll { name: string; options: string[]; selectable_count: number }

/** Detail is what a message holds beyond its text (session.MessageDetail). */
export interface Detail {
  kind: string;
  quoted_id: string;
  mentions: string[];
  view_once: boolean;
  gif: boolean;
  size: number;
  edited: boolean;
  starred: boolean;
  forwarded: boolean;
  location?: Location;
  contacts?: Card[];
  poll?: Poll;
}

/** Helpers are what messaging.ts lends this module. */
export interface Helpers {
  w: WPPSubset;
  myId(): string;
  need(args: Args, name: string): string;
  chatFor(jid: string): Promise<string>;
  shape(m: MsgLike): Promise<unknown>;
  sent(r: SendMessageReturn, chat: string, fields: Record<string, unknown>): Promise<unknown>;
}

const sendOptions = { createChat: true, waitForAck: true, detectMentioned: false, markIsRead: false, linkPreview: false } as const;

// KINDS names wa-js's message types as the API does.
const KINDS: Record<string, string> = { chat: 'text', image: 'image', video: 'video', ptv: 'video', audio: 'audio', ptt: 'voice',
  document: 'document', sticker: 'sticker', location: 'location', vcard: 'contacts', multi_vcard: 'contacts',
  poll_creation: 'poll', revoked: 'revoked' };
// STATES names WhatsApp's chat states as the API does.
const STATES: Record<string, string> = { composing: 'typing', recording: 'recording', paused: 'paused',
  available: 'available', unavailable: 'unavailable' };

function remoteOf(key: unknown): string {
  if (key && typeof key === 'object' && 'remote' in key) return ser((key as { remote: unknown }).remote);
  const parts = ser(key).split('_');
  return parts.length >= 3 ? parts[1] : '';
}

// quotedId rebuilds the quoted message's key from WhatsApp's context
// info: the stanza id, the participant (us or them) and the chat.
function quotedId(m: MsgLike, myId: string): string {
  const x = m as { quotedMsgId?: unknown; quotedStanzaID?: unknown; quotedRemoteJid?: unknown; quotedParticipant?: unknown; id?: unknown };
  if (x.quotedMsgId) return ser(x.quotedMsgId);
  if (!x.quotedStanzaID) return '';
  const remote = ser(x.quotedRemoteJid) || remoteOf(x.id);
  return (ser(x.quotedParticipant) === myId ? 'true_' : 'false_') + remote + '_' + str(x.quotedStanzaID);
}

/** detail reads a message's kind, quote, mentions and content. */
export function detail(m: MsgLike, myId: string): Detail {
  const x = m as Record<string, unknown>;
  const type = str(x.type);
  const d: Detail = { kind: KINDS[type] || 'other', quoted_id: quotedId(m, myId),
    mentions: ((x.mentionedJidList as unknown[]) || []).map(ser), view_once: !!x.isViewOnce, gif: !!x.isGif,
    size: Number(x.size || 0), edited: !!x.latestEditMsgKey, starred: !!x.star, forwarded: !!x.isForwarded };
  if (type === 'location') {
    const loc = str(x.loc).split('\n');
    d.location = { latitude: Number(x.lat), longitude: Number(x.lng), name: loc[0] || '', address: loc.slice(1).join('\n'),
      url: str(x.clientUrl) };
  } else if (type === 'vcard') {
    d.contacts = [{ name: str(x.vcardFormattedName), vcard: str(x.body) }];
  } else if (type === 'multi_vcard') {
    d.contacts = ((x.vcardList as { displayName?: unknown; vcard?: unknown }[]) || []).map((v) => ({ name: str(v.displayName), vcard: str(v.vcard) }));
  } else if (type === 'poll_creation') {
    d.poll = { name: str(x.pollName), options: ((x.pollOptions as { name?: unknown }[]) || []).map((o) => str(o.name)),
      selectable_count: Number(x.pollSelectableOptionsCount || 0) };
  }
  return d;
}

// shared are the send options of every kind: the quote and the mentions.
function shared(args: Args): { quotedMsg?: string; mentionedList?: string[] } {
  const o: { quotedMsg?: string; mentionedList?: string[] } = {};
  if (args.reply_to) o.quotedMsg = String(args.reply_to);
  if (Array.isArray(args.mentions) && args.mentions.length) o.mentionedList = args.mentions.map(String);
  return o;
}

/** textOptions are sendTextMessage's options for a sendText call. */
export function textOptions(args: Args): TextOptions {
  return { ...sendOptions, ...shared(args), linkPreview: !!args.link_preview };
}

/** fileOptions map a sendFile call's kind to sendFileMessage's options. */
export function fileOptions(args: Args, mimetype: string): FileOptions {
  const base = { ...sendOptions, ...shared(args), mimetype, filename: str(args.filename) || undefined,
    caption: str(args.caption) || undefined };
  const once = !!args.view_once;
  switch (str(args.kind)) {
    case 'image': return { ...base, type: 'image', isViewOnce: once };
    case 'video': return { ...base, type: 'video', isGif: !!args.gif, isPtv: !!args.round, isViewOnce: once };
    case 'audio': return { ...base, type: 'audio', isPtt: false };
    case 'voice': return { ...base, type: 'audio', isPtt: true, isViewOnce: once };
    case 'document': return { ...base, type: 'document' };
    case 'sticker': return { ...base, type: 'sticker', caption: undefined };
  }
  return { ...base, type: 'auto-detect' };
}

// options picks what each option field may be from its args.
function opt(args: Args): SendOptions {
  return { ...sendOptions, ...shared(args) };
}

type PollOptionLike = { localId?: unknown; name?: unknown } | null | undefined;

// pollOptions reads wa-js's selectedOptions: typed number[], but built as
// a sparse array of the poll's {name, localId} options (registerPollEvent,
// getVotes).
function pollOptions(list: unknown): { index: number; name: string }[] {
  return ((list as PollOptionLike[]) || []).filter((o): o is { localId?: unknown; name?: unknown } => !!o && typeof o === 'object')
    .map((o) => ({ index: Number(o.localId), name: str(o.name) }));
}

/** Actions are the calls and event shapes of this module. */
export interface Actions {
  calls: Record<string, (args: Args) => Promise<unknown>>;
  reaction(e: EventTypes['chat.new_reaction']): unknown;
  edit(e: EventTypes['chat.msg_edited']): unknown;
  pollVote(e: EventTypes['chat.poll_response']): unknown;
  presence(e: EventTypes['chat.presence_change']): unknown;
}

/** ACTION_CALLS names the calls actions answers. */
export const ACTION_CALLS: Record<string, true> = {
  sendLocation: true, sendContacts: true, sendPoll: true, getMessage: true, react: true, edit: true, deleteMessage: true,
  forward: true, star: true, pin: true, getVotes: true, markPlayed: true, markSeen: true, chatState: true,
  setPresence: true, subscribePresence: true,
};

/** actions builds the calls on h's WPP. */
export function actions(h: Helpers): Actions {
  const { w, need } = h;
  const calls: Actions['calls'] = {
    sendLocation: async (args) => {
      const chat = await h.chatFor(need(args, 'chat_id'));
      const l = (args.location || {}) as Record<string, unknown>;
      const r = await w.chat.sendLocationMessage(chat, { ...opt(args), lat: Number(l.latitude), lng: Number(l.longitude),
        name: str(l.name) || undefined, address: str(l.address) || undefined, url: str(l.url) || undefined });
      return h.sent(r, chat, { type: 'location' });
    },
    sendContacts: async (args) => {
      const chat = await h.chatFor(need(args, 'chat_id'));
      let r: SendMessageReturn;
      if (Array.isArray(args.contacts)) {
        const list = (args.contacts as { id: unknown; name: unknown }[]).map((c) => ({ id: String(c.id), name: String(c.name) }));
        r = await w.chat.sendVCardContactMessage(chat, list, opt(args));
      } else {
        // A raw vCard has no sendVCardContactMessage form: send it as the
        // message WhatsApp stores (wa-js builds the same from a contact).
        const cards = ((args.vcards as { name: unknown; vcard: unknown }[]) || []).map((c) => ({ displayName: str(c.name), vcard: str(c.vcard) }));
        const raw = cards.length === 1 ? { type: 'vcard', body: cards[0].vcard, vcardFormattedName: cards[0].displayName }
          : { type: 'multi_vcard', vcardList: cards };
        r = await w.chat.sendRawMessage(chat, raw as RawMessage, opt(args));
      }
      return h.sent(r, chat, {});
    },
    sendPoll: async (args) => {
      const chat = await h.chatFor(need(args, 'chat_id'));
      const p = (args.poll || {}) as { name?: unknown; options?: unknown[]; selectable_count?: unknown };
      const r = await w.chat.sendCreatePollMessage(chat, str(p.name), (p.options || []).map(String),
        { ...opt(args), selectableCount: Number(p.selectable_count || 0) });
      return h.sent(r, chat, { type: 'poll_creation' });
    },
    getMessage: async (args) => h.shape(await w.chat.getMessageById(need(args, 'id'))),
    react: async (args) => {
      const r = await w.chat.sendReactionToMessage(need(args, 'id'), str(args.reaction) || false);
      if (r && r.sendMsgResult && str(r.sendMsgResult) !== 'OK') {
        throw refusal('reaction_not_allowed', 'WhatsApp answered ' + str(r.sendMsgResult));
      }
      return true;
    },
    edit: async (args) => {
      const id = need(args, 'id');
      const o: { mentionedList?: string[] } = {};
      if (Array.isArray(args.mentions) && args.mentions.length) o.mentionedList = args.mentions.map(String);
      await w.chat.editMessage(id, need(args, 'text'), o);
      return h.shape(await w.chat.getMessageById(id));
    },
    deleteMessage: async (args) => {
      const id = need(args, 'id');
      const chat = remoteOf(id);
      if (args.revoke && !id.startsWith('true_') && !chat.endsWith('@g.us')) {
        // wa-js would quietly delete it for us only: say so instead.
        throw refusal('revoke_not_allowed', 'only messages you sent can be deleted for everyone; delete it for=me');
      }
      const res = await w.chat.deleteMessage(chat, id, false, !!args.revoke);
      const r = Array.isArray(res) ? res[0] : res;
      if (args.revoke && !r.isRevoked) throw refusal('revoke_not_allowed', `WhatsApp did not delete ${id} for everyone`);
      return { id: str(r.id), revoked: !!r.isRevoked, deleted: !!r.isDeleted || !!r.isRevoked };
    },
    forward: async (args) => {
      const id = need(args, 'id');
      const out: { chat_id: string; id: string }[] = [];
      for (const c of (args.chat_ids as unknown[]) || []) {
        const chat = await h.chatFor(String(c));
        const r = await w.chat.forwardMessages(chat, [id]);
        const first = (Array.isArray(r) ? r[0] : null) as { id?: unknown } | null;
        out.push({ chat_id: String(c), id: first && first.id ? ser(first.id) : '' });
      }
      return out;
    },
    star: async (args) => !!(await w.chat.starMessage(need(args, 'id'), !!args.star)),
    pin: async (args) => {
      const pin = !!args.pin;
      const duration = pin ? (str(args.duration) as Parameters<WAJS['chat']['pinMsg']>[2]) : undefined;
      const r = await w.chat.pinMsg(need(args, 'id'), pin, duration);
      if (r.pinned !== pin) throw refusal(pin ? 'pin_error' : 'unpin_error', 'WhatsApp answered ' + str(r.result));
      return true;
    },
    getVotes: async (args) => {
      const v = await w.chat.getVotes(need(args, 'id'));
      return { message_id: ser(v.msgId), chat_id: ser(v.chatId), votes: (v.votes || []).map((x) => (
        { voter: ser(x.sender), selected: pollOptions(x.selectedOptions), timestamp: Number(x.timestamp || 0) })) };
    },
    markPlayed: async (args) => {
      await w.chat.markPlayed(need(args, 'id'));
      return true;
    },
    markSeen: async (args) => {
      await w.chat.markIsRead(await h.chatFor(need(args, 'chat_id')));
      return true;
    },
    chatState: async (args) => {
      const chat = await h.chatFor(need(args, 'chat_id'));
      const d = Number(args.duration_ms || 0) || undefined;
      switch (str(args.state)) {
        case 'typing': await w.chat.markIsComposing(chat, d); break;
        case 'recording': await w.chat.markIsRecording(chat, d); break;
        default: await w.chat.markIsPaused(chat);
      }
      return true;
    },
    setPresence: async (args) => !!(await w.conn.markAvailable(!!args.available)),
    subscribePresence: async (args) => (await w.contact.subscribePresence(((args.chat_ids as unknown[]) || []).map(String))).map(ser),
  };

  return {
    calls,
    reaction: (e) => {
      const sender = ser(e.sender);
      return { id: ser(e.id), message_id: ser(e.msgId), chat_id: remoteOf(e.msgId), from: sender, from_me: sender === h.myId(),
        reaction: str(e.reactionText), timestamp: Number(e.timestamp || 0) };
    },
    edit: (e) => {
      const m = (e.msg || {}) as MsgModel & { latestEditSenderTimestampMs?: number };
      const key = ser(m.id) || str(e.id);
      return { id: key, chat_id: remoteOf(m.id || key), from: ser(m.author) || ser(m.from), from_me: key.startsWith('true_'),
        body: str(m.type === 'chat' ? m.body : m.caption),
        timestamp: Math.floor(Number(m.latestEditSenderTimestampMs || Date.now()) / 1000) };
    },
    pollVote: (e) => ({ message_id: ser(e.msgId), chat_id: ser(e.chatId) || remoteOf(e.msgId), voter: ser(e.sender),
      selected: pollOptions(e.selectedOptions), timestamp: Number(e.timestamp || 0) }),
    presence: (e) => ({ chat_id: ser(e.id), is_group: !!e.isGroup, online: !!e.isOnline, state: STATES[str(e.state)] || str(e.state),
      participants: e.participants ? e.participants.map((p) => ({ id: str(p.id), state: STATES[str(p.state)] || str(p.state) })) : undefined,
      timestamp: Number(e.t || Date.now()) }),
  };
}
