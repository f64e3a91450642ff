// business.ts: WPP.labels, WPP.status and WPP.newsletter of the
// simulator's window.WPP, as the bridge uses them (WPPSubset: wa-js
// 4.6.0's names, signatures and return shapes; the checks and error codes
// of its src/labels, src/status and src/newsletter). The account's labels,
// statuses and channels live on the server (business.go, statuses.go,
// channels.go), asked with "biz" requests. chat.ts hands in its helpers.
import type { ChatModel, SendMessageReturn, WAJS, WPPSubset } from '../../browser/bridge/wpp';
import { need, widOf, type Model, type Sim, type WireMsg, type WireStatus } from './sim';
import { fake } from './watypes';

type SendFn = (jid: string, fields: Record<string, unknown>, upload: null, options: { waitForAck?: boolean } | undefined) => Promise<SendMessageReturn>;
type WireLabel = { id: string; name: string; color_index: number; count: number };
/** WireNewsletter is a channel as the server sends it (channels.go): at
 * least wa-js's ResultCreateNewsletter's id and name. */
type WireNewsletter = Pick<Awaited<ReturnType<WPPSubset['newsletter']['create']>>, 'idJid' | 'name'>;
type DeleteLabelReturn = Awaited<ReturnType<WAJS['labels']['deleteLabel']>>[number]; // the list overload's
type StatusV3Model = NonNullable<ReturnType<WPPSubset['status']['get']>>;

/** Helpers are what chat.ts lends this module. */
export interface Helpers {
  sim: Sim;
  jidOf(x: unknown): string;
  model(v: WireMsg, isNew: boolean): Model;
  chats: Map<string, ChatModel>;
  send: SendFn;
  byId(id: unknown): Promise<Model>;
}

/** business builds WPP.labels, WPP.status and WPP.newsletter. */
export function business(h: Helpers): Pick<WPPSubset, 'labels' | 'status' | 'newsletter'> {
  const { sim, jidOf } = h;
  const { emit, WPPError } = sim;
  const biz = async <T>(op: string, a: Record<string, unknown> = {}) => (await sim.request({ t: 'biz', biz: { op, ...a } })).biz as T;

  // --- labels ---------------------------------------------------------------
  let palette: string[] = [];
  const getLabelColorPalette = async () => (palette = await biz<string[]>('palette'));
  const hex = (i: number) => palette[i] || '';
  // assertColor: '#rrggbb' (or rrggbb) as an opaque ARGB number.
  const argb = (c: string | number) => (typeof c === 'number' ? c >>> 0 : (0xff000000 | parseInt(String(c).replace('#', ''), 16)) >>> 0);
  const label = (l: WireLabel) => ({ id: l.id, name: l.name, color: hex(l.color_index) ? argb(hex(l.color_index)) : null,
    count: l.count, hexColor: hex(l.color_index), colorIndex: l.color_index });
  const byLabelId = async (id: string) => {
    const all = await biz<WireLabel[]>('labels');
    if (!palette.length && all.length) await getLabelColorPalette();
    return all.filter((l) => l.id === String(id))[0];
  };
  // colorIndex resolves labelColor as addNewLabel/editLabel do: a long
  // string is a palette colour, anything else an index; then the palette
  // must have it.
  async function colorIndex(c: string | number): Promise<number> {
    const p = await getLabelColorPalette();
    const i = typeof c === 'string' && c.length > 2 ? p.findIndex((v) => v === c) : parseInt(String(c));
    if (!(p.includes(String(i)) || p[i] !== undefined)) throw new WPPError('color_not_in_pallet', 'Color not in pallet');
    return i;
  }
  // deleteLabel takes one id or a list, as wa-js's overloads do.
  function deleteLabel(id: string): Promise<DeleteLabelReturn>;
  function deleteLabel(ids: string[]): Promise<DeleteLabelReturn[]>;
  async function deleteLabel(ids: string | string[]): Promise<DeleteLabelReturn | DeleteLabelReturn[]> {
    await getLabelColorPalette();
    const out: DeleteLabelReturn[] = [];
    for (const id of Array.isArray(ids) ? ids : [ids]) out.push({ id, deleteLabelResult: await biz<boolean>('label_delete', { id: String(id) }) });
    return Array.isArray(ids) ? out : out[0];
  }
  const labels: WPPSubset['labels'] = {
    getLabelColorPalette,
    getAllLabels: async () => {
      const all = await biz<WireLabel[]>('labels');
      if (all.length) await getLabelColorPalette();
      return all.map(label);
    },
    getLabelById: async (id) => {
      const l = await byLabelId(id);
      if (!l) throw new WPPError('canot_get_label_error', "Can't get label by id");
      return label(l);
    },
    addNewLabel: async (name, options = {}) => {
      await getLabelColorPalette(); // assertIsBusiness
      const color = await colorIndex(options.labelColor || (await biz<number>('label_next_color')));
      return label(await biz<WireLabel>('label_add', { name: String(name), color }));
    },
    editLabel: async (id, options = {}) => {
      await getLabelColorPalette();
      const l = await byLabelId(id);
      if (!l) throw new WPPError('label_not_exist', `Label with id ${id} not exist`);
      const color = options.labelColor ? await colorIndex(options.labelColor) : l.color_index;
      return label(await biz<WireLabel>('label_edit', { id: String(id), name: options.name || l.name, color }));
    },
    deleteLabel,
    addOrRemoveLabels: async (chatIds, options) => {
      await getLabelColorPalette();
      const chats = (Array.isArray(chatIds) ? chatIds : [chatIds]).map((c) => {
        const jid = jidOf(c);
        if (!h.chats.get(jid)) throw new WPPError('chat_not_found', `Chat not found for ${jid}`); // assertGetChat
        return jid;
      });
      const changes = (Array.isArray(options) ? options : [options]).map((o) => ({ labelId: String(o.labelId), type: o.type }));
      return biz('label_chats', { chats, changes });
    },
  };

  // --- status ---------------------------------------------------------------
  const statuses = new Map<string, Model[]>(); // contacts' statuses by author
  const STATUS = 'status@broadcast';
  function received(v: WireStatus, isNew: boolean): Model {
    const m = h.model({ ...v, chat_id: STATUS, from: STATUS }, isNew);
    Object.assign(m, { author: widOf(v.author), font: v.font || 0, backgroundColor: v.background_color, isStatusV3: true });
    const list = statuses.get(v.author) || [];
    if (!list.includes(m)) statuses.set(v.author, [...list, m]);
    return m;
  }
  sim.handlers.status = (msg) => {
    const v = need(msg.status, 'status');
    const known = statuses.get(v.author)?.some((m) => jidOf(m.id) === v.id);
    const m = received(v, true);
    // wa-js: MsgStore add → chat.new_message, a microtask later.
    if (!known) queueMicrotask(() => emit('chat.new_message', m));
  };
  // WhatsApp Web loads the statuses of the last day once it is in MAIN.
  sim.wpp.on('conn.stream_mode_changed', (mode) => {
    if (mode !== 'MAIN') return;
    biz<WireStatus[]>('statuses').then((list) => list.forEach((v) => received(v, false)), (e) => console.warn('wasim: statuses', e));
    biz<WireNewsletter[]>('nl_mine').then((list) => list.forEach(noteNewsletter), (e) => console.warn('wasim: channels', e));
  });

  const status: WPPSubset['status'] = {
    sendTextStatus: async (content, options = {}) => {
      const font = options.font && options.font >= 0 && options.font <= 5 ? options.font : 0;
      const c = options.backgroundColor;
      const bg = typeof c === 'number' || typeof c === 'string' ? argb(c) : argb('#000000');
      return h.send(STATUS, { type: 'chat', body: String(content), font, background_color: bg }, null, { waitForAck: true, ...options });
    },
    sendImageStatus: async (content, options = {}) =>
      sim.wpp.chat.sendFileMessage(STATUS, content, { waitForAck: true, ...options, type: 'image' }),
    sendVideoStatus: async (content, options = {}) =>
      sim.wpp.chat.sendFileMessage(STATUS, content, { waitForAck: true, ...options, type: 'video' }),
    remove: async (msgId) => {
      const m = await h.byId(msgId);
      try {
        await biz('status_remove', { msg: jidOf(m.id) });
      } catch {
        throw new WPPError('error_on_remove_status', `Error on remove status with id ${jidOf(msgId)}`);
      }
      return true;
    },
    get: (chatId) => {
      const list = statuses.get(jidOf(chatId));
      if (!list || !list.length) return undefined;
      return fake<StatusV3Model>({ id: widOf(jidOf(chatId)), t: list[list.length - 1].t, unreadCount: list.length, totalCount: list.length,
        getAllMsgs: () => list.slice() });
    },
  };

  // --- newsletter -----------------------------------------------------------
  // NewsletterStore: the channels we own or follow.
  const newsletters = new Map<string, ChatModel>();
  function noteNewsletter(r: WireNewsletter): ChatModel {
    const id = String(r.idJid);
    const fields: Partial<ChatModel> = { id: widOf(id), name: String(r.name), formattedTitle: String(r.name),
      isNewsletter: true, isGroup: false, isUser: false, newsletterMetadata: r };
    const c = Object.assign(newsletters.get(id) || fake<ChatModel>({}), fields);
    newsletters.set(id, c);
    return c;
  }
  function ensureNewsletter(id: string): ChatModel {
    const c = newsletters.get(jidOf(id));
    if (!c) throw new WPPError('chat_not_found', `Chat not found for ${id}`);
    if (!c.isNewsletter) throw new WPPError('not_a_newsletter', `Chat ${id} is not a newsletter`);
    return c;
  }
  type Result = Awaited<ReturnType<WPPSubset['newsletter']['create']>>;
  const newsletter: WPPSubset['newsletter'] = {
    create: async (name, opts) => {
      const r = await biz<Result>('nl_create', { name: String(name), description: (opts && opts.description) || null, picture: (opts && opts.picture) || '' });
      noteNewsletter(r);
      return { ...r, description: (opts && opts.description) || null };
    },
    edit: async (id, opts) => {
      ensureNewsletter(id);
      const r = await biz<Result>('nl_edit', { id, name: opts.name || '', description: opts.description, picture: opts.picture || '',
        no_picture: opts.picture == null });
      noteNewsletter(r);
      return r;
    },
    destroy: async (id) => {
      if (!id || !id.includes('newsletter')) throw new WPPError('send_correctly_newsletter_id', 'Please, send the correct newsletter ID.');
      try {
        const ok = await biz<boolean>('nl_destroy', { id });
        if (ok) newsletters.delete(id);
        return ok;
      } catch {
        return false;
      }
    },
    follow: async (id) => {
      if (!id || !id.includes('@newsletter')) throw new WPPError('invalid_newsletter_id', 'Please provide a valid newsletter ID (must contain @newsletter)');
      try {
        noteNewsletter(await biz<WireNewsletter>('nl_follow', { id }));
        return true;
      } catch (e) {
        throw new WPPError('newsletter_follow_failed', `Failed to follow newsletter: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    unfollow: async (id) => {
      if (!id || !id.includes('@newsletter')) throw new WPPError('invalid_newsletter_id', 'Please provide a valid newsletter ID (must contain @newsletter)');
      try {
        await biz('nl_unfollow', { id });
      } catch (e) {
        throw new WPPError('newsletter_unfollow_failed', `Failed to unfollow newsletter: ${e instanceof Error ? e.message : String(e)}`);
      }
      newsletters.delete(id);
      return true;
    },
    mute: async (id, value) => {
      const c = ensureNewsletter(id);
      if (value != null && typeof value !== 'boolean') throw new WPPError('invalid_mute_value', 'Mute value must be boolean');
      await biz('nl_mute', { id, mute: value !== false });
      Object.assign(c, { muteExpiration: value === false ? 0 : -1 });
      return c;
    },
    search: async (query, options) => {
      if (!query || query.trim().length === 0) throw new WPPError('invalid_search_query', 'Search query cannot be empty');
      return biz('nl_search', { query: query.trim(), limit: (options && options.limit) || 20, cursor: (options && options.cursorToken) || '' });
    },
  };

  return { labels, status, newsletter };
}
