// messaging.ts: messages, acks, revokes, chats and contacts (docs/bridge.md).
// Events leave in page order through one queue, because a shape may wait
// for WhatsApp's phone-number/LID table before it is complete.
import { ACTION_CALLS, actions, detail, fileOptions, textOptions } from './actions';
import { CHAT_CALLS, chats } from './chats';
import { BUSINESS_CALLS, business, status, STATUS_CHAT } from './business';
import { emit, report, safe } from './emit';
import { GROUP_CALLS, groupSendRefusal, groups } from './groups';
import type { ChatModel, ContactModel, EventTypes, MsgModel, RawMessage, SendMessageReturn, WAJS, WPPSubset } from './wpp';
import { ackKey, keyParts, type Message } from './message';
import { pageError, ser, str } from './values';

type AckEvent = EventTypes['chat.msg_ack_change'];
type RevokeEvent = EventTypes['chat.msg_revoke'];

type MsgLike = MsgModel | RawMessage;
type Account = { id: string } | null;

/** Messaging is what the bridge core wires to WPP.on and call(). */
export interface Messaging {
  onNewMessage(m: MsgModel): void;
  onAckChange(e: AckEvent): void;
  onRevoke(e: RevokeEvent): void;
  onReaction(e: EventTypes['chat.new_reaction']): void;
  onEdited(e: EventTypes['chat.msg_edited']): void;
  onPollResponse(e: EventTypes['chat.poll_response']): void;
  onPresence(e: EventTypes['chat.presence_change']): void;
  onGroupParticipants(e: EventTypes['group.participant_changed']): void;
  call(name: string, args: Record<string, unknown>): Promise<unknown>;
}

const SEEN_KEY = 'easy-api:seen';
const SEEN_MAX = 500;
const LAST_KEY = 'easy-api:last';
const CATCHUP_PER_CHAT = 100;
const ACKS_MAX = 2000;
// Message types that are not messages people wrote.
const SKIP: Record<string, true> = { ciphertext: true, e2e_notification: true, notification_template: true, gp2: true,
  protocol: true, call_log: true, notification: true, broadcast_notification: true, revoked: true, group_notification: true };
const isUser = (jid: string) => /@(c\.us|lid)$/.test(jid);

/** messaging builds the messaging part of the bridge on w; me returns the
 * host account once ready. */
export function messaging(w: WPPSubset, me: () => Account): Messaging {
  // seen holds the ids already reported, across reloads and restarts of
  // the same profile, so a message is reported once.
  const stored = safe(() => JSON.parse(localStorage.getItem(SEEN_KEY) || '[]') as unknown, []);
  const seenOrder: string[] = Array.isArray(stored) ? stored.map(String) : [];
  const seen = new Set(seenOrder);
  const pendingOwn = new Map<string, Message>(); // our sends WhatsApp has not accepted yet, by ackKey
  const lastAck = new Map<string, { ack: number; id: string; chat_id: string }>(); // by ackKey
  const emitted = new Set<string>(); // reported in this page life, maybe not logged yet
  const pnLid = new Map<string, { phone: string; lid: string }>();
  let queue: Promise<void> = Promise.resolve();
  const myId = () => { const a = me(); return a ? a.id : ''; };

  const later = (fn: () => Promise<void> | void) => {
    queue = queue.then(fn).catch(report);
  };

  function remember(id: string): void {
    seen.add(id);
    seenOrder.push(id);
    while (seenOrder.length > SEEN_MAX) seen.delete(seenOrder.shift() as string);
    safe(() => localStorage.setItem(SEEN_KEY, JSON.stringify(seenOrder)), undefined);
  }

  function noteAck(key: string, ack: number, id: string, chat: string): void {
    lastAck.delete(key);
    lastAck.set(key, { ack, id, chat_id: chat });
    if (lastAck.size > ACKS_MAX) lastAck.delete(lastAck.keys().next().value as string);
  }

  // ids returns the phone number and LID of a user chat, from the id itself
  // and WhatsApp's phone-number/LID table (contact.getPnLidEntry). Only a
  // complete pair is cached: WhatsApp may learn the other half later.
  function ids(jid: string): Promise<{ phone: string; lid: string }> {
    if (!isUser(jid)) return Promise.resolve({ phone: '', lid: '' });
    const known = pnLid.get(jid);
    if (known) return Promise.resolve(known);
    return w.contact.getPnLidEntry(jid).then((e) => ({
      phone: e.phoneNumber ? ser(e.phoneNumber).split('@')[0] : '',
      lid: e.lid ? ser(e.lid) : '',
    }), () => ({ phone: '', lid: '' })).then((r) => {
      const out = {
        phone: r.phone || (jid.endsWith('@c.us') ? jid.split('@')[0] : ''),
        lid: r.lid || (jid.endsWith('@lid') ? jid : ''),
      };
      if (out.phone && out.lid) pnLid.set(jid, out);
      return out;
    });
  }

  // chatFor finds the chat a route means: WhatsApp may keep a contact's
  // chat under its LID while the client names it by phone number.
  async function chatFor(jid: string): Promise<string> {
    if (!jid.endsWith('@c.us') || safe(() => w.chat.get(jid), undefined)) return jid;
    const lid = (await ids(jid)).lid;
    if (lid && safe(() => w.chat.get(lid), undefined)) return lid;
    return jid;
  }

  // shapeMsg turns a wa-js MsgModel (or serialized message) into a Message.
  async function shapeMsg(m: MsgLike): Promise<Message> {
    const k = keyParts(m.id);
    const type = str(m.type);
    const chat = k.remote || (k.fromMe ? ser(m.to) : ser(m.from));
    const { phone, lid } = await ids(chat);
    return {
      id: k.serialized, chat_id: chat, from: ser(m.author) || ser(m.from), to: ser(m.to), author: ser(m.author), from_me: k.fromMe, type,
      body: type === 'chat' ? str(m.body) : '', caption: str(m.caption), mimetype: str(m.mimetype),
      filename: str(m.filename), timestamp: Number(m.t || 0), ack: Number(m.ack || 0), phone, lid,
      ...detail(m, myId()),
    };
  }

  // reportMessage emits a message once per page life; it becomes seen
  // (never reported again, even after a reload) only when Go commits it
  // with the seen call, after the event is in the log (see below).
  function reportMessage(msg: Message): void {
    if (seen.has(msg.id) || emitted.has(msg.id)) return;
    emitted.add(msg.id);
    if (emitted.size > ACKS_MAX) emitted.delete(emitted.values().next().value as string);
    noteAck(ackKey(msg.id), msg.ack, msg.id, msg.chat_id);
    emit('message', msg);
  }

  // --- seen after ack (docs/operations.md, "No message lost") ----------------
  // Go calls seen({ids}) once the message events of ids are in the event
  // log; only then are they remembered as seen, with the newest timestamp
  // committed as the watermark. catchUp({since}) re-emits every message of
  // every chat with a timestamp >= since (0: the stored watermark; none:
  // nothing) that is not seen, oldest first, so messages whose event was
  // never logged (store full, process killed) are reported again. Go dedupes
  // by id.
  function watermark(): number {
    return Number(safe(() => localStorage.getItem(LAST_KEY), 0)) || 0;
  }

  function commitSeen(args: Record<string, unknown>): number {
    const ids = Array.isArray(args.ids) ? args.ids : [];
    ids.forEach((id) => { if (!seen.has(String(id))) remember(String(id)); });
    const t = Number(args.t || 0);
    if (t > watermark()) safe(() => localStorage.setItem(LAST_KEY, String(t)), undefined); // full: the log's time is used
    return ids.length;
  }

  async function catchUp(args: Record<string, unknown>): Promise<number> {
    const since = Number(args.since || 0) || watermark();
    if (since <= 0) return 0;
    const found: Message[] = [];
    for (const c of await w.chat.list({ ignoreGroupMetadata: true })) {
      const msgs = await w.chat.getMessages(ser(c.id), { count: CATCHUP_PER_CHAT, direction: 'before' });
      for (const m of await Promise.all(msgs.map(shapeMsg))) {
        if (m.id && !SKIP[m.type] && m.timestamp >= since && !seen.has(m.id) && !(m.from_me && m.ack < 1)) found.push(m);
      }
    }
    found.sort((a, b) => a.timestamp - b.timestamp);
    later(() => {
      for (const m of found) {
        emitted.add(m.id);
        noteAck(ackKey(m.id), m.ack, m.id, m.chat_id);
        emit('message', m);
      }
    });
    return found.length;
  }
  // --- end seen after ack ----------------------------------------------------

  // accepted reports one of our sends once WhatsApp took it (ack >= 1).
  function accepted(key: string, ack: number): boolean {
    const pending = pendingOwn.get(key);
    if (!pending) return false;
    pendingOwn.delete(key);
    pending.ack = Math.max(pending.ack, ack);
    reportMessage(pending);
    return true;
  }

  // onNewMessage: chat.new_message fires for our own sends too, first with
  // ack CLOCK (0); those are reported once WhatsApp accepted them, so
  // nothing is reported as sent that was not.
  function onNewMessage(m: MsgModel): void {
    later(async () => {
      if (m.type === 'gp2' || m.type === 'group_notification') return grp.onNotification(m);
      const msg = await shapeMsg(m);
      if (msg.chat_id === STATUS_CHAT) {
        if (!msg.from_me && msg.id) emit('status', status(m, myId())); // statuses are not messages
        return;
      }
      if (!msg.id || SKIP[msg.type]) return;
      if (msg.from_me && msg.ack < 1) {
        if (!seen.has(msg.id)) pendingOwn.set(ackKey(msg.id), msg);
        return;
      }
      reportMessage(msg);
    });
  }

  // onAckChange: wa-js emits ack 1 (with the original key) and acks >= 2
  // from receipts (key rebuilt, remote maybe a LID); never negative ones.
  function onAckChange(e: AckEvent): void {
    const ack = Number(e.ack);
    const keys = (e.ids || []).slice();
    later(() => {
      for (const k of keys) {
        const key = ackKey(k);
        if (ack >= 1 && accepted(key, ack)) continue;
        const last = lastAck.get(key);
        if (last !== undefined && ack <= last.ack) continue;
        const id = last ? last.id : ser(k);
        const chat = last ? last.chat_id : keyParts(k).remote || ser(e.chat);
        noteAck(key, ack, id, chat);
        emit('ack', { id, chat_id: chat, ack });
      }
    });
  }

  function onRevoke(e: RevokeEvent): void {
    later(() => {
      emit('revoke', { id: ser(e.refId), revoke_id: ser(e.id), chat_id: keyParts(e.refId).remote || ser(e.from),
        from: ser(e.from), to: ser(e.to), author: ser(e.author), type: str(e.type) || 'revoke',
        from_me: keyParts(e.refId).fromMe });
    });
  }

  async function shapeChat(c: ChatModel) {
    const id = ser(c.id);
    const contact = (c.contact || {}) as { name?: unknown; pushname?: unknown };
    const { phone, lid } = await ids(id);
    return {
      id, name: str(c.formattedTitle || c.name || contact.name || contact.pushname),
      is_group: !!(c.isGroup || /@g\.us$/.test(id)), unread_count: Number(c.unreadCount || 0),
      timestamp: Number(c.t || 0), phone, lid,
    };
  }

  async function shapeContact(c: ContactModel) {
    const id = ser(c.id);
    const { phone, lid } = await ids(id);
    return { id, name: str(c.name), push_name: str(c.pushname), is_my_contact: !!c.isMyContact,
      is_group: !!(c.isGroup || /@g\.us$/.test(id)), is_business: !!c.isBusiness, phone, lid };
  }

  // sent returns the message a send produced, failing unless WhatsApp
  // accepted it: sendMsgResult says how the send ended (wa-js never emits a
  // negative ack), and ack must have reached SENT. A failed send to a group
  // that does not let us write is that refusal (groupSendRefusal).
  async function sent(r: SendMessageReturn, chat: string, fields: Partial<Message>): Promise<Message> {
    const id = str(r && r.id);
    if (!id) throw new Error('WhatsApp returned no message id');
    const key = ackKey(id);
    const result = r.sendMsgResult ? str(r.sendMsgResult.messageSendResult) : '';
    if (result && result !== 'OK') {
      pendingOwn.delete(key);
      later(() => {
        noteAck(key, -1, id, chat);
        emit('ack', { id, chat_id: chat, ack: -1 });
      });
      throw (await groupSendRefusal(w, myId(), chat)) || new Error(`send failed: WhatsApp reported ${result} for message ${id}`);
    }
    let msg: Message | null = null;
    try { msg = await shapeMsg(await w.chat.getMessageById(id)); } catch { msg = null; }
    if (!msg || !msg.id) {
      const mine = me();
      const { phone, lid } = await ids(chat);
      msg = Object.assign({ id, chat_id: chat, from: mine ? mine.id : '', to: chat, author: '', from_me: true, type: '',
        body: '', caption: '', mimetype: '', filename: '', timestamp: Math.floor(Date.now() / 1000), ack: 0, phone, lid,
        ...detail({ type: String(fields.type || '') } as RawMessage, myId()) }, fields);
    }
    msg.ack = Math.max(msg.ack, Number(r.ack || 0));
    if (msg.ack < 1) {
      const no = await groupSendRefusal(w, myId(), chat);
      if (no) throw no;
      throw new Error(`not accepted: WhatsApp has not accepted message ${id} (ack ${msg.ack}); it may still go out, and message.sent reports it if it does`);
    }
    const ack = msg.ack;
    later(() => { accepted(key, ack); });
    return msg;
  }

  async function blobToBase64(blob: Blob): Promise<string> {
    const buf = new Uint8Array(await blob.arrayBuffer());
    const chunks: string[] = [];
    for (let i = 0; i < buf.length; i += 0x8000) {
      chunks.push(String.fromCharCode(...buf.subarray(i, i + 0x8000)));
    }
    return btoa(chunks.join(''));
  }

  function need(args: Record<string, unknown>, name: string): string {
    const v = args[name];
    if (typeof v !== 'string' || v === '') throw new Error(name + ' is required');
    return v;
  }

  type FileOptions = Parameters<WAJS['chat']['sendFileMessage']>[2];

  const calls: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
    sendText: async (args) => {
      const chat = await chatFor(need(args, 'chat_id'));
      const text = need(args, 'text');
      const r = await w.chat.sendTextMessage(chat, text, textOptions(args));
      return sent(r, chat, { type: 'chat', body: text });
    },
    sendFile: async (args) => {
      const chat = await chatFor(need(args, 'chat_id'));
      const data = need(args, 'data');
      const mimetype = need(args, 'mimetype');
      const opts: FileOptions = fileOptions(args, mimetype);
      const r = await w.chat.sendFileMessage(chat, 'data:' + mimetype + ';base64,' + data, opts);
      return sent(r, chat, { caption: str(args.caption), mimetype, filename: str(args.filename) });
    },
    getMessages: async (args) => {
      const chat = await chatFor(need(args, 'chat_id'));
      const opts: { count: number; direction: 'before'; id?: string } = { count: Number(args.limit) || 50, direction: 'before' };
      if (args.before) opts.id = String(args.before);
      const msgs = await w.chat.getMessages(chat, opts);
      const shaped = await Promise.all(msgs.map(shapeMsg));
      return shaped.filter((m) => m.id && !SKIP[m.type]);
    },
    listContacts: async () => Promise.all((await w.contact.list()).map(shapeContact)),
    seen: async (args) => commitSeen(args),
    catchUp: async (args) => catchUp(args),
    downloadMedia: async (args) => {
      const id = need(args, 'id');
      const m = await w.chat.getMessageById(id);
      const blob = await w.chat.downloadMedia(id);
      return { data: await blobToBase64(blob), mimetype: str(m.mimetype) || blob.type || 'application/octet-stream',
        filename: str(m.filename), size: blob.size };
    },
  };

  const more = actions({ w, myId, need, chatFor, shape: shapeMsg, sent });
  Object.assign(calls, more.calls);
  Object.assign(calls, chats({ w, need, chatFor, ids, shapeChat, shapeContact,
    out: (type, shape) => later(async () => { emit(type, await shape()); }) }));
  Object.assign(calls, business({ w, myId, need, chatFor }));
  const grp = groups({ w, myId, need });
  Object.assign(calls, grp.calls);
  // later keeps these events in page order with the messages they follow.
  const out = (type: string, shape: () => unknown) => later(() => { emit(type, shape()); });

  return {
    onNewMessage, onAckChange, onRevoke,
    onReaction: (e) => out('reaction', () => more.reaction(e)),
    onEdited: (e) => out('edit', () => more.edit(e)),
    onPollResponse: (e) => out('poll_vote', () => more.pollVote(e)),
    onPresence: (e) => out('presence', () => more.presence(e)),
    onGroupParticipants: (e) => later(() => grp.onParticipants(e)),
    call: async (name, args) => {
      try {
        return await calls[name](args);
      } catch (err) {
        throw pageError(err);
      }
    },
  };
}

/** MESSAGING_CALLS names the calls Messaging answers. */
export const MESSAGING_CALLS: Record<string, true> = {
  sendText: true, sendFile: true, getMessages: true, listContacts: true, downloadMedia: true,
  seen: true, catchUp: true,
  ...ACTION_CALLS, ...CHAT_CALLS, ...BUSINESS_CALLS,
  ...GROUP_CALLS,
};
