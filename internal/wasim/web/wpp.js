// wpp.js: the simulator's window.WPP, the subset of @wppconnect/wa-js that
// docs/bridge.md lists, with the same names, shapes and quirks. The state it
// reads is driven by core.js; the UI (ui.js) only listens.
(() => {
  'use strict';
  if (window.top !== window) return;

  const WPP_VERSION = '3.0.0-wasim';
  const WA_VERSION = '2.3000.0-wasim';

  // sim is the private state shared with core.js and ui.js.
  const sim = {
    state: {
      mode: 'OFFLINE', info: 'OPENING', online: false,
      keys: null,        // {static, identity, secret}: this page's public keys
      ref: null, refIndex: 0, idle: false,
      creds: null,       // {device_id, secret, wid, push_name, platform} once linked
      mainLoaded: false, mainReady: false, mainReadyFired: false,
      pairing: null,     // {code, phone}
      authMethod: null,
      conflict: false,   // legacy: another browser is live (mode CONFLICT)
      phoneOnline: true, // legacy: the phone is online, as the server last said
      lastOnline: false, // isOnline() as conn.online last reported it
    },
    renderers: [],
  };
  Object.defineProperty(window, '__wasim', { value: sim });
  const st = sim.state;

  // Events behave like Emittery's (what wa-js uses): listeners run
  // asynchronously, in order, and one listener's error does not stop others.
  const listeners = new Map();
  const listenersOf = (name) => {
    if (!listeners.has(name)) listeners.set(name, new Set());
    return listeners.get(name);
  };
  function on(name, fn) {
    listenersOf(name).add(fn);
    return () => off(name, fn);
  }
  function off(name, fn) { listenersOf(name).delete(fn); }
  function once(name) {
    return new Promise((resolve) => { const un = on(name, (d) => { un(); resolve(d); }); });
  }
  function emit(name, data) {
    for (const fn of [...listenersOf(name)]) {
      queueMicrotask(() => {
        try { fn(data); } catch (e) { console.error('WPP listener for', name, e); }
      });
    }
    for (const r of sim.renderers) queueMicrotask(r);
  }
  sim.emit = emit;
  // WPP.conn.on takes 'authenticated' as well as 'conn.authenticated'.
  const connName = (name) => (String(name).includes('.') ? name : 'conn.' + name);

  sim.setMode = (mode) => {
    if (st.mode === mode) return;
    st.mode = mode;
    emit('conn.stream_mode_changed', mode);
    // Quirk kept from wa-js: main_ready fires the first time the stream is
    // QR, SYNCING or MAIN, so also on the QR screen.
    if (!st.mainReadyFired && (mode === 'QR' || mode === 'SYNCING' || mode === 'MAIN')) {
      st.mainReadyFired = true;
      st.mainReady = true;
      emit('conn.main_ready');
    }
  };
  sim.setInfo = (info) => {
    if (st.info === info) return;
    st.info = info;
    emit('conn.stream_info_changed', info);
  };

  class WPPError extends Error {
    constructor(code, message) {
      super(message || code);
      this.name = 'WPPError';
      this.code = code;
    }
  }
  sim.WPPError = WPPError;

  function wid(user) {
    const id = { server: 'c.us', user: String(user), _serialized: user + '@c.us' };
    id.toString = () => id._serialized;
    id.equals = (o) => !!o && String(o._serialized || o) === id._serialized;
    return id;
  }
  const userOf = (c) => (c && c.wid ? String(c.wid).split('@')[0] : undefined);

  const isAuthenticated = () => !!st.creds;
  const isRegistered = () => !!st.creds;
  const isLegacy = () => !!(st.creds && st.creds.legacy);
  // isOnline: connected to WhatsApp and, for a legacy page, the phone too.
  const isOnline = () => st.online && (!isLegacy() || st.phoneOnline);
  sim.updateOnline = () => {
    const v = isOnline();
    if (v === st.lastOnline) return;
    st.lastOnline = v;
    emit('conn.online', v);
  };

  function authCode() {
    if (!st.ref || st.idle || isAuthenticated() || isRegistered() || !st.keys) return null;
    const k = st.keys;
    return {
      type: 'multidevice', ref: st.ref, staticKeyPair: k.static, identityKeyPair: k.identity,
      secretKey: k.secret, fullCode: [st.ref, k.static, k.identity, k.secret].join(','),
    };
  }
  sim.authCode = authCode;

  const readyCallbacks = [];
  const webpack = {
    isInjected: false, isReady: false, isFullReady: false,
    onInjected(cb) { webpack.isInjected ? cb() : readyCallbacks.push(cb); },
    onReady(cb) { webpack.isReady ? cb() : readyCallbacks.push(cb); },
    onFullReady(cb) { webpack.onReady(cb); },
  };
  // core.js calls markReady once the stored credentials are read, as wa-js
  // becomes ready once WhatsApp's modules are loaded.
  sim.markReady = () => {
    webpack.isInjected = webpack.isReady = webpack.isFullReady = true;
    for (const cb of readyCallbacks.splice(0)) {
      try { cb(); } catch (e) { console.error('WPP.webpack.onReady callback', e); }
    }
    // Like wa-js, report the current stream state once listeners can hear it.
    emit('conn.stream_mode_changed', st.mode);
    emit('conn.stream_info_changed', st.info);
  };

  const conn = {
    on: (name, fn) => on(connName(name), fn),
    off: (name, fn) => off(connName(name), fn),
    once: (name) => once(connName(name)),
    isAuthenticated, isRegistered,
    isMainReady: () => st.mainReady,
    isMainLoaded: () => st.mainLoaded,
    isMainInit: () => st.mainLoaded,
    isIdle: () => st.idle,
    isMultiDevice: () => !isLegacy(),
    isOnline,
    takeover: async () => sim.takeover(),
    getAuthCode: async () => authCode(),
    refreshQR: async () => {
      if (isAuthenticated()) return;
      await sim.request({ t: 'refresh' });
    },
    genLinkDeviceCodeForPhoneNumber: async (arg, sendPushNotification = true) => {
      const phone = arg && typeof arg === 'object' ? arg.phone : arg;
      if (!phone || typeof phone !== 'string') {
        throw new WPPError('send_the_phone_number_to_connect', "Can't get code for without phone number param");
      }
      if (isAuthenticated()) {
        throw new WPPError('cannot_get_code_for_already_authenticated', "Can't get code for already authenticated user");
      }
      const r = await sim.request({ t: 'pair_code', phone });
      st.pairing = { code: r.code, phone, sendPushNotification };
      emit('sim.pairing_code', r.code);
      return r.code;
    },
    logout: async () => sim.logout(),
    getMyUserId: () => (userOf(st.creds) ? wid(userOf(st.creds)) : undefined),
    getMyDeviceId: () => {
      if (!st.creds || !st.creds.device_id) return undefined;
      const [user, device] = String(st.creds.device_id).split(':');
      const id = { server: 'c.us', user, device: Number(device), _serialized: st.creds.device_id + '@c.us' };
      id.toString = () => id._serialized;
      return id;
    },
    getStreamData: () => ({ mode: st.mode, info: st.info }),
    getPlatform: () => (st.creds ? st.creds.platform : undefined),
    getBuildConstants: () => ({ VERSION_STR: WA_VERSION, VERSION_PRIMARY: 2, VERSION_SECONDARY: 3000 }),
  };

  const profile = {
    getMyProfileName: () => (st.creds ? st.creds.push_name : undefined),
  };

  window.Debug = Object.assign(window.Debug || {}, { VERSION: WA_VERSION });
  window.WPP = {
    version: WPP_VERSION,
    license: 'simulated',
    get isInjected() { return webpack.isInjected; },
    get isReady() { return webpack.isReady; },
    get isFullReady() { return webpack.isFullReady; },
    webpack,
    on, off, once,
    conn,
    profile,
  };
})();
