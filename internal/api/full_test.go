package api_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/easy-api/easy-api/cmd/easy-api/app"
	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/logtest"
)

// adminKey is the admin key of full servers.
const adminKey = "test-admin-key-0123456789"

// full is the whole HTTP surface over a real store, started through
// app.Serve (what the binary's run() calls for `easy-api serve`): sessions
// (on a machine without Chromium, so a started one ends FAILED
// launch_failed), events, webhooks, keys and metrics.
type full struct {
	t    testing.TB
	ts   *endpoint
	api  *api.Server
	bus  *events.Bus
	keys *apikey.Keys
	logs *logtest.Buffer
	dir  string // the session data path
}

// newFull starts a full server; edit adjusts its API config after the
// flags have set it (the admin key is set unless edit clears it).
func newFull(t testing.TB, edit func(*api.Config)) *full {
	t.Helper()
	return newFullGuarded(t, nil, edit)
}

// newFullGuarded is newFull whose media URL fetches and scoped-key webhooks
// share the given guarded transport (nil: the production guard).
func newFullGuarded(t testing.TB, guarded http.RoundTripper, edit func(*api.Config)) *full {
	t.Helper()
	logs := &logtest.Buffer{}
	started := make(chan app.Running, 1)
	dir := t.TempDir()
	args := []string{"--host", "127.0.0.1", "--port", "0", "--session-data-path", dir, "--api-key", adminKey,
		"--browser-path", "/nonexistent/chromium", "--wajs", "none", "--log-format", "json"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(ctx, args, func(string) string { return "" }, io.Discard, logs, app.Options{Version: "test",
			Wire:    func(w *app.Wiring) { w.API, w.StreamPing, w.Guarded = edit, time.Second, guarded },
			Started: func(r app.Running) { started <- r }})
	}()
	var r app.Running
	select {
	case r = <-started:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	ts := &endpoint{URL: "http://" + r.Addr, client: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(func() {
		ts.client.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &full{t: t, ts: ts, api: r.API, bus: r.Bus, keys: r.Keys, logs: logs, dir: dir}
}

// endpoint is where a full server listens, shaped like httptest.Server
// for the tests.
type endpoint struct {
	URL    string
	client *http.Client
}

// Client returns a client for the server.
func (e *endpoint) Client() *http.Client { return e.client }

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
	h := map[string]string{"X-Api-Key": rq.key}
	if rq.body != "" {
		h["Content-Type"] = "application/json"
	}
	maps.Copy(h, rq.header)
	code, header, body := roundTrip(f.t, f.ts.Client(), rq.method, f.ts.URL+rq.path, rq.body, h)
	return resp{code, header, body}
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
