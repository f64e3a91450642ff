// chat.js: the messaging part of the simulator's window.WPP — WPP.chat and
// WPP.contact with the names, argument shapes and return shapes of
// @wppconnect/wa-js 4.6 (see docs/bridge.md). Messages are models shaped
// like wa-js's MsgModel: id is a MsgKey {fromMe, remote, id, _serialized},
// from/to are Wids, t is in seconds, ack follows wa-js's ACK enum.
// History, chats and contacts live on the simulator's server; media bytes
// go over HTTP (/__page/media) authenticated with the device credentials.
(() => {
  'use strict';
  const sim = window.__wasim;
  if (!sim || !window.WPP) return;
  const st = sim.state;
  const { emit, WPPError } = sim;

  function wid(jid) {
    const s = String(jid);
    const [user, server] = s.split('@');
    const w = { server, user, _serialized: s };
    w.toString = () => s;
    w.equals = (o) => !!o && String(o._serialized || o) === s;
    w.isUser = () => server === 'c.us';
    w.isGroup = () => server === 'g.us';
    return w;
  }
  const jidOf = (x) => String((x && x._serialized) || x || '');

  // msgKey parses "fromMe_remote_id" like wa-js's MsgKey.fromString.
  function msgKey(serialized) {
    const s = String(serialized);
    const first = s.indexOf('_');
    const last = s.lastIndexOf('_');
    const k = { fromMe: s.slice(0, first) === 'true', remote: wid(s.slice(first + 1, last)), id: s.slice(last + 1), _serialized: s };
    k.toString = () => s;
    k.equals = (o) => !!o && String(o._serialized || o) === s;
    return k;
  }

  // The models this document knows, by id; acks and revokes update them.
  const models = new Map();

  function model(v, isNew) {
    const old = models.get(v.id);
    if (old) {
      old.ack = Math.max(old.ack, v.ack_code);
      return old;
    }
    const m = {
      id: msgKey(v.id), from: wid(v.from), to: wid(v.to), author: undefined,
      type: v.type, body: v.type === 'chat' ? v.body : '', caption: v.caption, mimetype: v.mimetype,
      filename: v.filename, size: v.size, t: v.timestamp, ack: v.ack_code, isNewMsg: !!isNew,
    };
    m.isMedia = v.type !== 'chat' && v.type !== 'revoked';
    m.mediaData = m.isMedia ? { mimetype: v.mimetype, size: v.size, mediaStage: v.media_id ? 'RESOLVED' : 'UPLOADING' } : undefined;
    Object.defineProperty(m, '__media', { value: v.media_id || '', writable: true });
    m.serialize = () => JSON.parse(JSON.stringify(m));
    models.set(v.id, m);
    return m;
  }

  function me() {
    const w = WPP.conn.getMyUserId();
    if (!w) throw new WPPError('not_authenticated', 'Not authenticated');
    return w;
  }

  function chatJid(chatId) {
    const jid = jidOf(chatId);
    if (!/^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}(-[0-9]{6,12})?@g\.us)$/.test(jid)) {
      throw new WPPError('invalid_chat_id', `Invalid chat ${jid}`);
    }
    return jid;
  }

  function newKey() {
    const b = new Uint8Array(8);
    crypto.getRandomValues(b);
    return '3EB0' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
  }

  function setAck(m, ack) {
    m.ack = ack;
    emit('chat.msg_ack_change', { ack, chat: m.id.fromMe ? m.to : m.from, ids: [m.id] });
  }

  // send shows a message at once with ack PENDING (chat.new_message fires
  // for our own sends too, as in wa-js), hands it to the server and moves
  // it to SERVER when recorded.
  async function send(jid, fields, upload, options) {
    options = Object.assign({ waitForAck: true }, options);
    const key = newKey();
    const v = Object.assign({ id: `true_${jid}_${key}`, from: jidOf(me()), to: jid, timestamp: Math.floor(Date.now() / 1000), ack_code: 0 }, fields);
    const m = model(v, true);
    emit('chat.new_message', m);
    const deliver = (async () => {
      try {
        let media = {};
        if (upload) media = await upload();
        const r = await sim.request({ t: 'send', send: Object.assign({ key, to: jid }, fields, media) });
        m.t = r.msg.timestamp;
        if (r.msg.media_id) {
          m.__media = r.msg.media_id;
          m.size = r.msg.size;
          m.mediaData = { mimetype: r.msg.mimetype, size: r.msg.size, mediaStage: 'RESOLVED' };
        }
        setAck(m, r.msg.ack_code);
        return { messageSendResult: 'OK' };
      } catch (e) {
        setAck(m, -1);
        throw e;
      }
    })();
    let sendMsgResult = null;
    if (options.waitForAck) sendMsgResult = await deliver;
    else deliver.catch((e) => console.warn('wasim: send', e));
    return { id: v.id, from: v.from, to: jid, ack: m.ack, sendMsgResult };
  }

  async function sendTextMessage(chatId, content, options = {}) {
    const jid = chatJid(chatId);
    return send(jid, { type: 'chat', body: String(content) }, null, options);
  }

  function dataURLToBlob(s, mimetype) {
    const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(s);
    const type = mimetype || (m && m[1]) || 'application/octet-stream';
    const b64 = m ? m[3] : s;
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type });
  }

  function typeFor(mimetype) {
    if (/^image\//.test(mimetype) && mimetype !== 'image/webp') return 'image';
    if (/^video\//.test(mimetype)) return 'video';
    if (/^audio\//.test(mimetype)) return 'audio';
    return 'document';
  }

  function creds() {
    if (!st.creds) throw new WPPError('not_authenticated', 'Not authenticated');
    return { 'X-WASim-Device': st.creds.device_id, 'X-WASim-Secret': st.creds.secret };
  }

  async function sendFileMessage(chatId, content, options = {}) {
    options = Object.assign({ type: 'auto-detect' }, options);
    const jid = chatJid(chatId);
    const blob = content instanceof Blob ? content : dataURLToBlob(String(content), options.mimetype);
    const mimetype = options.mimetype || blob.type || 'application/octet-stream';
    const filename = options.filename || (content && content.name) || 'file';
    const type = options.type === 'auto-detect' ? typeFor(mimetype) : options.type;
    const fields = { type, caption: options.caption || filename, mimetype, filename };
    const upload = async () => {
      const r = await fetch('/__page/media', { method: 'POST', headers: Object.assign({ 'Content-Type': mimetype }, creds()), body: blob });
      if (!r.ok) throw new WPPError('media_upload_failed', `upload failed: ${r.status} ${await r.text()}`);
      return { media: (await r.json()).media };
    };
    return send(jid, fields, upload, options);
  }

  async function query(q) {
    return sim.request(Object.assign({ t: 'query' }, q));
  }

  async function list(options = {}) {
    const r = await query({ q: 'chats' });
    let chats = (r.chats || []).map((c) => ({
      id: wid(c.id), name: c.name, formattedTitle: c.name, t: c.timestamp, unreadCount: c.unread_count,
      isGroup: c.is_group, isUser: !c.is_group, archive: false, pin: 0, isReadOnly: false,
    }));
    if (options.onlyUsers) chats = chats.filter((c) => c.isUser);
    if (options.onlyGroups) chats = chats.filter((c) => c.isGroup);
    if (options.onlyWithUnreadMessage) chats = chats.filter((c) => c.unreadCount > 0);
    if (options.count > 0) chats = chats.slice(0, options.count);
    return chats;
  }

  async function getMessages(chatId, options = {}) {
    const count = options.count === -1 ? 0 : (options.count || 20);
    if (options.direction === 'after') throw new WPPError('not_supported', 'direction after is not simulated');
    const r = await query({ q: 'messages', chat: jidOf(chatId), count, before: options.id || '' });
    return (r.msgs || []).map((v) => model(v, false));
  }

  async function getMessageById(id) {
    const m = models.get(jidOf(id));
    if (m) return m;
    const r = await query({ q: 'message', msg: jidOf(id) });
    return model(r.msg, false);
  }

  async function downloadMedia(id) {
    const m = await getMessageById(id);
    if (!m.mediaData || !m.__media) {
      throw new WPPError('message_not_contains_media', `Message ${jidOf(id)} not contains media`);
    }
    const r = await fetch('/__page/media/' + encodeURIComponent(m.__media), { headers: creds() });
    if (!r.ok) throw new WPPError('media_not_found', 'Media not found');
    return r.blob();
  }

  async function contactList(options = {}) {
    const r = await query({ q: 'contacts' });
    let cs = (r.contacts || []).map((c) => ({
      id: wid(c.id), name: c.name || undefined, pushname: c.push_name || undefined, shortName: c.name || undefined,
      formattedName: c.name || '+' + c.id.split('@')[0], isMyContact: !!c.name, isUser: true, isGroup: false, isBusiness: false,
    }));
    if (options.onlyMyContacts) cs = cs.filter((c) => c.isMyContact);
    return cs;
  }

  // Server → page messaging.
  sim.handlers = sim.handlers || {};
  sim.handlers.message = (m) => {
    const v = m.msg;
    const known = models.has(v.id);
    const msg = model(v, true);
    if (!known) emit('chat.new_message', msg);
    sim.send({ t: 'received', seq: v.seq });
  };
  sim.handlers.ack = (m) => {
    const ids = m.ids.map(msgKey);
    for (const k of ids) {
      const msg = models.get(k._serialized);
      if (msg) msg.ack = m.ack;
    }
    emit('chat.msg_ack_change', { ack: m.ack, chat: wid(m.chat), ids });
  };
  sim.handlers.revoke = (m) => {
    const v = m.msg;
    const msg = models.get(v.id);
    if (msg) { msg.type = 'revoked'; msg.body = ''; msg.caption = undefined; }
    emit('chat.msg_revoke', { author: undefined, from: wid(v.from), to: wid(v.to), id: msgKey(m.rid), refId: msgKey(v.id), type: 'revoke' });
  };

  WPP.chat = { sendTextMessage, sendFileMessage, list, getMessages, getMessageById, downloadMedia };
  WPP.contact = { list: contactList };
})();
