// Code generated from internal/wasim/ts/wpp.ts by `go generate ./internal/browser/bridge`; DO NOT EDIT.
"use strict";
(() => {
  var __defProp = Object.defineProperty;
  var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
  var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);

  // internal/wasim/ts/sim.ts
  function widOf(jid) {
    const s = String(jid);
    const [user, server] = s.split("@");
    const w = {
      server,
      user,
      _serialized: s,
      toString: () => s,
      equals: (o) => !!o && String(o._serialized || o) === s,
      isUser: () => server === "c.us" || server === "lid",
      isGroup: () => server === "g.us",
      isLid: () => server === "lid"
    };
    return w;
  }

  // internal/wasim/ts/wpp.ts
  var WPP_VERSION = "4.6.0-wasim";
  var WA_VERSION = "2.3000.1030000000-wasim";
  var LINK_CODE_TTL_MS = 3.25 * 60 * 1e3;
  var MAX_AUTO_REFRESHES = 5;
  var WPPError = class extends Error {
    constructor(code, message) {
      super(message || code);
      __publicField(this, "code");
      this.name = "WPPError";
      this.code = code;
    }
  };
  function start() {
    if (window.top !== window) return;
    const st = {
      mode: "OFFLINE",
      info: "OPENING",
      online: false,
      keys: null,
      ref: null,
      refIndex: 0,
      idle: false,
      creds: null,
      authAtInjection: false,
      mainLoaded: false,
      mainReady: false,
      mainReadyFired: false,
      pairing: null,
      conflict: false,
      phoneOnline: true,
      lastOnline: false
    };
    const renderers = [];
    const listeners = /* @__PURE__ */ new Map();
    function on(name, fn) {
      listeners.set(name, [...listeners.get(name) || [], fn]);
      return WPP;
    }
    function emit(name, ...args) {
      queueMicrotask(() => renderers.forEach((r) => r()));
      for (const fn of listeners.get(name) || []) fn(...args);
    }
    function setMode(mode) {
      if (st.mode === mode) return;
      st.mode = mode;
      emit("conn.stream_mode_changed", mode);
      if (!st.mainReadyFired && (mode === "QR" || mode === "MAIN")) {
        st.mainReadyFired = true;
        st.mainReady = true;
        emit("conn.main_ready");
      }
      if (mode === "QR") emit("conn.require_auth");
    }
    function setInfo(info) {
      if (st.info === info) return;
      st.info = info;
      emit("conn.stream_info_changed", info);
    }
    const isAuthenticated = () => !!st.creds;
    const isLegacy = () => !!(st.creds && st.creds.legacy);
    const isOnline = () => st.online && (!isLegacy() || st.phoneOnline);
    function authCode() {
      if (!st.ref || isAuthenticated() || !st.keys) return null;
      const k = st.keys;
      return {
        type: "multidevice",
        ref: st.ref,
        staticKeyPair: k.static,
        identityKeyPair: k.identity,
        secretKey: k.secret,
        fullCode: [st.ref, k.static, k.identity, k.secret].join(",")
      };
    }
    const readyListeners = [];
    const loader = {
      isInjected: false,
      isReady: false,
      onReady(listener, delay = 0) {
        readyListeners.push(() => delay > 0 ? setTimeout(listener, delay) : listener());
      }
    };
    const link = {
      phone: null,
      code: null,
      epoch: 0,
      refreshes: 0,
      timer: 0,
      inFlight: null
    };
    function linkCancel() {
      link.epoch++;
      if (link.timer) clearTimeout(link.timer);
      Object.assign(link, { phone: null, code: null, refreshes: 0, timer: 0, inFlight: null });
      st.pairing = null;
    }
    function linkSchedule(ttl) {
      if (link.timer) clearTimeout(link.timer);
      const epoch = link.epoch;
      link.timer = setTimeout(() => {
        if (epoch !== link.epoch || !link.phone) return;
        if (link.refreshes >= MAX_AUTO_REFRESHES) {
          link.code = null;
          st.pairing = null;
          emit("conn.link_code_expired");
          return;
        }
        link.refreshes++;
        linkGenerate().catch((e) => emit("conn.link_code_error", e instanceof Error ? e : new Error(String(e))));
      }, ttl);
    }
    function linkGenerate() {
      if (link.inFlight) return link.inFlight;
      const epoch = link.epoch;
      const phone = link.phone;
      const op = sim.request({ t: "pair_code", phone }).then((r) => {
        const code = String(r.code);
        if (epoch !== link.epoch) return code;
        link.code = code;
        st.pairing = { code, phone };
        const ttl = r.expires_at ? Math.max(0, Date.parse(r.expires_at) - Date.now()) : LINK_CODE_TTL_MS;
        linkSchedule(ttl);
        emit("conn.link_code_change", code);
        return code;
      }).finally(() => {
        if (link.inFlight === op) link.inFlight = null;
      });
      link.inFlight = op;
      return op;
    }
    async function startLinkDeviceCodeForPhoneNumber(phone, _sendPushNotification = true) {
      if (!phone || typeof phone !== "string") {
        throw new WPPError("send_the_phone_number_to_connect", "Can't get code for without phone number param");
      }
      if (isAuthenticated()) {
        throw new WPPError("cannot_get_code_for_already_authenticated", "Can't get code for already authenticated user");
      }
      if (link.phone === phone) {
        if (link.code) return link.code;
        if (link.inFlight) return link.inFlight;
      } else {
        linkCancel();
      }
      link.phone = phone;
      link.refreshes = 0;
      try {
        return await linkGenerate();
      } catch (e) {
        link.code = null;
        emit("conn.link_code_error", e instanceof Error ? e : new Error(String(e)));
        throw e;
      }
    }
    const conn = {
      isAuthenticated,
      isOnline,
      isRegistered: () => !!st.creds,
      isIdle: () => st.idle,
      isMultiDevice: () => !isLegacy(),
      needsUpdate: () => false,
      getStreamData: () => ({ mode: st.mode, info: st.info }),
      getAuthCode: async () => authCode(),
      // refreshQR waits, with no timeout, for the next conn.auth_code_change.
      refreshQR: async () => {
        if (isAuthenticated()) return null;
        const next = new Promise((resolve) => {
          const once = (code) => {
            listeners.set("conn.auth_code_change", (listeners.get("conn.auth_code_change") || []).filter((f) => f !== once));
            resolve(code);
          };
          on("conn.auth_code_change", once);
        });
        await sim.request({ t: "refresh" });
        return next;
      },
      startLinkDeviceCodeForPhoneNumber,
      cancelLinkDeviceCode: linkCancel,
      logout: () => sim.logout(),
      markAvailable: (available = true) => sim.markAvailable(available),
      getMyUserId: () => st.creds && st.creds.wid ? widOf(st.creds.wid) : void 0,
      getPlatform: () => st.creds ? String(st.creds.platform || "") : "",
      getBuildConstants: () => ({
        VERSION_STR: WA_VERSION,
        VERSION_BASE: "2.3000.1030000000",
        VERSION_PRIMARY: "2",
        VERSION_SECONDARY: "3000",
        VERSION_TERTIARY: "1030000000",
        WINDOWS_BUILD: null,
        PARSED: { PRIMARY: 2, SECONDARY: 3e3, TERTIARY: 103e7 }
      }),
      setKeepAlive: (enable = true) => {
        if (enable) document.hasFocus = () => true;
        return enable;
      }
    };
    const WPP = {
      version: WPP_VERSION,
      get isReady() {
        return loader.isReady;
      },
      loader: { onReady: loader.onReady },
      on,
      conn,
      profile: { getMyProfileName: () => st.creds ? String(st.creds.push_name || "") : "" },
      // chat.ts fills chat and contact.
      chat: {},
      contact: {},
      whatsapp: { Socket: { takeover: () => sim.takeover() } }
    };
    const sim = {
      state: st,
      renderers,
      wpp: WPP,
      emit,
      setMode,
      setInfo,
      authCode,
      WPPError,
      updateOnline: () => {
        const v = isOnline();
        if (v === st.lastOnline) return;
        st.lastOnline = v;
        emit("conn.online", v);
      },
      // core.ts calls markReady once the stored credentials are read, as wa-js
      // becomes ready once WhatsApp's modules are loaded.
      markReady: () => {
        loader.isInjected = loader.isReady = true;
        st.authAtInjection = isAuthenticated();
        for (const cb of readyListeners.splice(0)) cb();
      },
      send: () => false,
      request: () => Promise.reject(new WPPError("offline", "not connected to WhatsApp")),
      handlers: {},
      takeover: async () => false,
      logout: async () => false,
      markAvailable: async () => false,
      linkCodeCancel: linkCancel
    };
    on("conn.authenticated", linkCancel);
    on("conn.logout", linkCancel);
    on("conn.main_ready", () => {
      if (isAuthenticated()) linkCancel();
    });
    Object.defineProperty(window, "__wasim", { value: sim });
    window.Debug = Object.assign(window.Debug || {}, { VERSION: WA_VERSION });
    window.WPP = WPP;
  }
  start();
})();
