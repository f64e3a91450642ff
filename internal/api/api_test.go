package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

// newAPI serves the API over a real store; sessions are created without
// starting, so no browser is involved.
func newAPI(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	return newAPIWith(t, nil)
}

// newAPIWith is newAPI with a hook to adjust the API's config.
func newAPIWith(t *testing.T, mod func(*api.Config)) (*httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), store.Config{Dir: filepath.Join(dir, "easy-api-store"), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	mgr := session.NewManager(session.ManagerConfig{Registry: st.Sessions(), DataPath: dir, Log: zerolog.Nop()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Serve(ctx) }()
	cfg := api.Config{Sessions: mgr, Log: zerolog.Nop()}
	if mod != nil {
		mod(&cfg)
	}
	ts := httptest.NewServer(api.New(cfg))
	t.Cleanup(func() {
		ts.Close()
		cancel()
		<-done
		st.Close()
	})
	return ts, dir
}

// request sends one request to ts as ctype and returns the status,
// headers and the body as a JSON object (nil when it is none).
func request(t *testing.T, ts *httptest.Server, method, path, ctype, body string) (int, http.Header, map[string]any) {
	t.Helper()
	code, h, b := roundTrip(t, http.DefaultClient, method, ts.URL+path, body, map[string]string{"Content-Type": ctype})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return code, h, m
}

func TestBadInputIsAProblem(t *testing.T) {
	ts, dir := newAPI(t)
	const js = "application/json"
	if code, _, _ := request(t, ts, "POST", "/v1/sessions", js, `{"id":"taken","start":false}`); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	long := strings.Repeat("a", 65)
	for _, tc := range []struct {
		name, method, path, ctype, body string
		status                          int
		code, field                     string
	}{
		{"traversal id", "POST", "/v1/sessions", js, `{"id":"../x","start":false}`, 400, "invalid_session_id", "id"},
		{"empty id", "POST", "/v1/sessions", js, `{"id":"","start":false}`, 400, "invalid_session_id", "id"},
		{"65 chars", "POST", "/v1/sessions", js, `{"id":"` + long + `","start":false}`, 400, "invalid_session_id", "id"},
		{"bad id in path", "GET", "/v1/sessions/" + long, "", "", 400, "invalid_session_id", "id"},
		{"encoded traversal in path", "GET", "/v1/sessions/..%2Fx", "", "", 400, "invalid_session_id", "id"},
		{"unknown", "GET", "/v1/sessions/nobody", "", "", 404, "session_not_found", ""},
		{"exists", "POST", "/v1/sessions", js, `{"id":"taken"}`, 409, "session_exists", ""},
		{"malformed", "POST", "/v1/sessions", js, `{"id":`, 400, "invalid_request", "body"},
		{"unknown field", "POST", "/v1/sessions", js, `{"id":"x","colour":1}`, 400, "invalid_request", "colour"},
		{"wrong type", "POST", "/v1/sessions", js, `{"id":7}`, 400, "invalid_request", "id"},
		{"bad duration", "POST", "/v1/sessions", js, `{"id":"x","config":{"qr_timeout":"soon"}}`, 400, "invalid_request", "config.qr_timeout"},
		{"negative", "POST", "/v1/sessions", js, `{"id":"x","config":{"qr_max":-1}}`, 400, "invalid_request", "config.qr_max"},
		{"two values", "POST", "/v1/sessions", js, `{"id":"x"}{}`, 400, "invalid_request", "body"},
		{"empty body", "POST", "/v1/sessions", js, ``, 400, "invalid_request", "body"},
		{"wrong content type", "POST", "/v1/sessions", "text/plain", `{"id":"x"}`, 415, "unsupported_media_type", ""},
		{"wrong method", "PUT", "/v1/sessions/taken", js, `{}`, 405, "method_not_allowed", ""},
		{"no route", "GET", "/v1/nothing", "", "", 404, "not_found", ""},
		{"qr when stopped", "GET", "/v1/sessions/taken/qr", "", "", 409, "not_scan_qr_code", ""},
		{"bad qr format", "GET", "/v1/sessions/taken/qr?format=gif", "", "", 400, "invalid_request", "format"},
		{"bad phone", "POST", "/v1/sessions/taken/pairing-code", js, `{"phone":"abc"}`, 400, "invalid_request", "phone"},
		{"me never linked", "GET", "/v1/sessions/taken/me", "", "", 409, "session_not_working", ""},
		{"screenshot stopped", "GET", "/v1/sessions/taken/screenshot", "", "", 409, "session_not_running", ""},
		{"bad purge", "DELETE", "/v1/sessions/taken?purge=maybe", "", "", 400, "invalid_request", "purge"},
		{"patch unknown", "PATCH", "/v1/sessions/taken", js, `{"nope":true}`, 400, "invalid_request", "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, p := request(t, ts, tc.method, tc.path, tc.ctype, tc.body)
			if code != tc.status || h.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d problem+json; body %v", code, h.Get("Content-Type"), tc.status, p)
			}
			if p["code"] != tc.code || p["status"] != float64(tc.status) || p["title"] == "" || p["type"] == "" {
				t.Fatalf("problem = %v, want code %s", p, tc.code)
			}
			if tc.field != "" && p["field"] != tc.field {
				t.Fatalf("field = %v, want %s (problem %v)", p["field"], tc.field, p)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "easy-api-store" {
			t.Errorf("bad requests touched disk: %s", e.Name())
		}
	}
}

func TestCreatePatchDelete(t *testing.T) {
	ts, dir := newAPI(t)
	code, h, v := request(t, ts, "POST", "/v1/sessions", "application/json", `{"id":"alice","start":false,"config":{"qr_timeout":"30s"}}`)
	if code != http.StatusCreated || h.Get("Location") != "/v1/sessions/alice" || v["status"] != "STOPPED" {
		t.Fatalf("create = %d %v", code, v)
	}
	cfg, eff := v["config"].(map[string]any), v["effective_config"].(map[string]any)
	if cfg["qr_timeout"] != "30s" || len(cfg) != 1 || eff["qr_timeout"] != "30s" || eff["relink_on_logout"] != true {
		t.Fatalf("config = %v, effective_config = %v", cfg, eff)
	}
	code, _, v = request(t, ts, "PATCH", "/v1/sessions/alice", "application/json", `{"qr_max":2}`)
	cfg = v["config"].(map[string]any)
	if code != http.StatusOK || cfg["qr_max"] != float64(2) || cfg["qr_timeout"] != "30s" {
		t.Fatalf("patch = %d %v", code, v)
	}
	code, _, list := request(t, ts, "GET", "/v1/sessions", "", "")
	if code != http.StatusOK || len(list["sessions"].([]any)) != 1 {
		t.Fatalf("list = %v", list)
	}
	os.MkdirAll(filepath.Join(dir, "IGNORE_alice"), 0o700)
	if code, _, _ := request(t, ts, "DELETE", "/v1/sessions/alice?purge=true", "", ""); code != http.StatusNoContent {
		t.Fatalf("delete = %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "IGNORE_alice")); !os.IsNotExist(err) {
		t.Fatal("purge left the profile folder")
	}
	if code, _, _ := request(t, ts, "GET", "/v1/sessions/alice", "", ""); code != http.StatusNotFound {
		t.Fatalf("get deleted = %d", code)
	}
	if code, _, p := request(t, ts, "GET", "/healthz", "", ""); code != 200 || p["status"] != "ok" {
		t.Fatalf("healthz = %d %v", code, p)
	}
}
