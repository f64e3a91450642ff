package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/cmd/easy-api/app"
	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/jsonbody"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

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

// server is one easy-api instance, started through app.Serve (what the
// binary's run() calls for `easy-api serve`) with its real flags and
// wiring; Options hooks only reach in: the launcher (to crash pages), the
// publisher (to record events) and the response validator.
type server struct {
	t        testing.TB
	dir      string
	store    *store.Store
	bus      *events.Bus
	outbox   *webhook.Outbox
	mgr      *session.Manager
	launcher *recordingLauncher
	http     *apiServer
	cancel   context.CancelFunc
	done     chan error
	stopped  bool
}

// browserConfig is browser.Config, named for option funcs.
type browserConfig = browser.Config

// pageCallTimeout is the servers' page-call timeout (--call-timeout):
// room for Chromium on a loaded 2-core machine. A test whose subject is a
// call timing out sets a short one.
const pageCallTimeout = 20 * time.Second

// requestTimeout bounds each request of server.call: past any page call
// and the server's own work, so a request that hangs fails its test (or
// its try inside eventually) instead of hanging it.
const requestTimeout = 45 * time.Second

type serverOpts struct {
	tee         session.Publisher // also receives every event (tests record them)
	callTimeout time.Duration
	media       api.MediaConfig
	// defaults are the server's session defaults, given as serve flags
	// (--qr-timeout, --max-session-memory, ...); auth_timeout is 20s unless set.
	defaults session.Config
	// args are more serve flags, e.g. "--max-session-memory", "20MB".
	args    []string
	browser func(*browser.Config)
	restart session.RestartPolicy
	// apiKey, when set, is the server's admin key; the harness's client
	// (call, and s.http.Client()) sends it on every request.
	apiKey string
	// keys serves /v1/keys (scoped keys); the real wiring always does, so
	// this is kept for the tests that say they need it.
	keys bool
	// noSpecCheck turns off validating every response against
	// docs/openapi/openapi.json (on by default: see validateResponses).
	noSpecCheck bool
}

// serveArgs are the flags of a test server on dir against the simulator s.
func serveArgs(dir string, s *sim, o serverOpts) []string {
	lvl := "warn"
	if os.Getenv("EASY_API_TEST_DEBUG") != "" {
		lvl = "debug"
	}
	args := []string{"--host", "127.0.0.1", "--port", "0", "--session-data-path", dir, "--wajs", "none",
		"--host-resolver-rules", s.rules, "--ignore-cert-spki", s.pin, "--close-timeout", "5s",
		"--log-format", "json", "--log-level", lvl}
	d := o.defaults
	if d.AuthTimeout == nil {
		d.AuthTimeout = new(session.Duration(20 * time.Second))
	}
	args = append(args, "--auth-timeout", d.AuthTimeout.D().String())
	if d.QRTimeout != nil {
		args = append(args, "--qr-timeout", d.QRTimeout.D().String())
	}
	if d.QRMax != nil {
		args = append(args, "--qr-max", fmt.Sprint(*d.QRMax))
	}
	if d.MaxMemory != nil {
		args = append(args, "--max-session-memory", fmt.Sprint(int64(*d.MaxMemory)))
	}
	if d.RelinkOnLogout != nil {
		args = append(args, fmt.Sprintf("--relink-on-logout=%t", *d.RelinkOnLogout))
	}
	if d.Headful != nil {
		args = append(args, fmt.Sprintf("--headful=%t", *d.Headful))
	}
	if o.apiKey != "" {
		args = append(args, "--api-key", o.apiKey)
	}
	return append(args, o.args...)
}

func startServer(t testing.TB, dir string, s *sim, o serverOpts) *server {
	t.Helper()
	if o.restart.InitialBackoff == 0 {
		o.restart = session.RestartPolicy{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Budget: 5, Window: time.Minute}
	}
	if o.callTimeout == 0 {
		o.callTimeout = pageCallTimeout
	}
	rl := &recordingLauncher{pages: map[string]*browser.Page{}}
	conns := &connTracker{conns: map[net.Conn]bool{}}
	started := make(chan app.Running, 1)
	opts := app.Options{Version: "test",
		Wire: func(w *app.Wiring) {
			w.Browser.HeartbeatInterval, w.Browser.HeartbeatTimeout = time.Second, 3*time.Second
			if o.browser != nil {
				o.browser(&w.Browser)
			}
			w.Restart, w.CallTimeout = o.restart, o.callTimeout
			w.WebhookRetry = webhook.Retry{Delay: jsonbody.Duration(100 * time.Millisecond), MaxDelay: jsonbody.Duration(400 * time.Millisecond)}
			w.Launcher = func(l session.Launcher) session.Launcher { rl.Launcher = l.(*browser.Launcher); return rl }
			if o.tee != nil {
				w.Publisher = func(p session.Publisher) session.Publisher { return teePublisher{p, o.tee} }
			}
			if o.media != (api.MediaConfig{}) {
				w.API = func(c *api.Config) { c.Media = o.media }
			}
			if !o.noSpecCheck {
				w.Handler = func(h http.Handler) http.Handler { return validateResponses(t, h) }
			}
			w.Listener = conns.wrap
		},
		Started: func(r app.Running) { started <- r },
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &server{t: t, dir: dir, launcher: rl, cancel: cancel, done: make(chan error, 1)}
	// The environment is not read: a test server is what its flags say.
	go func() {
		srv.done <- app.Serve(ctx, serveArgs(dir, s, o), func(string) string { return "" }, io.Discard, zerolog.NewTestWriter(t), opts)
	}()
	select {
	case r := <-started:
		srv.store, srv.bus, srv.outbox, srv.mgr = r.Store, r.Bus, r.Webhooks, r.Sessions
		srv.http = &apiServer{URL: "http://" + r.Addr, client: &http.Client{Transport: &http.Transport{}}, conns: conns}
	case err := <-srv.done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	if o.apiKey != "" {
		srv.http.client.Transport = keyTransport{key: o.apiKey, next: srv.http.client.Transport}
	}
	t.Cleanup(srv.stop)
	return srv
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
			s.t.Errorf("serve: %v", err)
		}
	case <-time.After(40 * time.Second):
		s.t.Error("server did not stop within 40s")
	}
}

// call sends a request to the API and returns status and body; each
// request has its own timeout (requestTimeout).
func (s *server) call(method, path string, body any) (int, []byte) {
	s.t.Helper()
	c := *s.http.Client()
	c.Timeout = requestTimeout
	return do(s.t, &c, method, s.http.URL+path, "", body)
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
