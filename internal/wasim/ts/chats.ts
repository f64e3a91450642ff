// chats.ts: chats' settings, contacts and the block list of the
// simulator's window.WPP, as wa-js 4.6.0 has them (src/chat/functions
// archive, pin, mute, unmute, markIsUnread, clear, delete, list,
// getUnreadChats; src/contact/functions; src/blocklist): the same checks,
// refusals and return shapes. The account's state lives on the server
// (chats.go, users.go); a chat model changes when the server pushes the
// chat as it is now, firing ChatStore's change:<attr> events as WhatsApp's
// app-state sync does. wa-js's chat.unread_count_changed comes from
// change:unreadCount with wa-js's 50 ms debounce (one timer for every
// chat), and blocklist.sync when the block list changes.
import type { BusinessProfileModel, ChatModel, ContactModel, QueryExistsResult, WPPSubset } from '../../browser/bridge/wpp';
import { need, widOf, type Sim, type WireChat, type WireUser } from './sim';
import { fake } from './watypes';

type Chat = WPPSubset['chat'];
type Contact = WPPSubset['contact'];
type Store = WPPSubset['whatsapp']['ChatStore'];
type Listener = Parameters<Store['on']>[1];
type MuteModel = ChatModel['mute'];

/** Helpers are what chat.ts lends this module. */
export interface Helpers {
  sim: Sim;
  jidOf(x: unknown): string;
  chats: Map<string, ChatModel>;
  noteChat(jid: string, name: string, t: number): ChatModel;
}

const USER = /^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}@lid)$/;
const ANY = /^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}@lid|[0-9]{6,20}(-[0-9]{6,12})?@g\.us)$/;
const UNREAD_DEBOUNCE_MS = 50; // wa-js's registerUnreadCountEvent

/** social builds WPP.chat's chat functions, WPP.contact's lookups,
 * WPP.blocklist and WPP.whatsapp.ChatStore. */
export function social(h: Helpers) {
  const { sim, jidOf, chats, noteChat } = h;
  const { emit, WPPError } = sim;
  const act = (a: Record<string, unknown>) => sim.request({ t: 'act', act: a });
  const query = (q: Record<string, unknown>) => sim.request({ t: 'query', ...q });
  const now = () => Math.floor(Date.now() / 1000);

  // assertWid: wa-js builds a Wid from digits (c.us), digits-digits (g.us)
  // or a jid; anything else is invalid_wid.
  function assertWid(id: unknown): string {
    let jid = jidOf(id);
    if (/^\d+$/.test(jid)) jid += '@c.us';
    else if (/^\d+-\d+$/.test(jid)) jid += '@g.us';
    if (!ANY.test(jid)) throw new WPPError('invalid_wid', `Invalid WID value for ${jid}`);
    return jid;
  }
  function assertGetChat(id: unknown): ChatModel {
    const jid = assertWid(id);
    const c = chats.get(jid);
    if (!c) throw new WPPError('chat_not_found', `Chat not found for ${jid}`);
    return ensure(c, jid);
  }

  // --- ChatStore: WhatsApp's collection events --------------------------------
  const storeListeners = new Map<string, Listener[]>();
  const ChatStore: Store = {
    on(name, fn) {
      storeListeners.set(String(name), [...(storeListeners.get(String(name)) || []), fn]);
      // WhatsApp's returns its ChatCollection, to chain calls; the simulator
      // has no such collection and nothing the bridge does reads it.
      return this as unknown as ReturnType<Store['on']>;
    },
  };
  const fire = (name: string, ...args: unknown[]) => (storeListeners.get(name) || []).forEach((fn) => fn(...args));

  let unreadTimer: ReturnType<typeof setTimeout> | 0 = 0;
  ChatStore.on('change:unreadCount', (chat: ChatModel, unreadCount: number, previousUnreadCount: number) => {
    if (unreadTimer) clearTimeout(unreadTimer);
    unreadTimer = setTimeout(() => emit('chat.unread_count_changed', { chat, unreadCount, previousUnreadCount }), UNREAD_DEBOUNCE_MS);
  });

  // set changes one attribute of a chat model, firing change:<attr>.
  function set<K extends keyof ChatModel>(c: ChatModel, attr: K, value: ChatModel[K]): void {
    const prev = c[attr];
    if (prev === value) return;
    c[attr] = value;
    fire('change:' + attr, c, value, prev);
  }

  // muteOf is a chat's MuteModel: expiration in unix seconds (-1: always).
  function muteOf(jid: string) {
    const m: MuteModel = fake<MuteModel>({
      id: widOf(jid), expiration: 0,
      get isMuted() { return m.expiration === -1 || m.expiration > now(); },
      canMute: () => true,
      mute: async (args: { expiration: number; sendDevice?: boolean; isAutoMuted?: boolean }) => {
        const r = await act({ type: 'mute', chat: jid, value: String(args.expiration) });
        apply(r.chats || []);
        return m.expiration;
      },
      unmute: async (_args: { sendDevice?: boolean }) => {
        const r = await act({ type: 'unmute', chat: jid });
        apply(r.chats || []);
      },
    });
    return m;
  }

  // ensure gives a chat model (chat.ts makes them) its MuteModel and
  // WhatsApp's derived hasUnread.
  function ensure(c: ChatModel, jid: string): ChatModel {
    if (!c.mute) Object.defineProperty(c, 'mute', { value: muteOf(jid), enumerable: false });
    if (!Object.hasOwn(c, 'hasUnread')) {
      Object.defineProperty(c, 'hasUnread', { get: () => c.unreadCount > 0 || c.unreadCount === -1, enumerable: false });
    }
    return c;
  }

  // apply makes the chat models what the server says they are now.
  function apply(list: WireChat[]): void {
    for (const w of list) {
      if (w.deleted) {
        const c = chats.get(w.id);
        if (c) { chats.delete(w.id); fire('remove', c); }
        continue;
      }
      // A chat new to the store is added with its values, not changed.
      const fresh = !chats.has(w.id);
      const c = ensure(noteChat(w.id, w.name, w.timestamp), w.id);
      const put = fresh ? <K extends keyof ChatModel>(_: ChatModel, attr: K, v: ChatModel[K]) => { c[attr] = v; } : set;
      put(c, 'archive', !!w.archived);
      put(c, 'pin', w.pinned || 0);
      put(c, 'labels', w.labels && w.labels.length ? w.labels : undefined);
      put(c, 'muteExpiration', w.mute_expiration || 0);
      c.mute.expiration = w.mute_expiration || 0;
      put(c, 'unreadCount', w.unread_count);
    }
  }
  sim.handlers.chat = (m) => apply(m.chats || []);

  // The chat of a message changes with it, as WhatsApp counts locally: our
  // send reads the chat, someone else's message adds one unread.
  sim.wpp.on('chat.new_message', (m) => {
    const c = chats.get(jidOf(m.id.remote));
    if (!c || !m.isNewMsg) return;
    set(c, 'unreadCount', m.id.fromMe ? 0 : Math.max(0, c.unreadCount) + 1);
  });

  // list: wa-js's filters and paging over ChatStore's order.
  const list: Chat['list'] = async (options = {}) => {
    const r = await query({ q: 'chats' });
    apply(r.chats || []);
    let models = (r.chats || []).map((w) => chats.get(w.id)).filter((c): c is ChatModel => !!c);
    const count = options.count == null ? Infinity : options.count;
    if (options.onlyUsers) models = models.filter((c) => c.isUser);
    if (options.onlyGroups) models = models.filter((c) => jidOf(c.id).endsWith('@g.us'));
    if (options.onlyCommunities || options.onlyNewsletter) models = [];
    if (options.onlyWithUnreadMessage) models = models.filter((c) => c.hasUnread);
    if (options.onlyArchived) models = models.filter((c) => c.archive);
    if (options.withLabels) {
      const ids = options.withLabels;
      models = models.filter((c) => (c.labels || []).some((l) => ids.includes(l)));
    }
    const indexChat = options.id ? chats.get(jidOf(options.id)) : null;
    const start = indexChat ? models.indexOf(indexChat) : 0;
    if (options.direction === 'before') {
      const from = start - count < 0 ? 0 : start - count;
      return models.slice(from, from + count >= start ? start : from + count);
    }
    return models.slice(start, start + count);
  };

  let unreadChats: ChatModel[] = [];
  sim.wpp.on('chat.unread_count_changed', (p) => {
    if (p.unreadCount > 0) {
      if (!unreadChats.find((c) => c.id === p.chat.id)) unreadChats.push(p.chat);
    } else {
      unreadChats = unreadChats.filter((c) => c.id != p.chat.id);
    }
  });

  async function setArchive(chatId: unknown, archive: boolean) {
    const c = assertGetChat(chatId);
    const wid = c.id;
    if (!!c.archive === archive) {
      throw new WPPError(`${archive ? 'archive' : 'unarchive'}_error`, `The chat ${jidOf(wid)} is already ${archive ? 'archived' : 'unarchived'}`);
    }
    apply((await act({ type: 'archive', chat: jidOf(wid), flag: archive })).chats || []);
    return { wid, archive };
  }
  async function setPin(chatId: unknown, pin: boolean) {
    const c = assertGetChat(chatId);
    // wa-js compares chat.pin (WhatsApp's pin timestamp) with the boolean:
    // never equal, so WhatsApp's setPin decides.
    try {
      apply((await act({ type: 'pin_chat', chat: jidOf(c.id), flag: pin })).chats || []);
    } catch (e) {
      throw new Error(e instanceof Error ? e.message : String(e)); // setPin rejects without a wa-js code
    }
    return { wid: c.id, pin };
  }

  const chat: Pick<Chat, 'list' | 'archive' | 'unarchive' | 'pin' | 'unpin' | 'mute' | 'unmute' | 'markIsUnread' | 'clear' |
    'delete' | 'getUnreadChats'> = {
    list,
    archive: async (chatId, archive = true) => setArchive(chatId, archive),
    unarchive: async (chatId) => setArchive(chatId, false),
    pin: async (chatId, pin = true) => setPin(chatId, pin),
    unpin: async (chatId) => setPin(chatId, false),
    mute: async (chatId, time) => {
      const c = assertGetChat(chatId);
      let expiration = 0;
      if ('expiration' in time) expiration = typeof time.expiration === 'number' ? time.expiration : time.expiration.getTime() / 1000;
      else if ('duration' in time) expiration = now() + time.duration;
      else throw new WPPError('invalid_time_mute', 'Invalid time for mute');
      if (expiration < now()) throw new WPPError('negative_time_mute', 'Negative duration for mute');
      await c.mute.mute({ expiration, isAutoMuted: false, sendDevice: true });
      return { wid: c.id, expiration: c.mute.expiration, isMuted: c.mute.expiration !== 0 };
    },
    unmute: async (chatId) => assertGetChat(chatId).mute.unmute({ sendDevice: true }),
    markIsUnread: async (chatId) => {
      const c = assertGetChat(chatId);
      apply((await act({ type: 'mark_unread', chat: jidOf(c.id) })).chats || []);
      return { wid: c.id };
    },
    clear: async (chatId, keepStarred = true) => {
      const c = assertGetChat(chatId);
      let status = 200;
      try { apply((await act({ type: 'clear', chat: jidOf(c.id), flag: keepStarred })).chats || []); } catch { status = 500; }
      return { wid: c.id, status, keepStarred };
    },
    delete: async (chatId) => {
      const jid = assertWid(chatId);
      if (!chats.get(jid)) await list({ ignoreGroupMetadata: true }); // chat.find asks the server
      const c = assertGetChat(jid);
      let status = 200;
      try { await act({ type: 'delete_chat', chat: jid }); } catch { status = 500; }
      return { wid: c.id, status };
    },
    getUnreadChats: async (onlyNewUnreads) => (onlyNewUnreads ? unreadChats : list({ onlyWithUnreadMessage: true })),
  };

  // --- contacts -----------------------------------------------------------------
  const user = async (jid: string): Promise<WireUser> => need((await query({ q: 'user', chat: jid })).user, 'user');
  const userJid = (id: unknown): string => {
    const jid = assertWid(id);
    if (!USER.test(jid)) throw new WPPError('invalid_wid', `Invalid WID value for ${jid}`);
    return jid;
  };
  function contactModel(u: WireUser): ContactModel {
    const fields: Partial<ContactModel> = { id: widOf(u.id), name: u.name || undefined, pushname: u.push_name || undefined,
      shortName: u.name || undefined, isMyContact: !!u.my_contact, isUser: true, isGroup: false, isBusiness: !!u.business };
    return fake<ContactModel>({ ...fields, isBlocked: () => blocked.has(u.phone || u.id) });
  }

  const contact: Pick<Contact, 'get' | 'queryExists' | 'getProfilePictureUrl' | 'getStatus' | 'getBusinessProfile' | 'getCommonGroups'> = {
    get: async (contactId) => {
      const jid = assertWid(contactId);
      if (jid.endsWith('@g.us')) return undefined;
      const u = await user(jid);
      return u.known ? contactModel(u) : undefined;
    },
    queryExists: async (contactId) => {
      const u = await user(userJid(contactId));
      if (!u.exists) return null;
      const r: QueryExistsResult = { wid: widOf(u.id.endsWith('@lid') ? u.id : u.phone || u.id), biz: !!u.business,
        lid: u.lid ? widOf(u.lid) : undefined };
      return r;
    },
    getProfilePictureUrl: async (contactId, full = true) => {
      const u = await user(userJid(contactId));
      if (!u.exists || !u.picture) return undefined;
      return full ? u.picture : u.picture + '?thumb=1';
    },
    getStatus: async (contactId) => {
      const u = await user(userJid(contactId));
      return u.exists ? u.about || null : null;
    },
    getBusinessProfile: async (contactId) => {
      const u = await user(userJid(contactId));
      const b = u.business || {};
      const p = { id: widOf(u.id), description: b.description, email: b.email, website: b.website, address: b.address,
        categories: b.categories ? b.categories.map((localized_display_name, i) => ({ id: String(i + 1), localized_display_name })) : undefined };
      return fake<BusinessProfileModel>(p);
    },
    getCommonGroups: async (wid) => {
      const u = await user(userJid(wid));
      if (!u.known) return [];
      return ((await query({ q: 'common_groups', chat: u.phone || u.id })).ids || []).map(widOf);
    },
  };

  // --- block list ---------------------------------------------------------------
  const blocked = new Set<string>();
  function setBlocked(ids: string[], load = false): void {
    const changed = load || ids.length !== blocked.size || ids.some((id) => !blocked.has(id));
    blocked.clear();
    ids.forEach((id) => blocked.add(id));
    if (changed) emit('blocklist.sync'); // BlocklistStore's sort: at load, and on every change
  }
  sim.handlers.blocklist = (m) => setBlocked(m.ids || []);
  const phoneOf = async (jid: string) => (jid.endsWith('@lid') ? (await user(jid)).phone || jid : jid);
  async function block(chatId: unknown, on: boolean) {
    const jid = userJid(chatId);
    const r = await act({ type: 'block', chat: jid, flag: on });
    setBlocked(r.ids || []);
    return { wid: widOf(jid), isBlocked: blocked.has(await phoneOf(jid)) };
  }
  const blocklist: WPPSubset['blocklist'] = {
    all: () => [...blocked].map(widOf),
    isBlocked: (chatId) => blocked.has(jidOf(chatId)),
    blockContact: (chatId) => block(chatId, true),
    unblockContact: (chatId) => block(chatId, false),
  };

  // The stores load once the page reaches MAIN, as WhatsApp's do.
  sim.wpp.on('conn.stream_mode_changed', (mode) => {
    if (mode !== 'MAIN') return;
    query({ q: 'blocklist' }).then((r) => setBlocked(r.ids || [], true), (e) => console.warn('wasim: blocklist', e));
  });

  return { chat, contact, blocklist, ChatStore };
}
