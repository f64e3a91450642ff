// chat.ts: the messaging part of the simulator's window.WPP — WPP.chat and
// WPP.contact as the bridge uses them (WPPSubset: wa-js 4.6.0's names,
// signatures and return types). Messages are shaped like wa-js's MsgModel:
// id is a MsgKey {fromMe, remote, id, _serialized}, from/to are Wids, t is in
// seconds, ack follows wa-js's ACK enum. Acks are emitted as wa-js does: ack
// 1 from the model change with the original key, acks >= 2 from receipts
// with the key rebuilt from the receipt (whose remote may be a LID), never a
// negative one. History lives on the server; media bytes go over HTTP
// (/__page/media) authenticated with the device credentials.
import type { ChatModel, ContactModel, MsgKey, MsgModel, PnLidEntryResult, SendMessageReturn, WAJS, Wid, WPPSubset } from '../../browser/bridge/wpp';
import { actions } from './actions';
import { business } from './business';
import { social } from './chats';
import { profile } from './profile';
import { groups } from './groups';
import { sim as getSim, need, serialized, widOf, type Model, type WireMsg } from './sim';
import { fake, member, type SendMsgResult } from './watypes';

type SendMsgResultObject = NonNullable<SendMessageReturn['sendMsgResult']>;
type MediaDataModel = NonNullable<MsgModel['mediaData']>;

type Chat = WPPSubset['chat'];
type FileOptions = Parameters<WAJS['chat']['sendFileMessage']>[2];

function start(): void {
  const sim = getSim();
  if (!sim) return;
  const st = sim.state;
  const { emit, WPPError } = sim;
  const WPP = sim.wpp;

  const jidOf = serialized;

  function key(fromMe: boolean, remote: string, id: string): MsgKey {
    const s = `${fromMe}_${remote}_${id}`;
    return fake<MsgKey>({ fromMe, remote: widOf(remote), id, _serialized: s, toString: () => s,
      equals: (o: unknown): o is MsgKey => !!o && jidOf(o) === s });
  }
  // msgKey parses "fromMe_remote_id" like wa-js's MsgKey.fromString.
  function msgKey(serialized: string): MsgKey {
    const s = String(serialized);
    const first = s.indexOf('_');
    const last = s.lastIndexOf('_');
    return key(s.slice(0, first) === 'true', s.slice(first + 1, last), s.slice(last + 1));
  }

  // The models this document knows, by id; acks and revokes update them.
  const models = new Map<string, Model>();
  const MEDIA = new Set(['image', 'video', 'ptv', 'audio', 'ptt', 'document', 'sticker']);
  // The chat store, as ChatStore.get reads it (synchronously).
  const chats = new Map<string, ChatModel>();

  function model(v: WireMsg, isNew: boolean): Model {
    const old = models.get(v.id);
    if (old) {
      // The server's ack only rises or fails (ACK -7..-1), as WhatsApp's.
      if (v.ack_code < 0 || v.ack_code > Number(old.ack || 0)) old.ack = v.ack_code;
      return old;
    }
    const isMedia = MEDIA.has(v.type);
    const m = fake<Model>({
      id: msgKey(v.id), from: widOf(v.from), to: widOf(v.to), author: v.author ? widOf(v.author) : undefined, type: v.type,
      subtype: v.subtype || undefined, recipients: v.recipients ? v.recipients.map(widOf) : undefined,
      body: v.type === 'chat' ? v.body : '', caption: v.caption, mimetype: v.mimetype, filename: v.filename,
      size: v.size, t: v.timestamp, ack: v.ack_code, isNewMsg: isNew, isMedia, __media: v.media_id || '',
    });
    if (isMedia) m.mediaData = mediaData(v.mimetype, v.size, v.media_id ? 'RESOLVED' : 'UPLOADING');
    Object.defineProperty(m, '__media', { value: v.media_id || '', writable: true, enumerable: false });
    more.content(m, v);
    models.set(v.id, m);
    noteChat(v.chat_id, '', v.timestamp);
    return m;
  }

  const mediaData = (mimetype: string | undefined, size: number | undefined, mediaStage: string) =>
    fake<MediaDataModel>({ mimetype, size, mediaStage });

  function noteChat(jid: string, name: string, t: number): ChatModel {
    let c = chats.get(jid);
    if (!c) {
      const group = jid.endsWith('@g.us');
      c = fake<ChatModel>({ id: widOf(jid), name: name || undefined, formattedTitle: name || '+' + jid.split('@')[0],
        t, unreadCount: 0, isGroup: group, isUser: !group, archive: false, isReadOnly: false });
      chats.set(jid, c);
    }
    if (name) { c.name = name; c.formattedTitle = name; }
    if (t > Number(c.t || 0)) c.t = t;
    return c;
  }

  function me(): Wid {
    const w = WPP.conn.getMyUserId();
    if (!w) throw new WPPError('not_authenticated', 'Not authenticated');
    return w;
  }

  function chatJid(chatId: unknown): string {
    const jid = jidOf(chatId);
    if (!/^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}@lid|[0-9]{6,20}(-[0-9]{6,12})?@g\.us|[0-9]{6,24}@newsletter|status@broadcast)$/.test(jid)) {
      throw new WPPError('invalid_chat_id', `Invalid chat ${jid}`);
    }
    return jid;
  }

  function newKey(): string {
    const b = new Uint8Array(8);
    crypto.getRandomValues(b);
    return '3EB0' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
  }

  // changeAck is MsgStore's change:ack: wa-js reports ack 1 from it, with
  // the model's own key, a microtask later.
  function changeAck(m: MsgModel, ack: number): void {
    m.ack = ack;
    if (ack === 1) queueMicrotask(() => emit('chat.msg_ack_change', { ack, chat: m.to!, ids: [m.id] })); // wa-js's msg.to!
  }

  // send shows a message at once with ack CLOCK (chat.new_message fires for
  // our own sends too, as in wa-js), hands it to the server and moves it to
  // SENT when recorded. A send the server refuses ends with ack FAILED and a
  // failed sendMsgResult, and no ack event, as in wa-js.
  async function send(jid: string, fields: Record<string, unknown>, upload: (() => Promise<Record<string, unknown>>) | null,
    options: { waitForAck?: boolean } | undefined): Promise<SendMessageReturn & { from: string; to: string }> {
    const wait = !options || options.waitForAck !== false;
    const k = newKey();
    const v = { id: `true_${jid}_${k}`, key: k, seq: 0, chat_id: jid, from: jidOf(me()), to: jid, from_me: true,
      timestamp: Math.floor(Date.now() / 1000), ack_code: 0, type: String(fields.type), ...fields } as WireMsg;
    const m = model(v, true);
    emit('chat.new_message', m);
    const deliver = (async (): Promise<SendMsgResultObject> => {
      try {
        const media = upload ? await upload() : {};
        const r = await sim!.request({ t: 'send', send: { key: k, to: jid, ...fields, ...media } });
        const got = need(r.msg, 'msg');
        m.t = got.timestamp;
        if (got.media_id) {
          m.__media = got.media_id;
          Object.assign(m, { size: got.size, mediaData: mediaData(got.mimetype, got.size, 'RESOLVED') });
        }
        changeAck(m, got.ack_code);
        return { messageSendResult: member<SendMsgResult>('OK') };
      } catch (e) {
        console.warn('wasim: send', e);
        m.ack = -1;
        return { messageSendResult: member<SendMsgResult>('ERROR_NETWORK') };
      }
    })();
    const sendMsgResult = wait ? await deliver : null;
    return { id: v.id, from: v.from, to: jid, ack: Number(m.ack), sendMsgResult };
  }

  const sendTextMessage: Chat['sendTextMessage'] = async (chatId, content, options = {}) =>
    send(chatJid(chatId), { type: 'chat', body: String(content), ...(await more.context(options)) }, null, options);

  function dataURLToBlob(s: string, mimetype?: string): Blob {
    const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(s);
    const type = mimetype || (m && m[1]) || 'application/octet-stream';
    const bin = atob(m ? m[3] : s);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type });
  }

  function typeFor(mimetype: string): string {
    if (/^image\//.test(mimetype) && mimetype !== 'image/webp') return 'image';
    if (/^video\//.test(mimetype)) return 'video';
    if (/^audio\//.test(mimetype)) return 'audio';
    return 'document';
  }

  function creds(): Record<string, string> {
    if (!st.creds) throw new WPPError('not_authenticated', 'Not authenticated');
    return { 'X-WASim-Device': st.creds.device_id, 'X-WASim-Secret': st.creds.secret };
  }

  const sendFileMessage: Chat['sendFileMessage'] = async (chatId, content, options: FileOptions) => {
    const o: FileOptions = { ...options }; // wa-js spreads them too: undefined is {}
    const jid = chatJid(chatId);
    const blob = content instanceof Blob ? content : dataURLToBlob(String(content), o.mimetype);
    const mimetype = o.mimetype || blob.type || 'application/octet-stream';
    const filename = o.filename || (content instanceof File ? content.name : '') || 'file';
    const type = !o.type || o.type === 'auto-detect' ? typeFor(mimetype) : o.type;
    // wa-js's caption defaults to the filename.
    const fields = { caption: type === 'sticker' ? '' : o.caption || filename, mimetype, filename, ...more.fileFields(type, o),
      ...(await more.context(options)) };
    const upload = async () => {
      const r = await fetch('/__page/media', { method: 'POST', headers: { 'Content-Type': mimetype, ...creds() }, body: blob });
      if (!r.ok) throw new WPPError('media_upload_failed', `upload failed: ${r.status} ${await r.text()}`);
      return { media: (await r.json()).media };
    };
    // wa-js's sendFileMessage answers {id, ack, sendMsgResult}: no from/to.
    const { id, ack, sendMsgResult } = await send(jid, fields, upload, o);
    return { id, ack, sendMsgResult };
  };

  const query = (q: Record<string, unknown>) => sim.request({ t: 'query', ...q });

  // list, with wa-js's filters and paging, is in chats.ts.
  const get: Chat['get'] = (chatId) => chats.get(jidOf(chatId));

  const getMessages: Chat['getMessages'] = async (chatId, options = {}) => {
    const count = options.count === -1 ? 0 : (options.count || 20);
    if (options.direction === 'after') throw new WPPError('not_supported', 'direction after is not simulated');
    const r = await query({ q: 'messages', chat: jidOf(chatId), count, before: options.id || '' });
    // wa-js returns serialized messages, not the models.
    return (r.msgs || []).map((v: WireMsg) => JSON.parse(JSON.stringify(model(v, false))));
  };

  async function byId(id: unknown): Promise<Model> {
    const m = models.get(jidOf(id));
    if (m) return m;
    const r = await query({ q: 'message', msg: jidOf(id) });
    return model(need(r.msg, 'msg'), false);
  }
  // getMessageById takes one id or a list, as wa-js's overloads do.
  function getMessageById(id: string | MsgKey): Promise<MsgModel>;
  function getMessageById(ids: (string | MsgKey)[]): Promise<MsgModel[]>;
  async function getMessageById(id: string | MsgKey | (string | MsgKey)[]): Promise<MsgModel | MsgModel[]> {
    return Array.isArray(id) ? Promise.all(id.map(byId)) : byId(id);
  }

  const downloadMedia: Chat['downloadMedia'] = async (id) => {
    const m = await byId(id);
    if (!m.__media) throw new WPPError('message_not_contains_media', `Message ${jidOf(id)} not contains media`);
    const r = await fetch('/__page/media/' + encodeURIComponent(m.__media), { headers: creds() });
    if (!r.ok) throw new WPPError('media_not_found', 'Media not found');
    return r.blob();
  };

  const contactList: WPPSubset['contact']['list'] = async (options = {}) => {
    const r = await query({ q: 'contacts' });
    let cs = (r.contacts || []).map((c) => {
      return fake<ContactModel>({ id: widOf(c.id), name: c.name || undefined, pushname: c.push_name || undefined,
        shortName: c.name || undefined, isMyContact: !!c.name, isUser: true, isGroup: false, isBusiness: false });
    });
    if (options.onlyMyContacts) cs = cs.filter((c) => c.isMyContact);
    return cs;
  };

  // getPnLidEntry answers from the account's phone-number/LID table.
  const getPnLidEntry: WPPSubset['contact']['getPnLidEntry'] = async (contactId) => {
    const jid = jidOf(contactId);
    const r = await query({ q: 'pnlid', chat: jid });
    const out: PnLidEntryResult = {};
    const part = (s: string) => ({ id: s.split('@')[0], server: s.split('@')[1], _serialized: s });
    if (r.lid) out.lid = part(r.lid);
    if (r.phone) out.phoneNumber = part(r.phone);
    return out;
  };

  const more = actions({ sim, jidOf, msgKey, models, chats, me, chatJid, newKey, send, byId });
  const soc = social({ sim, jidOf, chats, noteChat });
  const grp = groups({ sim, jidOf, me, noteChat, chats });
  sim.handlers.group = (m) => { if (m.group) grp.onGroup(m.group, m.change); };

  // Server → page messaging.
  sim.handlers.message = (m) => {
    const v = need(m.msg, 'msg');
    const known = models.has(v.id);
    const msg = model(v, true);
    if (!known) emit('chat.new_message', msg);
    sim.send({ t: 'received', seq: v.seq });
  };
  sim.handlers.ack = (m) => {
    const ack = Number(m.ack);
    const chat = String(m.chat);
    const ids = m.ids || [];
    const keys: MsgKey[] = [];
    for (const id of ids) {
      const msg = models.get(id);
      if (ack === 1) {
        if (msg) changeAck(msg, 1);
        continue;
      }
      if (msg) msg.ack = ack;
      // A receipt (RECEIVED, READ, PLAYED, PEER): wa-js builds a new key
      // from it (remote = who sent the receipt, maybe a LID). A failure
      // (ACK -7..-1) only changes the model: wa-js emits nothing for it.
      if (ack >= 2) keys.push(key(true, chat, msgKey(id).id));
    }
    if (keys.length) queueMicrotask(() => emit('chat.msg_ack_change', { ack, chat: widOf(chat), ids: keys }));
  };
  sim.handlers.revoke = (m) => {
    const v = need(m.msg, 'msg');
    const msg = models.get(v.id);
    if (msg) { msg.type = 'revoked'; msg.body = ''; msg.caption = undefined; }
    emit('chat.msg_revoke', { author: undefined, from: widOf(v.from), to: widOf(v.to), id: msgKey(String(m.rid)), refId: msgKey(v.id), type: 'revoke' });
  };
  // The chat store is loaded once the page reaches MAIN, as WhatsApp does.
  WPP.on('conn.stream_mode_changed', (mode) => {
    if (mode === 'MAIN') {
      WPP.chat.list().catch((e) => console.warn('wasim: chats', e));
      grp.group.getAllGroups().catch((e) => console.warn('wasim: groups', e));
    }
  });

  WPP.chat = { get, sendTextMessage, sendFileMessage, getMessages, getMessageById, downloadMedia, ...more.chat, ...soc.chat };
  WPP.contact = { list: contactList, getPnLidEntry, subscribePresence: more.subscribePresence, ...soc.contact };
  WPP.blocklist = soc.blocklist;
  WPP.whatsapp.ChatStore = soc.ChatStore;
  Object.assign(WPP, business({ sim, jidOf, model, chats, send, byId }));
  WPP.group = grp.group;
  WPP.community = grp.community;
  sim.markAvailable = more.markAvailable;
  profile(sim);
}

start();
