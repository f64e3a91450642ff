// chats.ts: chats (one, the list with filters and paging, unread ones,
// archive, pin, mute, mark unread, clear, delete), contacts (one, which
// numbers are on WhatsApp, picture, about, business profile, block list,
// common groups) and their events: chat.archived from WhatsApp's chat
// store (change:archive), chat.unread from wa-js's chat.unread_count_changed,
// contact.changed from blocklist.sync (docs/bridge.md). Written against
// wa-js 4.6.0 (src/chat/functions, src/contact/functions, src/blocklist);
// messaging.ts hands in its helpers.
import { safe } from './emit';
import type { ChatModel, ContactModel, EventTypes, WPPSubset } from './wpp';
import { ser, str, refusal } from './values';

type Args = Record<string, unknown>;
type Ids = { phone: string; lid: string };

/** Helpers are what messaging.ts lends this module. */
export interface Helpers {
  w: WPPSubset;
  need(args: Args, name: string): string;
  chatFor(jid: string): Promise<string>;
  ids(jid: string): Promise<Ids>;
  shapeChat(c: ChatModel): Promise<Record<string, unknown>>;
  shapeContact(c: ContactModel): Promise<Record<string, unknown>>;
  // out emits an event in page order with the messages around it.
  out(type: string, shape: () => Promise<unknown> | unknown): void;
}

/** CHAT_CALLS names the calls chats answers. */
export const CHAT_CALLS: Record<string, true> = {
  listChats: true, getChat: true, unreadChats: true, archiveChat: true, pinChat: true, muteChat: true, unmuteChat: true,
  markUnread: true, clearChat: true, deleteChat: true, getContact: true, checkNumbers: true, contactPicture: true,
  contactAbout: true, businessProfile: true, block: true, blocked: true, commonGroups: true,
};

// WhatsApp pins at most this many chats (wa-js: conn.setLimit unlimitedPin).
const MAX_PINNED = 3;
const BLOCKED_KEY = 'easy-api:blocked';
const CHECK_PARALLEL = 16;

/** chats builds the calls and subscribes the events on h's WPP. */
export function chats(h: Helpers): Record<string, (args: Args) => Promise<unknown>> {
  const { w, need } = h;

  // state is what a chat's settings are (session.ChatState).
  function state(c: ChatModel) {
    const unread = Number(c.unreadCount || 0);
    const exp = Number((c.mute && c.mute.expiration) || 0);
    const muted = exp === -1 || exp > Date.now() / 1000;
    return { unread_count: Math.max(0, unread), marked_unread: unread === -1, archived: !!c.archive, pinned: !!c.pin,
      muted, mute_expiration: muted ? exp : 0, labels: ((c as { labels?: unknown[] }).labels || []).map(String) };
  }
  const shape = async (c: ChatModel): Promise<Record<string, unknown>> => ({ ...(await h.shapeChat(c)), ...state(c) });

  // chat finds the chat model a route means, or fails chat_not_found.
  async function chat(args: Args): Promise<ChatModel> {
    const jid = await h.chatFor(need(args, 'chat_id'));
    const c = w.chat.get(jid);
    if (!c) throw refusal('chat_not_found', `Chat not found for ${jid}`);
    return c;
  }
  const again = async (c: ChatModel) => shape(w.chat.get(c.id) || c);

  async function list(args: Args) {
    const opts: NonNullable<Parameters<WPPSubset['chat']['list']>[0]> = { ignoreGroupMetadata: true };
    if (args.unread) opts.onlyWithUnreadMessage = true;
    if (args.archived) opts.onlyArchived = true;
    if (args.type === 'groups') opts.onlyGroups = true;
    if (args.type === 'users') opts.onlyUsers = true;
    if (Array.isArray(args.labels) && args.labels.length) opts.withLabels = args.labels.map(String);
    const limit = Number(args.limit || 0);
    const after = str(args.after);
    let models: ChatModel[];
    if (after) {
      // wa-js pages from (and including) the chat named by id, within the
      // filtered list; a chat outside it starts nowhere.
      const c = w.chat.get(await h.chatFor(after));
      if (!c) throw refusal('after_not_found', `after: chat ${after} does not exist`);
      models = await w.chat.list({ ...opts, id: c.id, count: limit ? limit + 1 : undefined });
      if (!models.length || models[0] !== c) throw refusal('after_not_found', `after: chat ${after} is not in this list`);
      models = models.slice(1);
    } else {
      models = await w.chat.list({ ...opts, count: limit ? limit + 1 : undefined });
    }
    const more = limit > 0 && models.length > limit;
    if (more) models = models.slice(0, limit);
    const out = await Promise.all(models.map(shape));
    return { chats: out, next: more && out.length ? str(out[out.length - 1].id) : '' };
  }

  async function archive(args: Args) {
    const c = await chat(args);
    const want = !!args.archive;
    // Idempotent: wa-js refuses (un)archiving a chat that already is.
    if (!!c.archive !== want) await (want ? w.chat.archive(c.id) : w.chat.unarchive(c.id));
    return again(c);
  }

  async function pin(args: Args) {
    const c = await chat(args);
    const want = !!args.pin;
    if (!!c.pin === want) return again(c);
    if (want) {
      const pinned = (await w.chat.list({ ignoreGroupMetadata: true })).filter((x) => !!x.pin).length;
      if (pinned >= MAX_PINNED) throw refusal('pin_limit', `WhatsApp pins at most ${MAX_PINNED} chats; unpin one first`);
      await w.chat.pin(c.id);
    } else {
      await w.chat.unpin(c.id);
    }
    return again(c);
  }

  async function mute(args: Args) {
    const c = await chat(args);
    if (args.forever) {
      // wa-js's mute refuses an expiration in the past, and WhatsApp's
      // "always" is expiration -1: ask the chat's MuteModel directly.
      await c.mute.mute({ expiration: -1, isAutoMuted: false, sendDevice: true });
    } else {
      await w.chat.mute(c.id, { duration: Number(args.seconds) });
    }
    return again(c);
  }

  // checkNumbers asks WhatsApp about each number, at most CHECK_PARALLEL
  // at a time (each is a query to WhatsApp's servers).
  async function checkNumbers(args: Args) {
    const list = Array.isArray(args.ids) ? args.ids.map(String) : [];
    const out: Record<string, unknown>[] = new Array(list.length);
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const i = next++;
        try {
          const r = await w.contact.queryExists(list[i]);
          out[i] = r ? { exists: true, id: ser(r.wid), lid: ser(r.lid), is_business: !!r.biz } : { exists: false };
        } catch (err) {
          out[i] = { exists: false, error: str((err as Error).message || err) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_PARALLEL, list.length) }, worker));
    return out;
  }

  // user checks that a contact is on WhatsApp before a lookup that would
  // answer nothing for a number that is not.
  async function user(args: Args): Promise<{ id: string; biz: boolean }> {
    const id = need(args, 'id');
    const r = await w.contact.queryExists(id);
    if (!r) throw refusal('not_on_whatsapp', `${id} is not on WhatsApp`);
    return { id, biz: !!r.biz };
  }

  const calls: Record<string, (args: Args) => Promise<unknown>> = {
    listChats: list,
    getChat: async (args) => shape(await chat(args)),
    unreadChats: async () => Promise.all((await w.chat.getUnreadChats(false)).map(shape)),
    archiveChat: archive,
    pinChat: pin,
    muteChat: mute,
    unmuteChat: async (args) => {
      const c = await chat(args);
      await w.chat.unmute(c.id);
      return again(c);
    },
    markUnread: async (args) => {
      const c = await chat(args);
      await w.chat.markIsUnread(c.id);
      return again(c);
    },
    clearChat: async (args) => {
      const c = await chat(args);
      const r = await w.chat.clear(c.id, args.keep_starred !== false);
      if (r.status >= 400) throw refusal('clear_failed', `WhatsApp answered ${r.status}`);
      return true;
    },
    deleteChat: async (args) => {
      const c = await chat(args);
      const r = await w.chat.delete(c.id);
      if (r.status >= 400) throw refusal('delete_failed', `WhatsApp answered ${r.status}`);
      return true;
    },
    getContact: async (args) => {
      const id = need(args, 'id');
      const c = await w.contact.get(id);
      if (!c) throw refusal('contact_not_found', `Contact ${id} not found`);
      return { ...(await h.shapeContact(c)), blocked: isBlocked(id, await h.ids(id)) };
    },
    checkNumbers,
    contactPicture: async (args) => {
      const { id } = await user(args);
      return { url: str(await w.contact.getProfilePictureUrl(id, true)) };
    },
    contactAbout: async (args) => {
      const { id } = await user(args);
      return { about: str(await w.contact.getStatus(id)) };
    },
    businessProfile: async (args) => {
      const { id, biz } = await user(args);
      if (!biz) throw refusal('not_a_business', `${id} is not a business account`);
      const p = await w.contact.getBusinessProfile(id) as unknown as Record<string, unknown>;
      const cats = (p.categories as { localized_display_name?: unknown }[] | undefined) || [];
      const web = p.website as unknown;
      return { id, description: str(p.description), email: str(p.email), address: str(p.address),
        websites: Array.isArray(web) ? web.map((x) => str((x as { url?: unknown }).url || x)) : web ? [str(web)] : [],
        categories: cats.map((x) => str(x.localized_display_name)) };
    },
    block: async (args) => {
      const id = need(args, 'id');
      const r = await (args.block ? w.blocklist.blockContact(id) : w.blocklist.unblockContact(id));
      return { id: ser(r.wid), blocked: !!r.isBlocked };
    },
    blocked: async () => Promise.all(w.blocklist.all().map(async (wid) => ({ id: ser(wid), ...(await h.ids(ser(wid))) }))),
    commonGroups: async (args) => (await w.contact.getCommonGroups(need(args, 'id'))).map(ser),
  };

  function isBlocked(id: string, x: Ids): boolean {
    return [id, x.phone ? x.phone + '@c.us' : '', x.lid].some((j) => !!j && safe(() => w.blocklist.isBlocked(j), false));
  }

  // --- events ---------------------------------------------------------------
  const withIds = async (id: string, fields: Record<string, unknown>) => ({ chat_id: id, ...fields, ...(await h.ids(id)) });
  w.on('chat.unread_count_changed', (e: EventTypes['chat.unread_count_changed']) => {
    const id = ser(e.chat && e.chat.id);
    if (!id) return;
    const n = Number(e.unreadCount);
    h.out('chat_unread', () => withIds(id, { unread_count: Math.max(0, n), marked_unread: n === -1,
      previous_unread_count: Math.max(0, Number(e.previousUnreadCount || 0)) }));
  });
  safe(() => w.whatsapp.ChatStore.on('change:archive', (c: ChatModel, archived: unknown) => {
    const id = ser(c && c.id);
    if (id) h.out('chat_archived', () => withIds(id, { archived: !!archived }));
  }), undefined);

  // contact.changed: blocklist.sync says only that the list changed, so
  // diff it against the last list seen (kept across reloads; the first
  // list this profile sees is the baseline).
  const stored = safe(() => JSON.parse(localStorage.getItem(BLOCKED_KEY) || 'null') as unknown, null);
  let known: Set<string> | null = Array.isArray(stored) ? new Set(stored.map(String)) : null;
  w.on('blocklist.sync', () => {
    const now = new Set(w.blocklist.all().map(ser));
    const before = known;
    known = now;
    safe(() => localStorage.setItem(BLOCKED_KEY, JSON.stringify([...now])), undefined);
    if (!before) return;
    for (const id of now) if (!before.has(id)) h.out('contact_changed', () => contactChange(id, true));
    for (const id of before) if (!now.has(id)) h.out('contact_changed', () => contactChange(id, false));
  });
  async function contactChange(id: string, blocked: boolean) {
    const x = await h.ids(id);
    return { id, phone: x.phone, lid: x.lid, change: blocked ? 'blocked' : 'unblocked', blocked };
  }

  return calls;
}
