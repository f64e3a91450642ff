// Code generated from internal/wasim/ts/ui.ts by `go generate ./internal/browser/bridge`; DO NOT EDIT.
"use strict";
(() => {
  // internal/wasim/ts/sim.ts
  function sim() {
    return window.__wasim || null;
  }

  // internal/wasim/ts/ui.ts
  function start() {
    const sim2 = sim();
    if (!sim2) return;
    const st = sim2.state;
    const WPP = sim2.wpp;
    const $ = (id) => document.getElementById(id);
    function screen() {
      if (st.mode === "CONFLICT" && st.creds) return "conflict";
      if (st.mode === "MAIN" && st.creds) return "main";
      if (st.creds) return "loading";
      if (st.idle) return "idle";
      if (st.ref) return "qr";
      return "loading";
    }
    function render() {
      const s = screen();
      document.body.dataset.screen = s;
      const code = s === "qr" ? sim2.authCode() : null;
      const img = $("qr-img");
      if (code && img.dataset.code !== code.fullCode) {
        img.dataset.code = code.fullCode;
        img.src = "/__page/qr.png?code=" + encodeURIComponent(code.fullCode);
      }
      if (!code && s !== "idle") {
        delete img.dataset.code;
        img.removeAttribute("src");
      }
      $("pair-box").hidden = !st.pairing;
      $("pair-code").textContent = st.pairing ? st.pairing.code.slice(0, 4) + "-" + st.pairing.code.slice(4) : "";
      $("loading-text").textContent = st.info === "RESUMING" ? "Resuming your session…" : st.mode === "SYNCING" ? "Loading your chats…" : st.info === "CONNECTING" ? "Connecting…" : "Loading…";
      $("phone-offline").hidden = !(st.creds && st.creds.legacy && !st.phoneOnline);
      if (st.creds) {
        $("me-name").textContent = st.creds.push_name || "";
        $("me-phone").textContent = "+" + String(st.creds.wid || "").split("@")[0];
      }
    }
    sim2.renderers.push(render);
    $("use-here").addEventListener("click", () => Promise.resolve(WPP.whatsapp.Socket.takeover()).catch(console.error));
    $("qr-reload").addEventListener("click", () => WPP.conn.refreshQR().catch(console.error));
    $("pair-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      WPP.conn.startLinkDeviceCodeForPhoneNumber($("pair-phone").value).catch((e) => alert(e.message));
    });
    render();
  }
  start();
})();
