package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

// adminKey is the admin key of full servers.
const adminKey = "test-admin-key-0123456789"

// full is the whole HTTP surface over a real store: sessions (never
// started, so no browser), events, webhooks, keys and metrics.
type full struct {
	t    testing.TB
	ts   *httptest.Server
	api  *api.Server
	bus  *events.Bus
	keys *apikey.Keys
	logs *syncBuffer
}

// newFull starts a full server; edit adjusts its config (the admin key is
// set unless edit clears it).
func newFull(t testing.TB, edit func(*api.Config)) *full {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Config{Dir: filepath.Join(dir, "easy-api-store"), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	bus, err := events.NewBus(ctx, events.BusConfig{JS: st.JetStream(), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := webhook.New(ctx, webhook.Config{Bus: bus, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := apikey.Open(ctx, st.JetStream())
	if err != nil {
		t.Fatal(err)
	}
	mgr := session.NewManager(session.ManagerConfig{Registry: st.Sessions(), Launcher: noBrowser{}, Publisher: bus, DataPath: dir, Log: zerolog.Nop()})
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Serve(mctx) }()
	streams := events.NewHandlers(events.HandlersConfig{Bus: bus, Webhooks: webhook.NewHandlers(outbox), PingInterval: time.Second, Log: zerolog.Nop()})
	logs := &syncBuffer{}
	cfg := api.Config{Sessions: mgr, Mount: streams.Mount, Version: "test", Log: zerolog.New(logs),
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			io.WriteString(w, "up 1\n")
		}),
		AdminKey: adminKey, Keys: keys}
	if edit != nil {
		edit(&cfg)
	}
	srv := api.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		<-done
		outbox.Close(context.Background())
		bus.Close()
		st.Close()
	})
	return &full{t: t, ts: ts, api: srv, bus: bus, keys: keys, logs: logs}
}

// req is one request of a test.
type req struct {
	method, path string
	body         string
	key          string            // X-Api-Key, when set
	header       map[string]string // more headers
}

// resp is what came back.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// problem decodes a problem+json answer.
func (r resp) problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d, Content-Type %q, want a problem: %s", r.status, ct, r.body)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *full) do(rq req) resp {
	f.t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r, err := http.NewRequest(rq.method, f.ts.URL+rq.path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if rq.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.key != "" {
		r.Header.Set("X-Api-Key", rq.key)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	res, err := f.ts.Client().Do(r)
	if err != nil {
		f.t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// must does rq and fails unless it answers want; it returns the body.
func (f *full) must(want int, rq req) []byte {
	f.t.Helper()
	r := f.do(rq)
	if r.status != want {
		f.t.Fatalf("%s %s: %d %s, want %d", rq.method, rq.path, r.status, r.body, want)
	}
	return r.body
}

// scopedKey creates a key for sessions through the API and returns it.
func (f *full) scopedKey(sessions ...string) apikey.CreatedKey {
	f.t.Helper()
	b, _ := json.Marshal(map[string]any{"sessions": sessions, "name": "test"})
	var k apikey.CreatedKey
	if err := json.Unmarshal(f.must(http.StatusCreated, req{method: "POST", path: "/v1/keys", body: string(b), key: adminKey}), &k); err != nil {
		f.t.Fatal(err)
	}
	return k
}

// noBrowser fails every launch as a machine without Chromium does: sessions
// started by these tests end FAILED (launch_failed) at once.
type noBrowser struct{}

func (noBrowser) Launch(context.Context, session.LaunchSpec) (session.Page, error) {
	return nil, fmt.Errorf("api tests run no browser: %w", session.ErrNoBrowser)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the logger).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
