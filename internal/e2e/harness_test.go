package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
	"github.com/easy-api/easy-api/internal/wasim"
)

// sim is a simulator served with TLS for Chromium at web.whatsapp.com.
type sim struct {
	*wasim.Server
	ts    *httptest.Server
	pin   string
	rules string
}

func startSim(t testing.TB, cfg wasim.Config) *sim {
	t.Helper()
	cert, pin, err := wasim.SelfSignedCert("web.whatsapp.com", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := wasim.New(cfg)
	ts := httptest.NewUnstartedServer(s)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // killed browsers abort handshakes on purpose
	ts.StartTLS()
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	host := strings.TrimPrefix(ts.URL, "https://")
	return &sim{Server: s, ts: ts, pin: pin, rules: fmt.Sprintf("MAP web.whatsapp.com %s, MAP * ~NOTFOUND", host)}
}

// fastSim is a simulator whose QR codes live long enough to scan but whose
// sync is quick.
func fastSim(t testing.TB) *sim {
	return startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, QRMax: 6, SyncDelay: 50 * time.Millisecond})
}

// control calls the simulator's control API.
func (s *sim) control(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	return do(t, s.ts.Client(), method, s.ts.URL+path, "", body)
}

// recordingLauncher remembers the pages it launched so tests can crash them.
type recordingLauncher struct {
	*browser.Launcher
	mu    sync.Mutex
	pages map[string]*browser.Page
}

func (l *recordingLauncher) Launch(ctx context.Context, spec session.LaunchSpec) (session.Page, error) {
	p, err := l.Launcher.Launch(ctx, spec)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.pages[spec.SessionID] = p.(*browser.Page)
	l.mu.Unlock()
	return p, nil
}

func (l *recordingLauncher) page(id string) *browser.Page {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pages[id]
}

// server is one easy-api instance: store, browsers, sessions and HTTP API.
type server struct {
	t        testing.TB
	dir      string
	store    *store.Store
	bus      *events.Bus
	outbox   *webhook.Outbox
	mgr      *session.Manager
	launcher *recordingLauncher
	http     *httptest.Server
	cancel   context.CancelFunc
	done     chan error
	stopped  bool
}

// browserConfig is browser.Config, named for option funcs.
type browserConfig = browser.Config

type serverOpts struct {
	tee         session.Publisher // also receives every event (tests record them)
	callTimeout time.Duration
	media       api.MediaConfig
	defaults    session.Config
	browser     func(*browser.Config)
	restart     session.RestartPolicy
	// apiKey, when set, is the server's admin key; the harness's client
	// (call, and s.http.Client()) sends it on every request.
	apiKey string
	// keys serves /v1/keys (scoped keys) from the store.
	keys bool
	// noSpecCheck turns off validating every response against
	// docs/openapi/openapi.json (on by default: see validateResponses).
	noSpecCheck bool
}

func startServer(t testing.TB, dir string, s *sim, o serverOpts) *server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{Dir: filepath.Join(dir, "easy-api-store"), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	bcfg := browser.Config{WAJS: "none", HostResolverRules: s.rules, SPKIPins: []string{s.pin},
		HeartbeatInterval: time.Second, HeartbeatTimeout: 3 * time.Second, CloseTimeout: 5 * time.Second,
		Log: testLog(t, "browser"), Getenv: func(string) string { return "" }}
	if o.browser != nil {
		o.browser(&bcfg)
	}
	rl := &recordingLauncher{Launcher: browser.New(bcfg), pages: map[string]*browser.Page{}}
	d := o.defaults
	if d.AuthTimeout == 0 {
		d.AuthTimeout = session.Duration(20 * time.Second)
	}
	if o.restart.InitialBackoff == 0 {
		o.restart = session.RestartPolicy{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Budget: 5, Window: time.Minute}
	}
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := events.NewBus(ctx, events.BusConfig{JS: st.JetStream(), Log: testLog(t, "events")})
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := webhook.New(ctx, webhook.Config{Bus: bus, Backoff: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
		Log: testLog(t, "webhooks")})
	if err != nil {
		t.Fatal(err)
	}
	var pub session.Publisher = bus
	if o.tee != nil {
		pub = teePublisher{bus, o.tee}
	}
	if o.callTimeout == 0 {
		o.callTimeout = 10 * time.Second
	}
	mgr := session.NewManager(session.ManagerConfig{Registry: st.Sessions(), Launcher: rl, DataPath: dir, Snapshots: snaps, Publisher: pub,
		URL: "https://web.whatsapp.com/", Defaults: d, CloseTimeout: 5 * time.Second, CallTimeout: o.callTimeout,
		Restart: o.restart, Log: testLog(t, "sessions")})
	mctx, cancel := context.WithCancel(ctx)
	srv := &server{t: t, dir: dir, store: st, bus: bus, outbox: outbox, mgr: mgr, launcher: rl, cancel: cancel, done: make(chan error, 1)}
	go func() { srv.done <- mgr.Serve(mctx) }()
	streams := events.NewHandlers(events.HandlersConfig{Bus: bus, Webhooks: webhook.NewHandlers(outbox), Log: testLog(t, "streams")})
	acfg := api.Config{Sessions: mgr, Mount: streams.Mount, Version: "test", Log: testLog(t, "api"), Media: o.media, AdminKey: o.apiKey}
	if o.keys {
		if acfg.Keys, err = apikey.Open(ctx, st.JetStream()); err != nil {
			t.Fatal(err)
		}
	}
	var handler http.Handler = api.New(acfg)
	if !o.noSpecCheck {
		handler = validateResponses(t, handler)
	}
	srv.http = httptest.NewServer(handler)
	if o.apiKey != "" {
		srv.http.Client().Transport = keyTransport{key: o.apiKey, next: srv.http.Client().Transport}
	}
	t.Cleanup(srv.stop)
	return srv
}

// keyTransport adds the API key to requests that carry none.
type keyTransport struct {
	key  string
	next http.RoundTripper
}

func (k keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Api-Key") == "" && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("X-Api-Key", k.key)
	}
	return k.next.RoundTrip(r)
}

// stop shuts the server down gracefully, as SIGTERM does.
func (s *server) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.http.CloseClientConnections()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("manager: %v", err)
		}
	case <-time.After(30 * time.Second):
		s.t.Error("manager did not stop within 30s")
	}
	s.outbox.Close(context.Background())
	s.bus.Close()
	s.http.Close()
	if err := s.store.Close(); err != nil {
		s.t.Errorf("store close: %v", err)
	}
}

// call sends a request to the API and returns status and body.
func (s *server) call(method, path string, body any) (int, []byte) {
	s.t.Helper()
	return do(s.t, s.http.Client(), method, s.http.URL+path, "", body)
}

// wait blocks until the session reaches want (event-driven, with a deadline)
// and returns the resource as the API shows it.
func (s *server) wait(id string, want session.Status) session.View {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if _, err := s.mgr.WaitStatus(ctx, id, want); err != nil {
		code, body := s.call("GET", "/v1/sessions/"+id, nil)
		s.t.Fatalf("waiting for %s: %v (GET: %d %s)", want, err, code, body)
	}
	return s.get(id)
}

func (s *server) get(id string) session.View {
	s.t.Helper()
	code, body := s.call("GET", "/v1/sessions/"+id, nil)
	if code != http.StatusOK {
		s.t.Fatalf("GET session %s: %d %s", id, code, body)
	}
	var v session.View
	mustJSON(s.t, body, &v)
	return v
}

// create makes and starts a session through the API.
func (s *server) create(id string, cfg map[string]any) {
	s.t.Helper()
	body := map[string]any{"id": id}
	if cfg != nil {
		body["config"] = cfg
	}
	if code, b := s.call("POST", "/v1/sessions", body); code != http.StatusCreated {
		s.t.Fatalf("create %s: %d %s", id, code, b)
	}
}

// link takes the session from SCAN_QR_CODE to WORKING by scanning its QR
// with the simulated phone.
func (s *server) link(sm *sim, id, phone string) session.View {
	s.t.Helper()
	s.wait(id, session.StatusScanQRCode)
	code, body := s.call("GET", "/v1/sessions/"+id+"/qr?format=raw", nil)
	if code != http.StatusOK {
		s.t.Fatalf("qr: %d %s", code, body)
	}
	if c, b := sm.control(s.t, "POST", "/__sim/scan", map[string]string{"code": string(body), "phone": phone, "name": "User " + phone}); c != http.StatusOK {
		s.t.Fatalf("scan: %d %s", c, b)
	}
	return s.wait(id, session.StatusWorking)
}

func do(t testing.TB, c *http.Client, method, url, accept string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte: // sent as is, even when it is not valid JSON
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// testLog logs to the test output at warn level (debug with EASY_API_TEST_DEBUG=1).
func testLog(t testing.TB, component string) zerolog.Logger {
	lvl := zerolog.WarnLevel
	if os.Getenv("EASY_API_TEST_DEBUG") != "" {
		lvl = zerolog.DebugLevel
	}
	return zerolog.New(zerolog.NewTestWriter(t)).Level(lvl).With().Str("component", component).Logger()
}

// chromiumProcesses lists browser processes whose command line names dir.
func chromiumProcesses(dir string) []string {
	out, _ := exec.Command("pgrep", "-af", dir).Output()
	var procs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.Contains(l, "chrom") {
			procs = append(procs, l)
		}
	}
	return procs
}

// historyHas reports whether the view's history holds the status.
func historyHas(v session.View, st session.Status) bool {
	for _, h := range v.History {
		if h.Status == st {
			return true
		}
	}
	return false
}

// teePublisher publishes to both.
type teePublisher [2]session.Publisher

func (t teePublisher) Publish(ctx context.Context, id, typ string, data any) error {
	err := t[0].Publish(ctx, id, typ, data)
	_ = t[1].Publish(ctx, id, typ, data)
	return err
}

// chromiumBinary is the browser the UI tests drive: $EASY_API_TEST_BROWSER,
// else the first of chromium-headless-shell, chromium, google-chrome.
func chromiumBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("EASY_API_TEST_BROWSER"); bin != "" {
		return bin
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found (make browser)")
	return ""
}
