package browser

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fakeNonce is the CSP nonce of the fake page: like WhatsApp Web, it allows
// only its own nonce scripts (no inline, no eval), so the bridge must come
// from addScriptToEvaluateOnNewDocument.
const fakeNonce = "n0nce"

// fakePage is a minimal stand-in for WhatsApp Web with wa-js: just enough of
// window.WPP (docs/bridge.md) for the bridge, driven from the test through
// window.__test. Its first script records what ran before it in __order.
const fakePage = `<!doctype html>
<html><head><title>fake wa</title>
<script nonce="` + fakeNonce + `">
window.__order = {config: !!window.WPPConfig, wajs: window.__wajs || null, bridge: !!window.__easy,
  ls: localStorage.getItem('WABrowserId')};
(function () {
  const listeners = {};
  const readyCbs = [];
  let mode = 'QR', info = 'NORMAL', authenticated = false, registered = false, idle = false;
  let code = null, hangRefresh = false, hangAuthCode = false, needsUpdate = false;
  const fire = (ev, payload) => (listeners[ev] || []).slice().forEach(f => f(payload));
  const WPP = {
    version: 'fake-1', isInjected: true, isReady: false,
    // wa-js 4.x: loader.onReady only registers for a future ready.
    loader: {onReady(cb) { readyCbs.push(cb); }},
    on(ev, f) { (listeners[ev] = listeners[ev] || []).push(f); },
    off(ev, f) { listeners[ev] = (listeners[ev] || []).filter(g => g !== f); },
    conn: {
      isAuthenticated: () => authenticated,
      isRegistered: () => registered,
      isIdle: () => idle,
      isMainReady: () => mode === 'MAIN',
      isMainLoaded: () => mode === 'MAIN',
      isMultiDevice: () => true,
      needsUpdate: () => needsUpdate,
      getAuthCode: () => hangAuthCode ? new Promise(() => {}) : Promise.resolve(code),
      refreshQR: () => hangRefresh ? new Promise(() => {}) : Promise.resolve(code),
      startLinkDeviceCodeForPhoneNumber: async (phone) => { fire('conn.link_code_change', 'ABCD-EFGH'); return 'ABCD-EFGH'; },
      setKeepAlive: (on) => { window.__keepAlive = on; return on; },
      logout: async () => { authenticated = false; mode = 'QR'; fire('conn.logout_reason', 'user'); fire('conn.logout'); return true; },
      getMyUserId: () => authenticated ? {server: 'c.us', user: '15551234567', _serialized: '15551234567@c.us'} : undefined,
      getStreamData: () => ({mode, info}),
    },
    profile: {getMyProfileName: () => 'Tester'},
  };
  window.__test = {
    ready() { WPP.isReady = true; readyCbs.splice(0).forEach(f => f()); },
    qr(ref) {
      code = ref ? {type: 'multidevice', ref, staticKeyPair: 's', identityKeyPair: 'i', secretKey: 'k', fullCode: [ref, 's', 'i', 'k'].join(',')} : null;
      fire('conn.auth_code_change', code);
    },
    scan() { code = null; authenticated = true; registered = true; mode = 'SYNCING'; fire('conn.authenticated'); fire('conn.stream_mode_changed', mode); },
    main() { mode = 'MAIN'; fire('conn.stream_mode_changed', mode); fire('conn.main_ready'); },
    hangRefresh() { hangRefresh = true; },
    hangAuthCode() { hangAuthCode = true; },
    linkCode(c) { fire('conn.link_code_change', c); },
    linkExpired() { fire('conn.link_code_expired'); },
    mode(m) { mode = m; fire('conn.stream_mode_changed', mode); },
    needsUpdate() { needsUpdate = true; fire('conn.needs_update'); },
  };
  window.WPP = WPP;
})();
</script></head>
<body>fake whatsapp<iframe src="/frame"></iframe></body></html>`

// fakeFrame records, from inside an iframe, that no init script ran there.
const fakeFrame = `<!doctype html><html><head><script nonce="` + fakeNonce + `">
window.__frame = {config: !!window.WPPConfig, wajs: !!window.__wajs, bridge: !!window.__easy};
</script></head><body>frame</body></html>`

// fakeHandler serves the fake page under a strict nonce CSP.
func fakeHandler() http.Handler {
	mux := http.NewServeMux()
	serve := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+fakeNonce+"'; object-src 'none'; base-uri 'none'")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/frame", serve(fakeFrame))
	mux.HandleFunc("/", serve(fakePage))
	return mux
}

// newFakeServer serves the fake page over plain HTTP on loopback.
func newFakeServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(fakeHandler())
	t.Cleanup(srv.Close)
	return srv
}

// newFakeTLSServer serves the fake page over TLS and returns it with the
// SPKI pin of its certificate, for --ignore-certificate-errors-spki-list.
func newFakeTLSServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewTLSServer(fakeHandler())
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(srv.Certificate().RawSubjectPublicKeyInfo)
	return srv, base64.StdEncoding.EncodeToString(sum[:])
}
