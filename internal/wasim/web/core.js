// core.js: the simulated WhatsApp Web client. It keeps the device
// credentials in the profile (IndexedDB 'wawc' and localStorage; a legacy
// device only in localStorage, under WhatsApp's legacy keys), talks to the
// simulator over the page channel (/__page/ws) and drives the state that
// wpp.js exposes.
(() => {
  'use strict';
  const sim = window.__wasim;
  if (!sim) return;
  const st = sim.state;
  const { emit, setMode, setInfo } = sim;

  // --- storage: the profile holds the auth, as the real site's does -------

  const DB = 'wawc', STORE = 'user', KEY = 'creds';
  const LS_WID = 'last-wid-md';          // "15551234567:1@c.us", JSON-quoted like WhatsApp's
  const LS_CREDS = 'WASimDeviceCreds';   // mirror of the IndexedDB record

  function openDB() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function withStore(mode, fn) {
    const db = await openDB();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }
  const valid = (c) => !!c && typeof c.device_id === 'string' && typeof c.secret === 'string';

  // Legacy (pre-multi-device) WhatsApp Web kept its credentials only in
  // localStorage, each value JSON-encoded: WABrowserId === '"abc=="'.
  const LEGACY = { browser_id: 'WABrowserId', secret_bundle: 'WASecretBundle', client_token: 'WAToken1', server_token: 'WAToken2' };

  function loadLegacy() {
    const v = {};
    try {
      for (const [field, key] of Object.entries(LEGACY)) {
        const raw = localStorage.getItem(key);
        if (raw == null) return null;
        v[field] = JSON.parse(raw);
      }
    } catch (e) { return null; }
    if (![v.browser_id, v.client_token, v.server_token].every((x) => typeof x === 'string' && x)) return null;
    return { legacy: true, ...v, secret: v.server_token };
  }
  function saveLegacy(c) {
    for (const [field, key] of Object.entries(LEGACY)) localStorage.setItem(key, JSON.stringify(c[field]));
  }

  // loadCreds prefers legacy tokens: they are what a restore seeds.
  async function loadCreds() {
    const legacy = loadLegacy();
    if (legacy) return legacy;
    try {
      const c = await withStore('readonly', (s) => s.get(KEY));
      if (valid(c)) return c;
    } catch (e) { console.warn('wasim: IndexedDB read failed', e); }
    try {
      const c = JSON.parse(localStorage.getItem(LS_CREDS) || 'null');
      if (valid(c)) return c;
    } catch (e) { /* a corrupt mirror is no credentials */ }
    return null;
  }
  async function saveCreds(c) {
    await withStore('readwrite', (s) => s.put(c, KEY));
    localStorage.setItem(LS_CREDS, JSON.stringify(c));
    localStorage.setItem(LS_WID, JSON.stringify(c.device_id + '@c.us'));
  }
  async function purge() {
    localStorage.clear();
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(DB);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
  }

  // --- the page channel ----------------------------------------------------

  let ws = null, seq = 0, retries = 0, leaving = false;
  let queue = Promise.resolve();
  const pending = new Map();

  function send(m) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(m));
    return true;
  }
  sim.send = send;
  // chat.js registers handlers for the messaging types (message, ack, revoke).
  sim.handlers = sim.handlers || {};
  sim.request = (m) => new Promise((resolve, reject) => {
    const id = ++seq;
    if (!send({ ...m, id })) { reject(new sim.WPPError('offline', 'not connected to WhatsApp')); return; }
    pending.set(id, { resolve, reject });
  });

  function hello() {
    const m = { t: 'hello', keys: st.keys };
    const c = st.creds;
    if (c && c.legacy) m.legacy = { browser_id: c.browser_id, client_token: c.client_token, server_token: c.server_token };
    else if (c) m.creds = { device_id: c.device_id, secret: c.secret };
    send(m);
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    ws = new WebSocket(scheme + location.host + '/__page/ws');
    ws.onopen = () => {
      retries = 0;
      st.online = true;
      sim.updateOnline();
      if (st.creds) setInfo('RESUMING');
      hello();
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      // One message at a time: storage writes finish before the next step.
      queue = queue.then(() => handle(m)).catch((e) => console.error('wasim: handling', m.t, e));
    };
    ws.onclose = () => {
      st.online = false;
      sim.updateOnline();
      for (const p of pending.values()) p.reject(new sim.WPPError('offline', 'connection lost'));
      pending.clear();
      if (leaving) return;
      st.ref = null;
      setInfo('CONNECTING');
      const delay = Math.min(10000, 500 * 2 ** retries++);
      setTimeout(connect, delay);
    };
  }

  function leave() {
    leaving = true;
    // Listeners run as microtasks; they all finish before this task.
    setTimeout(() => location.replace('/?post_logout=1'), 0);
  }

  async function handle(m) {
    switch (m.t) {
      case 'qr':
        st.ref = m.ref; st.refIndex = m.index; st.idle = false;
        setInfo('NORMAL');
        setMode('QR');
        emit('conn.auth_code_change', sim.authCode());
        break;
      case 'idle':
        st.ref = null; st.idle = true;
        emit('conn.auth_code_change', null);
        emit('conn.qrcode_idle');
        break;
      case 'linked': {
        const c = { ...m.creds, wid: m.wid, push_name: m.push_name, platform: m.platform };
        if (m.legacy) {
          Object.assign(c, { legacy: true, browser_id: m.legacy.browser_id, client_token: m.legacy.client_token,
            server_token: m.legacy.server_token, secret_bundle: m.legacy.secret_bundle });
          saveLegacy(c);
        } else {
          await saveCreds(c);
        }
        st.creds = c; st.ref = null; st.idle = false; st.pairing = null; st.authMethod = m.method;
        live();
        emit('conn.auth_code_change', null);
        emit('conn.authenticated');
        setMode('SYNCING');
        setInfo('SYNCING');
        send({ t: 'stored' });
        break;
      }
      case 'resumed':
        live();
        if (st.creds && st.creds.legacy) {
          // Only the tokens are stored; the server says who we are.
          st.creds = { ...st.creds, ...identity(m) };
        } else if (st.creds && (st.creds.push_name !== m.push_name)) {
          st.creds = { ...st.creds, push_name: m.push_name };
          await saveCreds(st.creds);
        }
        setMode('SYNCING');
        setInfo('SYNCING');
        break;
      case 'conflict':
        // Legacy: another browser is live on this account. Stay linked but
        // unusable until WPP.conn.takeover() or a reload.
        if (st.creds && st.creds.legacy) st.creds = { ...st.creds, ...identity(m) };
        st.conflict = true;
        setInfo('NORMAL');
        setMode('CONFLICT');
        break;
      case 'phone':
        st.phoneOnline = !!m.online;
        sim.updateOnline();
        break;
      case 'refused':
        // WhatsApp rejected the stored auth: forget it and link again.
        await purge();
        st.creds = null;
        emit('conn.require_auth');
        setInfo('OPENING');
        hello();
        break;
      case 'main':
        st.mainLoaded = true; st.mainReady = true;
        setMode('MAIN');
        setInfo('NORMAL');
        emit('conn.main_loaded');
        emit('conn.main_ready');
        break;
      case 'logout':
        await purge();
        st.creds = null;
        emit('conn.logout_reason', m.reason);
        emit('conn.logout');
        leave();
        break;
      case 'reply': {
        const p = pending.get(m.id);
        if (!p) break;
        pending.delete(m.id);
        if (m.ok) { p.resolve(m); break; }
        const [code, ...rest] = String(m.error || 'error').split(': ');
        p.reject(new sim.WPPError(code, rest.join(': ') || code));
        break;
      }
      default:
        if (sim.handlers[m.t]) { await sim.handlers[m.t](m); break; }
        console.warn('wasim: unknown message', m.t);
    }
  }

  // identity is who the server says a legacy page is.
  function identity(m) {
    const id = { wid: m.wid, push_name: m.push_name, platform: m.platform };
    if (m.creds) id.device_id = m.creds.device_id;
    return id;
  }

  // live: this page is (again) the live one of its account; the server
  // says so when the phone is offline.
  function live() {
    st.conflict = false;
    st.phoneOnline = true;
    sim.updateOnline();
  }

  // WPP.conn.takeover: a page in CONFLICT becomes the live one; false when
  // there was nothing to take over.
  sim.takeover = async () => {
    if (!st.conflict) return false;
    const r = await sim.request({ t: 'takeover' });
    return r.code === 'taken_over';
  };

  // WPP.conn.logout: unlink this device, forget it and start over.
  sim.logout = async () => {
    if (st.creds) {
      try { await sim.request({ t: 'logout' }); } catch (e) { console.warn('wasim: logout', e); }
    }
    await purge();
    st.creds = null;
    emit('conn.logout');
    leave();
    return true;
  };

  function randomKey() {
    const b = new Uint8Array(32);
    crypto.getRandomValues(b);
    return btoa(String.fromCharCode(...b));
  }

  async function boot() {
    st.keys = { static: randomKey(), identity: randomKey(), secret: randomKey() };
    st.creds = await loadCreds();
    if (st.creds) st.info = 'RESUMING';
    sim.markReady();
    connect();
  }
  boot();
})();
