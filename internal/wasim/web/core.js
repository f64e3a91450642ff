// Code generated from internal/wasim/ts/core.ts by `go generate ./internal/browser/bridge`; DO NOT EDIT.
"use strict";
(() => {
  // internal/wasim/ts/sim.ts
  function sim() {
    return window.__wasim || null;
  }

  // internal/wasim/ts/core.ts
  function start() {
    const sim2 = sim();
    if (!sim2) return;
    const st = sim2.state;
    const { emit, setMode, setInfo } = sim2;
    const DB = "wawc", STORE = "user", KEY = "creds";
    const LS_WID = "last-wid-md";
    const LS_CREDS = "WASimDeviceCreds";
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
    const valid = (c) => !!c && typeof c.device_id === "string" && typeof c.secret === "string";
    const LEGACY = { browser_id: "WABrowserId", secret_bundle: "WASecretBundle", client_token: "WAToken1", server_token: "WAToken2" };
    function loadLegacy() {
      const v = {};
      try {
        for (const [field, key] of Object.entries(LEGACY)) {
          const raw = localStorage.getItem(key);
          if (raw == null) return null;
          v[field] = JSON.parse(raw);
        }
      } catch {
        return null;
      }
      if (![v.browser_id, v.client_token, v.server_token].every((x) => typeof x === "string" && x)) return null;
      return { legacy: true, ...v, device_id: "", secret: String(v.server_token) };
    }
    function saveLegacy(c) {
      for (const [field, key] of Object.entries(LEGACY)) localStorage.setItem(key, JSON.stringify(c[field]));
    }
    async function loadCreds() {
      const legacy = loadLegacy();
      if (legacy) return legacy;
      try {
        const c = await withStore("readonly", (s) => s.get(KEY));
        if (valid(c)) return c;
      } catch (e) {
        console.warn("wasim: IndexedDB read failed", e);
      }
      try {
        const c = JSON.parse(localStorage.getItem(LS_CREDS) || "null");
        if (valid(c)) return c;
      } catch {
      }
      return null;
    }
    async function saveCreds(c) {
      await withStore("readwrite", (s) => s.put(c, KEY));
      localStorage.setItem(LS_CREDS, JSON.stringify(c));
      localStorage.setItem(LS_WID, JSON.stringify(c.device_id + "@c.us"));
    }
    async function purge() {
      localStorage.clear();
      await new Promise((resolve) => {
        const req = indexedDB.deleteDatabase(DB);
        req.onsuccess = req.onerror = req.onblocked = () => resolve();
      });
    }
    let ws = null, seq = 0, retries = 0, leaving = false;
    let queue = Promise.resolve();
    const pending = /* @__PURE__ */ new Map();
    function send(m) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(m));
      return true;
    }
    sim2.send = send;
    sim2.request = (m) => new Promise((resolve, reject) => {
      const id = ++seq;
      if (!send({ ...m, id })) {
        reject(new sim2.WPPError("offline", "not connected to WhatsApp"));
        return;
      }
      pending.set(id, { resolve, reject });
    });
    function hello() {
      const m = { t: "hello", keys: st.keys };
      const c = st.creds;
      if (c && c.legacy) m.legacy = { browser_id: c.browser_id, client_token: c.client_token, server_token: c.server_token };
      else if (c) m.creds = { device_id: c.device_id, secret: c.secret };
      send(m);
    }
    function connect() {
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const sock = new WebSocket(scheme + location.host + "/__page/ws");
      ws = sock;
      sock.onopen = () => {
        retries = 0;
        st.online = true;
        sim2.updateOnline();
        if (st.creds) setInfo("RESUMING");
        hello();
      };
      sock.onmessage = (ev) => {
        let m;
        try {
          m = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        queue = queue.then(() => handle(m)).catch((e) => console.error("wasim: handling", m.t, e));
      };
      sock.onclose = () => {
        st.online = false;
        sim2.updateOnline();
        for (const p of pending.values()) p.reject(new sim2.WPPError("offline", "connection lost"));
        pending.clear();
        if (leaving) return;
        st.ref = null;
        setInfo("CONNECTING");
        const delay = Math.min(1e4, 500 * 2 ** retries++);
        setTimeout(connect, delay);
      };
    }
    function leave() {
      leaving = true;
      setTimeout(() => location.replace("/?post_logout=1"), 0);
    }
    async function handle(m) {
      switch (m.t) {
        case "qr":
          st.ref = String(m.ref);
          st.refIndex = Number(m.index);
          st.idle = false;
          setInfo("NORMAL");
          setMode("QR");
          emit("conn.auth_code_change", sim2.authCode());
          break;
        case "idle":
          st.idle = true;
          emit("conn.qrcode_idle");
          break;
        case "linked": {
          const c = { ...m.creds, wid: m.wid, push_name: m.push_name, platform: m.platform };
          if (m.legacy) {
            Object.assign(c, {
              legacy: true,
              browser_id: m.legacy.browser_id,
              client_token: m.legacy.client_token,
              server_token: m.legacy.server_token,
              secret_bundle: m.legacy.secret_bundle
            });
            saveLegacy(c);
          } else {
            await saveCreds(c);
          }
          st.creds = c;
          st.ref = null;
          st.idle = false;
          st.pairing = null;
          sim2.linkCodeCancel();
          live();
          emit("conn.auth_code_change", null);
          setMode("SYNCING");
          setInfo("SYNCING");
          send({ t: "stored" });
          break;
        }
        case "resumed":
          live();
          if (st.creds && st.creds.legacy) {
            st.creds = { ...st.creds, ...identity(m) };
          } else if (st.creds && st.creds.push_name !== m.push_name) {
            st.creds = { ...st.creds, push_name: m.push_name };
            await saveCreds(st.creds);
          }
          setMode("SYNCING");
          setInfo("SYNCING");
          break;
        case "conflict":
          if (st.creds && st.creds.legacy) st.creds = { ...st.creds, ...identity(m) };
          st.conflict = true;
          setInfo("NORMAL");
          setMode("CONFLICT");
          break;
        case "phone":
          st.phoneOnline = !!m.online;
          sim2.updateOnline();
          break;
        case "refused":
          await purge();
          st.creds = null;
          emit("conn.require_auth");
          setInfo("OPENING");
          hello();
          break;
        case "main":
          st.mainLoaded = true;
          st.mainReady = true;
          setMode("MAIN");
          setInfo("NORMAL");
          emit("conn.main_loaded");
          if (!st.authAtInjection) emit("conn.authenticated");
          break;
        case "logout":
          await purge();
          st.creds = null;
          emit("conn.logout_reason", m.reason);
          emit("conn.logout");
          leave();
          break;
        case "reply": {
          const p = pending.get(Number(m.id));
          if (!p) break;
          pending.delete(Number(m.id));
          if (m.ok) {
            p.resolve(m);
            break;
          }
          const [code, ...rest] = String(m.error || "error").split(": ");
          p.reject(new sim2.WPPError(code, rest.join(": ") || code));
          break;
        }
        default: {
          const h = sim2.handlers[m.t];
          if (h) {
            await h(m);
            break;
          }
          console.warn("wasim: unknown message", m.t);
        }
      }
    }
    function identity(m) {
      const id = { wid: m.wid, push_name: m.push_name, platform: m.platform };
      if (m.creds) id.device_id = m.creds.device_id;
      return id;
    }
    function live() {
      st.conflict = false;
      st.phoneOnline = true;
      sim2.updateOnline();
    }
    sim2.takeover = async () => {
      if (!st.conflict) return false;
      const r = await sim2.request({ t: "takeover" });
      return r.code === "taken_over";
    };
    sim2.logout = async () => {
      if (st.creds) {
        try {
          await sim2.request({ t: "logout" });
        } catch (e) {
          console.warn("wasim: logout", e);
        }
      }
      await purge();
      st.creds = null;
      emit("conn.logout");
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
      if (st.creds) st.info = "RESUMING";
      sim2.markReady();
      emit("conn.stream_mode_changed", st.mode);
      emit("conn.stream_info_changed", st.info);
      connect();
    }
    boot().catch((e) => console.error("wasim: boot", e));
  }
  start();
})();
