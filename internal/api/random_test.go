package api_test

import (
	"context"

	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
)

// TestRandomRequests sends 10,000 random requests (seeded, so a failure
// reproduces) to a running server over loopback: route-shaped and garbage
// paths, every method, random bodies, content types and keys. None may get
// a 5xx, and the server must still answer normally afterwards.
func TestRandomRequests(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	f := newFull(t, func(c *api.Config) { c.AuthFailures = 1 << 30 })
	scoped := f.scopedKey("alice")
	rng := rand.New(rand.NewPCG(4, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	ids := []string{"alice", "bob", "..", "%2e%2e", "a%2Fb", "", "x" + strings.Repeat("y", 70), "-", "A_1", "%00", "~"}
	segs := []string{"start", "stop", "restart", "logout", "qr", "pairing-code", "me", "screenshot", "messages", "chats", "contacts", "data", "events", "media", "retry", "test", "deliveries", "", "..", "%ff"}
	bodies := []string{"", "{}", "null", "[]", `{"id":"alice","start":false}`, `{"id":"bob"}`, `{"sessions":["alice"]}`, `{"url":"https://example.com/h"}`,
		`{"chat_id":"15550001111","text":"hi"}`, `{"phone":"15551234567"}`, `{"qr_max":-1}`, `{"version":1,"session":"alice"}`, "{", "\xff\xfe",
		`{"id":` + strings.Repeat("[", 500) + `}`, strings.Repeat(`{"a":`, 300)}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range n {
		path := pick("/v1/sessions", "/v1/keys", "/v1/webhooks", "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1", "/", "/api-docs/", "/dashboard/x")
		for range rng.IntN(4) {
			path += "/" + pick(append(ids, segs...)...)
		}
		if rng.IntN(4) == 0 {
			path += "?" + pick("purge=maybe", "format=gif", "limit=-1", "since=x", "type=nope", "status=dead", "before=%", "session=..")
		}
		// Streams would stay open: they get their bad input in other tests.
		if strings.HasPrefix(path, "/v1/events") || strings.HasPrefix(path, "/v1/ws") {
			continue
		}
		method := pick("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "BREW")
		body := pick(bodies...)
		req, err := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
		if err != nil {
			continue // not a URL a client could send
		}
		if rng.IntN(3) > 0 {
			req.Header.Set("Content-Type", pick("application/json", "text/plain", "application/problem+json", "multipart/form-data; boundary=x", ";;"))
		}
		switch rng.IntN(4) {
		case 0:
			req.Header.Set("X-Api-Key", adminKey)
		case 1:
			req.Header.Set("Authorization", "Bearer "+scoped.Key)
		case 2:
			req.Header.Set("X-Api-Key", pick("x", scoped.Key+"x", "eak_"+strings.Repeat("a", 60)))
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d %s %s: %v", i, method, path, err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("request %d %s %s %q: %d", i, method, path, body, res.StatusCode)
		}
	}
	f.must(200, req{method: "GET", path: "/healthz"})
	f.must(200, req{method: "GET", path: "/v1/sessions", key: adminKey})
}

// FuzzRequestPaths sends arbitrary methods and paths through the router in
// process: no panic and no 5xx.
func FuzzRequestPaths(f *testing.F) {
	for _, s := range []string{"/v1/sessions/alice", "/v1/sessions/../x", "/v1/sessions/%2e%2e/data", "/v1/sessions/a/chats/%ff/messages",
		"/v1/webhooks/x/deliveries/1/retry", "/v1/keys/key_x", "//v1//sessions", "/api-docs/../../etc/passwd", "/v1/sessions/alice/messages/%00/media"} {
		f.Add("GET", s)
		f.Add("DELETE", s)
	}
	srv := newFull(f, func(c *api.Config) { c.AdminKey = "" })
	f.Fuzz(func(t *testing.T, method, path string) {
		r, err := http.NewRequestWithContext(context.Background(), method, "http://x"+path, nil)
		if err != nil || strings.HasPrefix(r.URL.Path, "/v1/events") {
			return
		}
		w := httptest.NewRecorder()
		srv.api.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	})
}
