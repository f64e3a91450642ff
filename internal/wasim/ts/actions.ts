// actions.ts: the rest of wa-js 4.6.0's messaging as the bridge uses it
// (WPPSubset): every kind of message, the actions on a message (each an
// "act" to the server, which records it in the account's action log and
// routes it, actions.go), read state, presence, and the events
// chat.new_reaction, chat.msg_edited, chat.poll_response and
// chat.presence_change with wa-js's payloads and timing. chat.ts hands in
// its helpers and merges the result into WPP.
import type * as WA from '@wppconnect/wa-js';
import type { ChatModel, MsgKey, MsgModel, SendMessageReturn, WAJS, Wid, WPPSubset } from '../../browser/bridge/wpp';
import { need, widOf, type Model, type Sim, type WireMsg } from './sim';
import { member, type SendMsgResult } from './watypes';

type Chat = WPPSubset['chat'];
type DeleteMessageReturn = WA.chat.DeleteMessageReturn;
type VCardContact = WA.chat.VCardContact;
type FileOptions = Parameters<WAJS['chat']['sendFileMessage']>[2];
type PinDuration = Exclude<Parameters<Chat['pinMsg']>[2], number | undefined>;
type StarMessageReturn = WA.chat.StarMessageReturn;
type SendFn = (jid: string, fields: Record<string, unknown>, upload: null, options: { waitForAck?: boolean } | undefined) => Promise<SendMessageReturn>;

/** Helpers are what chat.ts lends this module. */
export interface Helpers {
  sim: Sim;
  jidOf(x: unknown): string;
  msgKey(serialized: string): MsgKey;
  models: Map<string, Model>;
  chats: Map<string, ChatModel>;
  me(): Wid;
  chatJid(chatId: unknown): string;
  newKey(): string;
  send: SendFn;
  byId(id: unknown): Promise<Model>;
}

/** PollOption is one of a poll message's pollOptions (any in MsgModel). */
type PollOption = { name: string; localId: number };
const optionsOf = (poll: { options: string[] }): PollOption[] => poll.options.map((name, localId) => ({ name, localId }));

/** PIN_DURATIONS are wa-js's PinExpiryDurationOption values. */
const PIN_DURATIONS = ['FiveSeconds', 'FifteenSeconds', 'OneMinute', 'OneDay', 'SevenDays', 'ThirtyDays'];

/** actions builds the messaging functions beyond send/list/read. */
export function actions(h: Helpers) {
  const { sim, jidOf, msgKey, models, me, chatJid, send, byId } = h;
  const { emit, WPPError } = sim;
  const act = (a: Record<string, unknown>) => sim.request({ t: 'act', act: a });
  // assertGetChat is wa-js's check that the chat is in the chat store.
  const assertGetChat = (chatId: unknown) => {
    if (!h.chats.get(jidOf(chatId))) throw new WPPError('chat_not_found', `Chat not found for ${jidOf(chatId)}`);
  };

  // content copies the server's message onto a model with MsgModel's names.
  function content(m: Model, v: WireMsg): void {
    const set = (fields: Partial<MsgModel>) => Object.assign(m, fields);
    if (v.quoted_id) {
      const q = msgKey(v.quoted_id);
      const remote = jidOf(q.remote);
      set({ quotedStanzaID: q.id, quotedRemoteJid: q.remote,
        quotedParticipant: q.fromMe ? me() : remote.endsWith('@g.us') ? undefined : q.remote });
    }
    set({ mentionedJidList: (v.mentions || []).map(widOf), isViewOnce: !!v.view_once, isGif: !!v.gif,
      isForwarded: !!v.forwarded, star: !!v.starred });
    if (v.edits && v.edits.length) m.latestEditMsgKey = msgKey(v.id);
    if (v.location) {
      const l = v.location;
      set({ lat: l.lat, lng: l.lng, clientUrl: l.url || undefined,
        loc: l.name && l.address ? l.name + '\n' + l.address : l.name || l.address || '' });
    }
    if (v.type === 'vcard' && v.vcards && v.vcards.length) set({ body: v.vcards[0].vcard, vcardFormattedName: v.vcards[0].displayName });
    if (v.type === 'multi_vcard') m.vcardList = v.vcards;
    if (v.poll) set({ pollName: v.poll.name, pollOptions: optionsOf(v.poll), pollSelectableOptionsCount: v.poll.selectable_count || 0 });
  }

  // context resolves the options every send shares, as prepareRawMessage
  // does: a quotedMsg must exist (msg_not_found otherwise).
  async function context(options: { quotedMsg?: unknown; mentionedList?: unknown[] } | undefined): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    if (options && options.quotedMsg) out.quoted_id = jidOf((await byId(jidOf(options.quotedMsg))).id);
    if (options && options.mentionedList) out.mentions = options.mentionedList.map(jidOf);
    return out;
  }

  // fileFields are what sendFileMessage's options make of a file: ptt and
  // ptv types, view once and GIF flags.
  // Each flag is declared by the option types that take it.
  function fileFields(type: string, o: FileOptions): Record<string, unknown> {
    const t = type === 'audio' && 'isPtt' in o && o.isPtt ? 'ptt' : type === 'video' && 'isPtv' in o && o.isPtv ? 'ptv' : type;
    const viewOnce = 'isViewOnce' in o && !!o.isViewOnce;
    return { type: t, view_once: viewOnce && t !== 'document' && t !== 'sticker', gif: 'isGif' in o && !!o.isGif };
  }

  function vcardOf(c: string | Wid | VCardContact): { displayName: string; vcard: string } {
    const obj = typeof c === 'object' && 'id' in c ? c : null;
    const id = jidOf(obj ? obj.id : c);
    const user = id.split('@')[0];
    const name = (obj && obj.name) || '+' + user;
    return { displayName: name, vcard: `BEGIN:VCARD\nVERSION:3.0\nN:;${name};;;\nFN:${name}\nTEL;type=CELL;type=VOICE;waid=${user}:+${user}\nEND:VCARD` };
  }

  async function sendCards(chatId: unknown, vcards: { displayName: string; vcard: string }[], options: Parameters<Chat['sendRawMessage']>[2]) {
    const type = vcards.length === 1 ? 'vcard' : 'multi_vcard';
    return send(chatJid(chatId), { type, vcards, ...(await context(options)) }, null, options);
  }

  // selected builds wa-js's selectedOptions as its source does
  // (registerPollEvent, getVotes): a sparse array of the poll's options by
  // local id, built as any there though its declarations say number[].
  function selected(options: PollOption[], idx: number[]): number[] {
    const out: PollOption[] = [];
    for (const i of idx) out[i] = options.filter((o) => o.localId == i)[0];
    return out as unknown as number[]; // see above
  }

  const ok = member<SendMsgResult>('OK');

  // starMessage takes one id or a list, as wa-js's overloads do, and, as
  // wa-js's, answers each message's star as it was before the command.
  function starMessage(id: string, star: boolean): Promise<StarMessageReturn>;
  function starMessage(ids: string[], star: boolean): Promise<StarMessageReturn[]>;
  async function starMessage(ids: string | string[], star = true): Promise<StarMessageReturn | StarMessageReturn[]> {
    const one = async (id: string): Promise<StarMessageReturn> => {
      const m = await byId(id);
      assertGetChat(m.id.remote);
      const was = { id: jidOf(m.id), star: !!m.star };
      await act({ type: star ? 'star' : 'unstar', msg: was.id });
      m.star = !!star;
      return was;
    };
    return Array.isArray(ids) ? Promise.all(ids.map(one)) : one(ids);
  }

  const chat: Pick<Chat, 'sendLocationMessage' | 'sendVCardContactMessage' | 'sendRawMessage' | 'sendCreatePollMessage' |
    'sendReactionToMessage' | 'editMessage' | 'deleteMessage' | 'forwardMessages' | 'starMessage' | 'pinMsg' | 'getVotes' |
    'markPlayed' | 'markIsRead' | 'markIsComposing' | 'markIsRecording' | 'markIsPaused'> = {
    sendLocationMessage: async (chatId, options) => {
      const jid = chatJid(chatId);
      const location = { lat: Number(options.lat), lng: Number(options.lng), name: options.name || '', address: options.address || '', url: options.url || '' };
      return send(jid, { type: 'location', location, ...(await context(options)) }, null, options);
    },
    sendVCardContactMessage: async (chatId, contacts, options = {}) =>
      sendCards(chatId, (Array.isArray(contacts) ? contacts : [contacts]).map(vcardOf), options),
    sendRawMessage: async (chatId, raw, options = {}) => {
      const r = raw;
      if (r.type === 'vcard') return sendCards(chatId, [{ displayName: r.vcardFormattedName || '', vcard: String(r.body) }], options);
      if (r.type === 'multi_vcard') return sendCards(chatId, r.vcardList || [], options);
      throw new WPPError('not_supported', `raw message type ${r.type} is not simulated`);
    },
    sendCreatePollMessage: async (chatId, name, choices, options = {}) => {
      const poll = { name: String(name), options: choices.map(String), selectable_count: options.selectableCount || 0 };
      return send(chatJid(chatId), { type: 'poll_creation', poll, ...(await context(options)) }, null, options);
    },
    sendReactionToMessage: async (id, reaction) => {
      const m = await byId(id);
      await act({ type: 'react', msg: jidOf(m.id), value: reaction || '' });
      return { sendMsgResult: 'OK' };
    },
    editMessage: async (id, text, options = {}) => {
      const m = await byId(id);
      await act({ type: 'edit', msg: jidOf(m.id), value: String(text).trim(), mentions: (options.mentionedList || []).map(jidOf) });
      const jid = jidOf(m.id.remote);
      return { id: `true_${jid}_${h.newKey()}`, from: jidOf(me()), to: jid, ack: 1, sendMsgResult: { messageSendResult: ok } };
    },
    deleteMessage: async (chatId, ids, _deleteMedia = false, revoke = false) => {
      assertGetChat(chatId);
      const out: DeleteMessageReturn[] = [];
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        const m = await byId(id);
        const mine = !!m.id.fromMe;
        const r: DeleteMessageReturn = { id: jidOf(m.id), sendMsgResult: ok, isRevoked: false, isDeleted: false, isSentByMe: mine };
        if (m.type === 'revoked' && revoke) {
          r.sendMsgResult = member<SendMsgResult>('ERROR_UNKNOWN');
          r.isRevoked = true;
        } else if (revoke && mine) {
          await act({ type: 'revoke', msg: r.id });
          r.isRevoked = true;
        } else {
          await act({ type: 'delete', msg: r.id });
          models.delete(r.id);
          r.isDeleted = true;
        }
        out.push(r);
      }
      return Array.isArray(ids) ? out : out[0];
    },
    forwardMessages: async (toChatId, msgsId) => {
      const jid = chatJid(toChatId);
      const out = [];
      for (const id of msgsId) {
        const m = await byId(id);
        const fields: Record<string, unknown> = { type: m.type, body: m.type === 'chat' ? m.body : '', caption: m.caption,
          mimetype: m.mimetype, filename: m.filename, forwarded: true, media: m.__media || undefined };
        if (m.lat !== undefined) {
          const loc = String(m.loc || '').split('\n');
          fields.location = { lat: m.lat, lng: m.lng, name: loc[0], address: loc.slice(1).join('\n') };
        }
        if (m.type === 'vcard') fields.vcards = [{ displayName: m.vcardFormattedName, vcard: m.body }];
        if (m.type === 'multi_vcard') fields.vcards = m.vcardList;
        out.push(await send(jid, fields, null, {}));
      }
      return out;
    },
    starMessage,
    pinMsg: async (msgId, pin = true, duration = member<PinDuration>('SevenDays')) => {
      if (typeof pin !== 'boolean') throw new WPPError('invalid_pin_parameter', "The 'pin' parameter must be a boolean.");
      // wa-js: a number, or an unknown option, means seven days.
      const d = typeof duration === 'string' && PIN_DURATIONS.includes(duration) ? duration : 'SevenDays';
      const m = await byId(msgId);
      await act({ type: pin ? 'pin' : 'unpin', msg: jidOf(m.id), value: pin ? d : '' });
      return { message: m, pinned: pin, result: ok };
    },
    getVotes: async (id) => {
      const r = await sim.request({ t: 'query', q: 'votes', msg: jidOf(id) });
      const v = need(r.msg, 'msg');
      const poll = v.poll || { options: [] };
      return { msgId: msgKey(v.id), chatId: widOf(v.chat_id), votes: Object.entries(v.votes || {}).map(([sender, idx]) => (
        { selectedOptions: selected(optionsOf(poll), idx), timestamp: Date.now(), sender: widOf(sender) })) };
    },
    markPlayed: async (id) => {
      const m = await byId(id);
      await act({ type: 'played', msg: jidOf(m.id) });
      return m;
    },
    markIsRead: async (chatId) => {
      const jid = chatJid(chatId);
      await act({ type: 'seen', chat: jid });
      return { wid: widOf(jid), unreadCount: 0 };
    },
    // The duration only decides when WhatsApp stops showing the state.
    markIsComposing: async (chatId) => { await act({ type: 'chatstate', chat: chatJid(chatId), value: 'composing' }); },
    markIsRecording: async (chatId) => { await act({ type: 'chatstate', chat: chatJid(chatId), value: 'recording' }); },
    markIsPaused: async (chatId) => { await act({ type: 'chatstate', chat: chatJid(chatId), value: 'paused' }); },
  };

  const subscribePresence: WPPSubset['contact']['subscribePresence'] = async (ids) => {
    const list = (Array.isArray(ids) ? ids : [ids]).map(jidOf);
    await act({ type: 'subscribe', chats: list });
    return list.map(widOf);
  };

  const markAvailable: WAJS['conn']['markAvailable'] = async (available = true) => {
    await act({ type: 'presence', value: available ? 'available' : 'unavailable' });
    return true;
  };

  // Server → page: reactions, edits, votes and presence, emitted as wa-js
  // does (its wrappers emit asynchronously, after WhatsApp's own handler).
  sim.handlers.reaction = (m) => {
    const r = m.reaction!;
    queueMicrotask(() => emit('chat.new_reaction', { id: msgKey(r.id), msgId: msgKey(r.msg), reactionText: r.text, read: false,
      sender: widOf(r.sender), orphan: 0, orphanReason: null, timestamp: r.t }));
  };
  sim.handlers.edit = (m) => {
    const v = need(m.msg, 'msg');
    const msg = models.get(v.id);
    if (!msg) return;
    if (v.type === 'chat') msg.body = v.body; else msg.caption = v.caption;
    Object.assign(msg, { latestEditMsgKey: msgKey(v.id), latestEditSenderTimestampMs: Date.now() });
    // wa-js emits from MsgStore's change:latestEditMsgKey, in a microtask.
    queueMicrotask(() => emit('chat.msg_edited', { chat: msg.to!, id: jidOf(msg.id), msg })); // wa-js's msg.to!
  };
  sim.handlers.vote = async (m) => {
    const v = m.vote!;
    const poll = await byId(v.msg);
    emit('chat.poll_response', { msgId: msgKey(v.msg), chatId: widOf(v.chat), selectedOptions: selected(poll.pollOptions || [], v.options),
      timestamp: v.t, sender: widOf(v.sender) });
  };
  sim.handlers.presence = (m) => {
    const p = m.presence!;
    queueMicrotask(() => emit('chat.presence_change', { id: widOf(p.id), isOnline: p.online, isGroup: false, isUser: true,
      shortName: '', state: p.state, t: p.t, isContact: true }));
  };

  return { content, context, fileFields, chat, subscribePresence, markAvailable };
}
