// bridge.js — easy-api's page bridge (window.__easy). See docs/bridge.md.
//
// Injected with Page.addScriptToEvaluateOnNewDocument after the wa-js bundle,
// so it runs at document start, before any page script, in the top frame
// only. It talks to window.WPP only and reports to Go through the CDP binding
// __easyEmit with JSON strings {type, data}. Go calls window.__easy.call(name,
// args), which returns a promise of a JSON-serialisable value or rejects with
// an Error whose message is shown to the API client.
(function () {
  'use strict';
  if (window.top !== window || window.__easy) return;

  // Captured now: page scripts run later and could replace the global.
  const binding = window.__easyEmit;
  const POLL_MS = 50;
  const RECHECK_MS = 1000;

  function emit(type, data) {
    if (typeof binding !== 'function') return;
    try {
      binding(JSON.stringify({ type: type, data: data === undefined ? null : data }));
    } catch (e) {
      // The binding throws only when the page is going away; nothing to do.
    }
  }

  function message(err) {
    if (err && typeof err.message === 'string') return err.message;
    return String(err);
  }

  function report(err) {
    emit('error', { message: message(err) });
  }

  // guard runs fn and reports what it throws, so one bad WPP call never
  // stops the bridge.
  function guard(fn) {
    return function () {
      try {
        return fn.apply(this, arguments);
      } catch (err) {
        report(err);
      }
    };
  }

  function safe(fn, fallback) {
    try {
      const v = fn();
      return v === undefined ? fallback : v;
    } catch (e) {
      return fallback;
    }
  }

  let WPP = null; // window.WPP once it exists
  let ready = false; // WPP.webpack is ready
  let readyWaiters = [];
  let hasCode = false; // an auth code is shown
  let lastCode = null; // fullCode of the last qr event
  let idle = false; // the QR screen is idle ("click to reload")
  let authMethod = 'qr';
  let logoutReason = '';
  let lastState = '';
  let lastPhase = '';
  let lastConflict = false;
  // phoneOnline: a legacy account's phone as conn.online last said; a
  // multi-device page reports true whatever it says.
  let phoneOnline = true;
  let lastPhone = true;

  // The legacy WhatsApp Web credentials in localStorage (docs/bridge.md).
  const LEGACY_KEYS = ['WABrowserId', 'WASecretBundle', 'WAToken1', 'WAToken2'];

  function streamData() {
    return safe(function () { return WPP.conn.getStreamData(); }, null) || {};
  }

  function multiDevice() {
    return safe(function () { return WPP.conn.isMultiDevice(); }, true) !== false;
  }

  // state computes the phase (docs/bridge.md): ready iff authenticated and
  // stream mode MAIN; conn.main_ready alone is not trusted, and CONFLICT
  // (another browser is live on a legacy account) is never ready.
  function state() {
    if (!WPP || !ready) {
      return { phase: 'loading', authenticated: false, stream_mode: '', percent: 0, phone_online: true, conflict: false };
    }
    const conn = WPP.conn;
    const sd = streamData();
    const mode = String(sd.mode || '');
    const info = String(sd.info || '');
    const authenticated = !!safe(function () { return conn.isAuthenticated(); }, false);
    const registered = !!safe(function () { return conn.isRegistered(); }, false);
    const isIdle = idle || !!safe(function () { return conn.isIdle(); }, false);
    let phase;
    if (authenticated && mode === 'MAIN') {
      phase = 'ready';
    } else if (!authenticated && (hasCode || isIdle || mode === 'QR')) {
      phase = 'qr';
    } else if (registered && mode !== 'SYNCING' &&
        (info === 'RESUMING' || info === 'OPENING' || info === 'CONNECTING')) {
      phase = 'resuming';
    } else if (authenticated) {
      phase = 'syncing';
    } else {
      phase = 'loading';
    }
    const percent = phase === 'ready' ? 100 : phase === 'syncing' ? 50 : 0;
    return { phase: phase, authenticated: authenticated, stream_mode: mode, percent: percent,
      phone_online: multiDevice() || phoneOnline, conflict: mode === 'CONFLICT' };
  }

  function me() {
    if (!WPP || !ready) return null;
    const wid = safe(function () { return WPP.conn.getMyUserId(); }, null);
    if (!wid) return null;
    const id = wid._serialized || String(wid);
    const phone = wid.user || String(id).split('@')[0];
    const name = safe(function () { return WPP.profile.getMyProfileName(); }, '') || '';
    const platform = safe(function () { return WPP.conn.getPlatform(); }, '') || '';
    return { id: id, phone: phone, push_name: String(name), platform: String(platform), multi_device: multiDevice() };
  }

  // update emits state when it changed; then ready when the phase became
  // ready, conflict when the stream mode became CONFLICT, and phone when a
  // legacy page's phone_online changed.
  function update() {
    const s = state();
    const key = JSON.stringify(s);
    if (key === lastState) return;
    lastState = key;
    emit('state', s);
    if (s.phase === 'ready' && lastPhase !== 'ready') {
      emit('ready', me());
    }
    lastPhase = s.phase;
    if (s.conflict && !lastConflict) emit('conflict', {});
    lastConflict = s.conflict;
    if (s.phone_online !== lastPhone) emit('phone', { online: s.phone_online });
    lastPhone = s.phone_online;
  }

  function on(name, fn) {
    const h = guard(function (payload) {
      fn(payload);
      update();
    });
    if (typeof WPP.on === 'function') {
      WPP.on(name, h);
    } else if (WPP.conn && typeof WPP.conn.on === 'function') {
      WPP.conn.on(name.replace(/^conn\./, ''), h);
    }
  }

  // showCode emits a qr event when the code changed (the same code can be
  // seen twice: from the event and from the catch-up in onReady).
  function showCode(code) {
    const full = code ? String(code.fullCode) : null;
    hasCode = !!code;
    if (code) idle = false;
    if (full === lastCode) return;
    lastCode = full;
    emit('qr', code ? { code: full } : null);
  }

  function subscribe() {
    on('conn.auth_code_change', showCode);
    on('conn.qrcode_idle', function () {
      idle = true;
      hasCode = false;
      emit('qr_idle', {});
    });
    on('conn.authenticated', function () {
      hasCode = false;
      idle = false;
      emit('authenticated', { method: authMethod });
    });
    on('conn.logout_reason', function (reason) {
      logoutReason = reason == null ? '' : String(reason);
    });
    on('conn.logout', function () {
      emit('logout', { reason: logoutReason });
    });
    on('conn.online', function (online) {
      phoneOnline = online !== false;
    });
    on('chat.new_message', onNewMessage);
    on('chat.msg_ack_change', onAckChange);
    on('chat.msg_revoke', onRevoke);
    ['conn.main_loaded', 'conn.main_ready', 'conn.require_auth',
      'conn.stream_mode_changed', 'conn.stream_info_changed'].forEach(function (name) {
      on(name, function () {});
    });
  }

  // --- messaging (docs/bridge.md) -------------------------------------------

  const SEEN_KEY = 'easy-api:seen';
  const SEEN_MAX = 500;
  const ACKS_MAX = 2000;
  // Message types that are not messages people wrote.
  const SKIP = { ciphertext: 1, e2e_notification: 1, notification_template: 1, gp2: 1, protocol: 1,
    call_log: 1, notification: 1, broadcast_notification: 1, revoked: 1 };
  // Codes of wa-js errors that mean "no such thing"; Go maps them to 404.
  const NOT_FOUND = { chat_not_found: 1, msg_not_found: 1, message_not_found: 1,
    message_not_contains_media: 1, media_not_found: 1 };

  // seen holds the ids already reported, across reloads and restarts of
  // the same profile, so a message is reported once.
  const seenOrder = safe(function () { return JSON.parse(localStorage.getItem(SEEN_KEY) || '[]'); }, []);
  const seen = new Set(Array.isArray(seenOrder) ? seenOrder : []);
  const pendingOwn = new Map(); // our sends WhatsApp has not accepted yet
  const lastAck = new Map(); // id → last ack reported

  function remember(id) {
    seen.add(id);
    seenOrder.push(id);
    while (seenOrder.length > SEEN_MAX) seen.delete(seenOrder.shift());
    try { localStorage.setItem(SEEN_KEY, JSON.stringify(seenOrder)); } catch (e) { /* full: keep in memory */ }
  }

  function noteAck(id, ack) {
    lastAck.delete(id);
    lastAck.set(id, ack);
    if (lastAck.size > ACKS_MAX) lastAck.delete(lastAck.keys().next().value);
  }

  function ser(x) {
    if (x == null) return '';
    return String(x._serialized !== undefined ? x._serialized : x);
  }
  function str(x) { return x == null ? '' : String(x); }

  // remoteOf returns the chat of a serialized message key fromMe_remote_id.
  function remoteOf(key) {
    if (key && typeof key === 'object' && key.remote) return ser(key.remote);
    const parts = ser(key).split('_');
    return parts.length >= 3 ? parts[1] : '';
  }

  // shapeMsg turns a wa-js MsgModel (or raw message) into the bridge's
  // message shape.
  function shapeMsg(m) {
    const key = m.id || {};
    const fromMe = !!(key.fromMe !== undefined ? key.fromMe : m.fromMe);
    const type = str(m.type);
    return {
      id: ser(key), chat_id: remoteOf(key) || (fromMe ? ser(m.to) : ser(m.from)),
      from: ser(m.author) || ser(m.from), to: ser(m.to), from_me: fromMe, type: type,
      body: type === 'chat' ? str(m.body) : '', caption: str(m.caption), mimetype: str(m.mimetype),
      filename: str(m.filename), timestamp: Number(m.t || 0), ack: Number(m.ack || 0),
    };
  }

  // reportMessage emits a message once per page life; it becomes seen
  // (never reported again, even after a reload) only when Go commits it
  // with the seen call, after the event is in the log (see below).
  function reportMessage(msg) {
    if (seen.has(msg.id) || emitted.has(msg.id)) return;
    emitted.add(msg.id);
    if (emitted.size > ACKS_MAX) emitted.delete(emitted.values().next().value);
    noteAck(msg.id, msg.ack);
    emit('message', msg);
  }

  // --- seen after ack (docs/operations.md, "No message lost") ------------------
  // Go calls seen({ids}) once the message events of ids are in the event
  // log; only then are they remembered as seen, with the newest timestamp
  // committed as the watermark. catchUp({since}) re-emits every message of
  // every chat with a timestamp >= since (0: the stored watermark; none:
  // nothing) that is not seen, oldest first, so messages whose event was never
  // logged (store full, process killed) are reported again. Go dedupes by id.
  const LAST_KEY = 'easy-api:last';
  const CATCHUP_PER_CHAT = 100;
  const emitted = new Set(); // reported in this page life, maybe not logged yet

  function commitSeen(args) {
    const ids = (args && args.ids) || [];
    ids.forEach(function (id) { if (!seen.has(String(id))) remember(String(id)); });
    const t = Number((args && args.t) || 0);
    if (t > watermark()) {
      try { localStorage.setItem(LAST_KEY, String(t)); } catch (e) { /* full: the log's time is used */ }
    }
    return ids.length;
  }

  function watermark() {
    return Number(safe(function () { return localStorage.getItem(LAST_KEY); }, 0)) || 0;
  }

  async function catchUp(args) {
    const since = Number((args && args.since) || 0) || watermark();
    if (since <= 0) return 0;
    const found = [];
    for (const c of await WPP.chat.list()) {
      const msgs = await WPP.chat.getMessages(ser(c.id), { count: CATCHUP_PER_CHAT, direction: 'before' });
      msgs.map(shapeMsg).forEach(function (m) {
        if (m.id && !SKIP[m.type] && m.timestamp >= since && !seen.has(m.id) && !(m.from_me && m.ack < 1)) found.push(m);
      });
    }
    found.sort(function (a, b) { return a.timestamp - b.timestamp; });
    found.forEach(function (m) {
      emitted.add(m.id);
      noteAck(m.id, m.ack);
      emit('message', m);
    });
    return found.length;
  }
  // --- end seen after ack ------------------------------------------------------

  // onNewMessage: chat.new_message fires for our own sends too, first with
  // ack PENDING; those are reported once WhatsApp accepted them (ack >= 1),
  // so nothing is reported as sent that was not.
  function onNewMessage(m) {
    const msg = shapeMsg(m);
    if (!msg.id || SKIP[msg.type]) return;
    if (msg.from_me && msg.ack < 1) {
      if (!seen.has(msg.id)) pendingOwn.set(msg.id, msg);
      return;
    }
    reportMessage(msg);
  }

  function onAckChange(e) {
    const ack = Number(e.ack);
    (e.ids || []).forEach(function (k) {
      const id = ser(k);
      const pending = pendingOwn.get(id);
      if (pending) {
        if (ack >= 1) {
          pendingOwn.delete(id);
          pending.ack = ack;
          reportMessage(pending);
          return;
        }
        if (ack >= 0) return;
        pendingOwn.delete(id);
      }
      const last = lastAck.get(id);
      if (last !== undefined && ack >= 0 && ack <= last) return;
      noteAck(id, ack);
      emit('ack', { id: id, chat_id: remoteOf(k) || ser(e.chat), ack: ack });
    });
  }

  function onRevoke(e) {
    emit('revoke', { id: ser(e.refId), revoke_id: ser(e.id), chat_id: remoteOf(e.refId) || ser(e.from),
      from: ser(e.from), to: ser(e.to), author: ser(e.author), type: str(e.type) || 'revoke' });
  }

  function shapeChat(c) {
    const id = ser(c.id);
    const contact = c.contact || {};
    return {
      id: id, name: str(c.formattedTitle || c.name || contact.name || contact.pushname),
      is_group: !!(c.isGroup || /@g\.us$/.test(id)), unread_count: Number(c.unreadCount || 0),
      timestamp: Number(c.t || 0),
    };
  }

  function shapeContact(c) {
    const id = ser(c.id);
    return { id: id, name: str(c.name), push_name: str(c.pushname), is_my_contact: !!c.isMyContact,
      is_group: !!(c.isGroup || /@g\.us$/.test(id)), is_business: !!c.isBusiness };
  }

  function need(args, name) {
    const v = args && args[name];
    if (typeof v !== 'string' || v === '') throw new Error(name + ' is required');
    return v;
  }

  const sendOptions = { createChat: true, waitForAck: true, detectMentioned: false, markIsRead: false, linkPreview: false };

  // sent returns the message a send produced, failing unless WhatsApp
  // accepted it (ack >= SERVER).
  async function sent(r, chat, fields) {
    const id = ser(r && r.id);
    if (!id) throw new Error('WhatsApp returned no message id');
    let msg = null;
    try { msg = shapeMsg(await WPP.chat.getMessageById(id)); } catch (e) { msg = null; }
    if (!msg || !msg.id) {
      const mine = me();
      msg = Object.assign({ id: id, chat_id: chat, from: mine ? mine.id : '', to: chat, from_me: true, type: '',
        body: '', caption: '', mimetype: '', filename: '', timestamp: Math.floor(Date.now() / 1000), ack: 0 }, fields);
    }
    msg.ack = Math.max(msg.ack, Number((r && r.ack) || 0));
    if (msg.ack < 1) {
      throw new Error('not accepted: WhatsApp has not accepted message ' + id + ' (ack ' + msg.ack +
        '); it may still go out, and message.sent reports it if it does');
    }
    const pending = pendingOwn.get(id);
    if (pending) {
      pendingOwn.delete(id);
      pending.ack = msg.ack;
      reportMessage(pending);
    }
    return msg;
  }

  async function blobToBase64(blob) {
    const buf = new Uint8Array(await blob.arrayBuffer());
    const chunks = [];
    for (let i = 0; i < buf.length; i += 0x8000) {
      chunks.push(String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000)));
    }
    return btoa(chunks.join(''));
  }

  const messaging = {
    sendText: async function (args) {
      const chat = need(args, 'chat_id');
      const text = need(args, 'text');
      const r = await WPP.chat.sendTextMessage(chat, text, sendOptions);
      return sent(r, chat, { type: 'chat', body: text });
    },
    sendFile: async function (args) {
      const chat = need(args, 'chat_id');
      const data = need(args, 'data');
      const mimetype = need(args, 'mimetype');
      const opts = Object.assign({}, sendOptions, { type: 'auto-detect', mimetype: mimetype,
        filename: str(args.filename) || undefined, caption: str(args.caption) || undefined });
      const r = await WPP.chat.sendFileMessage(chat, 'data:' + mimetype + ';base64,' + data, opts);
      return sent(r, chat, { caption: str(args.caption), mimetype: mimetype, filename: str(args.filename) });
    },
    listChats: async function () {
      return (await WPP.chat.list()).map(shapeChat);
    },
    getMessages: async function (args) {
      const chat = need(args, 'chat_id');
      const opts = { count: Number(args.limit) || 50, direction: 'before' };
      if (args.before) opts.id = String(args.before);
      const msgs = await WPP.chat.getMessages(chat, opts);
      return msgs.map(shapeMsg).filter(function (m) { return m.id && !SKIP[m.type]; });
    },
    listContacts: async function () {
      return (await WPP.contact.list()).map(shapeContact);
    },
    seen: function (args) { return commitSeen(args); },
    catchUp: function (args) { return catchUp(args); },
    downloadMedia: async function (args) {
      const id = need(args, 'id');
      const msg = shapeMsg(await WPP.chat.getMessageById(id));
      const blob = await WPP.chat.downloadMedia(id);
      return { data: await blobToBase64(blob), mimetype: msg.mimetype || blob.type || 'application/octet-stream',
        filename: msg.filename, size: blob.size };
    },
  };

  // pageError gives wa-js's "no such thing" errors the not_found: prefix
  // the Go side maps to 404.
  function pageError(err) {
    const code = err && err.code;
    if (code && NOT_FOUND[code]) return new Error('not_found: ' + message(err));
    return err;
  }

  function onReady() {
    if (ready) return;
    ready = true;
    guard(subscribe)();
    update();
    // The bridge may attach after the first code was shown: catch up.
    Promise.resolve()
      .then(function () { return WPP.conn.getAuthCode(); })
      .then(function (code) {
        if (code && !safe(function () { return WPP.conn.isAuthenticated(); }, false)) {
          showCode(code);
          update();
        }
      })
      .catch(report);
    const waiters = readyWaiters;
    readyWaiters = [];
    waiters.forEach(function (resolve) { resolve(); });
    setInterval(guard(update), RECHECK_MS);
  }

  // attach waits for WPP.webpack.onReady (or WPP.isReady).
  function attach(wpp) {
    WPP = wpp;
    const wp = wpp.webpack;
    if (wp && typeof wp.onReady === 'function') {
      wp.onReady(guard(onReady));
    }
    const poll = setInterval(function () {
      if (ready) {
        clearInterval(poll);
      } else if (wpp.isReady || (wp && wp.isReady)) {
        clearInterval(poll);
        guard(onReady)();
      }
    }, POLL_MS);
  }

  function waitWPP() {
    if (window.WPP) {
      attach(window.WPP);
      return;
    }
    const poll = setInterval(function () {
      if (window.WPP) {
        clearInterval(poll);
        guard(attach)(window.WPP);
      }
    }, POLL_MS);
  }

  function whenReady() {
    if (ready) return Promise.resolve();
    return new Promise(function (resolve) { readyWaiters.push(resolve); });
  }

  const calls = Object.assign({}, messaging, {
    state: function () { return state(); },
    qr: async function () {
      const code = await WPP.conn.getAuthCode();
      return code ? { code: code.fullCode } : null;
    },
    refreshQR: async function () {
      idle = false;
      await WPP.conn.refreshQR();
      return true;
    },
    pairingCode: async function (args) {
      const phone = String((args && args.phone) || '').replace(/[^0-9]/g, '');
      if (!phone) throw new Error('phone is required');
      const raw = await WPP.conn.genLinkDeviceCodeForPhoneNumber(phone);
      const code = String(raw || '').replace(/-/g, '');
      authMethod = 'pairing';
      emit('pairing_code', { code: code });
      return { code: code };
    },
    logout: async function () {
      await WPP.conn.logout();
      return true;
    },
    me: function () { return me(); },
    takeover: async function () {
      if (typeof WPP.conn.takeover !== 'function') throw new Error('takeover is not supported by this WhatsApp Web');
      return !!(await WPP.conn.takeover());
    },
    legacyTokens: function () { return legacyTokens(); },
    versions: function () {
      const wa = safe(function () { return window.Debug.VERSION; }, null);
      return { wpp: String(WPP.version || ''), wa: wa == null ? null : String(wa) };
    },
  });

  // legacyTokens returns the four legacy keys exactly as stored, or null
  // unless all four are there.
  function legacyTokens() {
    const out = {};
    for (let i = 0; i < LEGACY_KEYS.length; i++) {
      const v = safe(function () { return localStorage.getItem(LEGACY_KEYS[i]); }, null);
      if (v == null) return null;
      out[LEGACY_KEYS[i]] = v;
    }
    return out;
  }

  // Calls that do not need WPP, answered before it is ready.
  const EARLY = { state: 1, legacyTokens: 1 };

  const easy = Object.freeze({
    // call runs one bridge call; see the table in docs/bridge.md.
    call: async function (name, args) {
      if (!Object.prototype.hasOwnProperty.call(calls, name)) {
        throw new Error('unknown call: ' + name);
      }
      if (!EARLY[name]) await whenReady();
      try {
        return await calls[name](args);
      } catch (err) {
        throw pageError(err);
      }
    },
    state: state,
  });
  Object.defineProperty(window, '__easy', { value: easy, enumerable: false });

  emit('boot', { url: String(location.href), wpp: !!window.WPP });
  update();
  waitWPP();
})();
