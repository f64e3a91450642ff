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

  function streamData() {
    return safe(function () { return WPP.conn.getStreamData(); }, null) || {};
  }

  // state computes the phase (docs/bridge.md): ready iff authenticated and
  // stream mode MAIN; conn.main_ready alone is not trusted.
  function state() {
    if (!WPP || !ready) {
      return { phase: 'loading', authenticated: false, stream_mode: '', percent: 0 };
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
    return { phase: phase, authenticated: authenticated, stream_mode: mode, percent: percent };
  }

  function me() {
    if (!WPP || !ready) return null;
    const wid = safe(function () { return WPP.conn.getMyUserId(); }, null);
    if (!wid) return null;
    const id = wid._serialized || String(wid);
    const phone = wid.user || String(id).split('@')[0];
    const name = safe(function () { return WPP.profile.getMyProfileName(); }, '') || '';
    const platform = safe(function () { return WPP.conn.getPlatform(); }, '') || '';
    return { id: id, phone: phone, push_name: String(name), platform: String(platform) };
  }

  // update emits state when it changed, and ready when the phase became
  // ready.
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
    ['conn.main_loaded', 'conn.main_ready', 'conn.require_auth',
      'conn.stream_mode_changed', 'conn.stream_info_changed'].forEach(function (name) {
      on(name, function () {});
    });
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

  const calls = {
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
    versions: function () {
      const wa = safe(function () { return window.Debug.VERSION; }, null);
      return { wpp: String(WPP.version || ''), wa: wa == null ? null : String(wa) };
    },
  };

  const easy = Object.freeze({
    // call runs one bridge call; see the table in docs/bridge.md.
    call: async function (name, args) {
      if (!Object.prototype.hasOwnProperty.call(calls, name)) {
        throw new Error('unknown call: ' + name);
      }
      if (name !== 'state') await whenReady();
      return calls[name](args);
    },
    state: state,
  });
  Object.defineProperty(window, '__easy', { value: easy, enumerable: false });

  emit('boot', { url: String(location.href), wpp: !!window.WPP });
  update();
  waitWPP();
})();
