// core.ts: the simulated WhatsApp Web client. It keeps the device
// credentials in the profile (IndexedDB 'wawc' and localStorage; a legacy
// device only in localStorage, under WhatsApp's legacy keys), talks to the
// simulator over the page channel (/__page/ws) and drives the state that
// wpp.ts exposes.
import { sim as getSim, type Creds, type Reply, type ServerMsg } from './sim';
import { member, type LogoutReason, type StreamInfo, type StreamMode } from './watypes';

function start(): void {
  const sim = getSim();
  if (!sim) return;
  const st = sim.state;
  const { emit, setMode, setInfo } = sim;

  // --- storage: the profile holds the auth, as the real site's does -------

  const DB = 'wawc', STORE = 'user', KEY = 'creds';
  const LS_WID = 'last-wid-md'; // "15551234567:1@c.us", JSON-quoted like WhatsApp's
  const LS_CREDS = 'WASimDeviceCreds'; // mirror of the IndexedDB record

  function openDB(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function withStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await openDB();
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }
  const valid = (c: unknown): c is Creds => !!c && typeof c === 'object' && 'device_id' in c && typeof c.device_id === 'string' &&
    'secret' in c && typeof c.secret === 'string';

  // Legacy (pre-multi-device) WhatsApp Web kept its credentials only in
  // localStorage, each value JSON-encoded: WABrowserId === '"abc=="'.
  const LEGACY: Record<string, string> = { browser_id: 'WABrowserId', secret_bundle: 'WASecretBundle', client_token: 'WAToken1', server_token: 'WAToken2' };

  function loadLegacy(): Creds | null {
    const v: Record<string, unknown> = {};
    try {
      for (const [field, key] of Object.entries(LEGACY)) {
        const raw = localStorage.getItem(key);
        if (raw == null) return null;
        v[field] = JSON.parse(raw);
      }
    } catch { return null; }
    if (![v.browser_id, v.client_token, v.server_token].every((x) => typeof x === 'string' && x)) return null;
    return { legacy: true, ...v, device_id: '', secret: String(v.server_token) } as Creds;
  }
  function saveLegacy(c: Creds): void {
    for (const [field, key] of Object.entries(LEGACY)) localStorage.setItem(key, JSON.stringify((c as unknown as Record<string, unknown>)[field]));
  }

  // loadCreds prefers legacy tokens: they are what a restore seeds.
  async function loadCreds(): Promise<Creds | null> {
    const legacy = loadLegacy();
    if (legacy) return legacy;
    try {
      const c = await withStore<unknown>('readonly', (s) => s.get(KEY));
      if (valid(c)) return c;
    } catch (e) { console.warn('wasim: IndexedDB read failed', e); }
    try {
      const c = JSON.parse(localStorage.getItem(LS_CREDS) || 'null');
      if (valid(c)) return c;
    } catch { /* a corrupt mirror is no credentials */ }
    return null;
  }
  async function saveCreds(c: Creds): Promise<void> {
    await withStore('readwrite', (s) => s.put(c, KEY));
    localStorage.setItem(LS_CREDS, JSON.stringify(c));
    localStorage.setItem(LS_WID, JSON.stringify(c.device_id + '@c.us'));
  }
  async function purge(): Promise<void> {
    localStorage.clear();
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(DB);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
  }

  // --- the page channel ----------------------------------------------------

  let ws: WebSocket | null = null, seq = 0, retries = 0, leaving = false;
  let queue: Promise<void> = Promise.resolve();
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  function send(m: Record<string, unknown>): boolean {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(m));
    return true;
  }
  sim.send = send;
  sim.request = (m) => new Promise((resolve, reject) => {
    const id = ++seq;
    if (!send({ ...m, id })) { reject(new sim.WPPError('offline', 'not connected to WhatsApp')); return; }
    pending.set(id, { resolve, reject });
  });

  function hello(): void {
    const m: Record<string, unknown> = { t: 'hello', keys: st.keys };
    const c = st.creds;
    if (c && c.legacy) m.legacy = { browser_id: c.browser_id, client_token: c.client_token, server_token: c.server_token };
    else if (c) m.creds = { device_id: c.device_id, secret: c.secret };
    send(m);
  }

  function connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const sock = new WebSocket(scheme + location.host + '/__page/ws');
    ws = sock;
    sock.onopen = () => {
      retries = 0;
      st.online = true;
      sim!.updateOnline();
      if (st.creds) setInfo('RESUMING');
      hello();
    };
    sock.onmessage = (ev) => {
      let m: ServerMsg;
      try { m = JSON.parse(String(ev.data)); } catch { return; }
      // One message at a time: storage writes finish before the next step.
      queue = queue.then(() => handle(m)).catch((e) => console.error('wasim: handling', m.t, e));
    };
    sock.onclose = () => {
      st.online = false;
      sim!.updateOnline();
      for (const p of pending.values()) p.reject(new sim!.WPPError('offline', 'connection lost'));
      pending.clear();
      if (leaving) return;
      st.ref = null;
      setInfo('CONNECTING');
      const delay = Math.min(10000, 500 * 2 ** retries++);
      setTimeout(connect, delay);
    };
  }

  function leave(): void {
    leaving = true;
    setTimeout(() => location.replace('/?post_logout=1'), 0);
  }

  async function handle(m: ServerMsg): Promise<void> {
    switch (m.t) {
      case 'qr':
        st.ref = String(m.ref); st.refIndex = Number(m.index); st.idle = false;
        setInfo('NORMAL');
        setMode('QR');
        emit('conn.auth_code_change', sim!.authCode());
        break;
      case 'idle':
        // The ref does not change: no auth_code_change, and getAuthCode
        // still answers it (wa-js has no idle check there).
        st.idle = true;
        emit('conn.qrcode_idle');
        break;
      case 'linked': {
        const c = { ...m.creds, wid: m.wid, push_name: m.push_name, platform: m.platform } as Creds;
        if (m.legacy) {
          Object.assign(c, { legacy: true, browser_id: m.legacy.browser_id, client_token: m.legacy.client_token,
            server_token: m.legacy.server_token, secret_bundle: m.legacy.secret_bundle });
          saveLegacy(c);
        } else {
          await saveCreds(c);
        }
        st.creds = c; st.ref = null; st.idle = false; st.pairing = null;
        sim!.linkCodeCancel();
        live();
        emit('conn.auth_code_change', null);
        setMode('SYNCING');
        setInfo('SYNCING');
        send({ t: 'stored' });
        break;
      }
      case 'resumed':
        live();
        if (st.creds && st.creds.legacy) {
          st.creds = { ...st.creds, ...identity(m) };
        } else if (st.creds && st.creds.push_name !== m.push_name) {
          st.creds = { ...st.creds, push_name: m.push_name };
          await saveCreds(st.creds);
        }
        setMode('SYNCING');
        setInfo('SYNCING');
        break;
      case 'conflict':
        // Legacy: another browser is live on this account. Stay linked but
        // unusable until WPP.whatsapp.Socket.takeover() or a reload.
        if (st.creds && st.creds.legacy) st.creds = { ...st.creds, ...identity(m) };
        st.conflict = true;
        setInfo('NORMAL');
        setMode('CONFLICT');
        break;
      case 'phone':
        st.phoneOnline = !!m.online;
        sim!.updateOnline();
        break;
      case 'rotate':
        // WhatsApp replaced this device's credentials: store the new ones
        // (the old ones stop working once the server hears they are kept).
        if (st.creds && !st.creds.legacy && m.creds && m.creds.device_id === st.creds.device_id) {
          st.creds = { ...st.creds, secret: m.creds.secret };
          await saveCreds(st.creds);
          send({ t: 'rotated', creds: { device_id: st.creds.device_id, secret: st.creds.secret } });
        }
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
        // wa-js fires conn.authenticated at main_loaded, and only when the
        // page was unauthenticated when wa-js was injected.
        if (!st.authAtInjection) emit('conn.authenticated');
        break;
      case 'logout':
        await purge();
        st.creds = null;
        // The server's reasons (device_removed, unknown_device) are not in
        // wa-js's LogoutReason; wa-js passes on whatever WhatsApp gives.
        emit('conn.logout_reason', m.reason as LogoutReason);
        emit('conn.logout');
        leave();
        break;
      case 'reply': {
        const p = pending.get(Number(m.id));
        if (!p) break;
        pending.delete(Number(m.id));
        if (m.ok) { p.resolve(m as unknown as Reply); break; }
        const [code, ...rest] = String(m.error || 'error').split(': ');
        p.reject(new sim!.WPPError(code, rest.join(': ') || code));
        break;
      }
      default: {
        const h = sim!.handlers[m.t];
        if (h) { await h(m); break; }
        console.warn('wasim: unknown message', m.t);
      }
    }
  }

  // identity is who the server says a legacy page is.
  function identity(m: ServerMsg): Partial<Creds> {
    const id: Partial<Creds> = { wid: m.wid, push_name: m.push_name, platform: m.platform };
    if (m.creds) id.device_id = m.creds.device_id;
    return id;
  }

  // live: this page is (again) the live one of its account.
  function live(): void {
    st.conflict = false;
    st.phoneOnline = true;
    sim!.updateOnline();
  }

  // WPP.whatsapp.Socket.takeover ("Use here"): a page in CONFLICT becomes
  // the live one.
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

  function randomKey(): string {
    const b = new Uint8Array(32);
    crypto.getRandomValues(b);
    return btoa(String.fromCharCode(...b));
  }

  async function boot(): Promise<void> {
    st.keys = { static: randomKey(), identity: randomKey(), secret: randomKey() };
    st.creds = await loadCreds();
    if (st.creds) st.info = 'RESUMING';
    sim!.markReady();
    // Like wa-js, report the current stream state once listeners can hear it.
    emit('conn.stream_mode_changed', member<StreamMode>(st.mode));
    emit('conn.stream_info_changed', member<StreamInfo>(st.info));
    connect();
  }
  boot().catch((e) => console.error('wasim: boot', e));
}

start();
