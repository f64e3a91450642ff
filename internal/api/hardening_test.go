package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/events"
)

// TestFailedAuthIsRateLimited: past the limit of failed authentications a
// client address gets 429 with Retry-After, even with the right key, while
// other clients (told apart through a trusted proxy) are not affected.
func TestFailedAuthIsRateLimited(t *testing.T) {
	f := newFull(t, func(c *api.Config) {
		c.AuthFailures = 3
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	from := func(addr string) map[string]string {
		return map[string]string{"X-Forwarded-For": "198.51.100.9, " + addr}
	}
	for range 3 {
		f.must(401, req{method: "GET", path: "/v1/sessions", key: "guess", header: from("203.0.113.5")})
	}
	for _, key := range []string{"guess", adminKey} {
		res := f.do(req{method: "GET", path: "/v1/sessions", key: key, header: from("203.0.113.5")})
		if p := res.problem(t); res.status != 429 || p.Code != "rate_limited" || res.header.Get("Retry-After") == "" {
			t.Fatalf("locked out client with key %q: %d %s", key, res.status, res.body)
		}
	}
	f.must(200, req{method: "GET", path: "/v1/sessions", key: adminKey, header: from("203.0.113.6")})
	// The left-most X-Forwarded-For entry is the client's to choose: it
	// does not move the lock.
	f.must(429, req{method: "GET", path: "/v1/sessions", key: adminKey, header: map[string]string{"X-Forwarded-For": "203.0.113.7, 203.0.113.5"}})
}

// TestUntrustedForwardedForIsIgnored: without trusted proxies a client
// cannot escape its lock by sending X-Forwarded-For.
func TestUntrustedForwardedForIsIgnored(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.AuthFailures = 1 })
	f.must(401, req{method: "GET", path: "/v1/sessions", key: "guess"})
	f.must(429, req{method: "GET", path: "/v1/sessions", key: adminKey, header: map[string]string{"X-Forwarded-For": "203.0.113.8"}})
}

func TestSecurityHeaders(t *testing.T) {
	f := newFull(t, nil)
	for _, path := range []string{"/healthz", "/v1/sessions", "/nowhere"} {
		h := f.do(req{method: "GET", path: path}).header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: headers %v", path, h)
		}
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: CORS is on by default", path)
		}
	}
	res := f.do(req{method: "GET", path: "/api-docs/"})
	csp := res.header.Get("Content-Security-Policy")
	if res.status != 200 || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") || strings.Contains(string(res.body), "<script>") {
		t.Fatalf("/api-docs/: %d, CSP %q, page %s", res.status, csp, res.body)
	}
}

func TestCORS(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.CORSOrigins = []string{"https://app.example"} })
	preflight := func(origin string) http.Header {
		return f.do(req{method: "OPTIONS", path: "/v1/sessions", header: map[string]string{"Origin": origin,
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key,content-type"}}).header
	}
	if h := preflight("https://app.example"); h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-api-key") {
		t.Fatalf("allowed origin preflight: %v", h)
	}
	if h := preflight("https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin preflight: %v", h)
	}
	res := f.do(req{method: "GET", path: "/v1/sessions", key: adminKey, header: map[string]string{"Origin": "https://app.example"}})
	if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("CORS GET: %d %v", res.status, res.header)
	}
}

// TestProblemsForEveryStatus: 404, 405, 413, 415 (on every route that takes
// a body) and oversized or deeply nested JSON all answer problem+json.
func TestProblemsForEveryStatus(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.MaxBodyBytes = 4 << 10 })
	check := func(rq req, status int, code string) {
		t.Helper()
		rq.key = adminKey
		res := f.do(rq)
		if p := res.problem(t); res.status != status || p.Code != code || p.RequestID == "" {
			t.Errorf("%s %s: %d %+v, want %d %s", rq.method, rq.path, res.status, p, status, code)
		}
	}
	check(req{method: "GET", path: "/v2/nothing"}, 404, "not_found")
	check(req{method: "PUT", path: "/v1/sessions"}, 405, "method_not_allowed")
	check(req{method: "DELETE", path: "/healthz"}, 405, "method_not_allowed")
	big := `{"id":"x","start":false,"config":{},"pad":"` + strings.Repeat("a", 8<<10) + `"}`
	check(req{method: "POST", path: "/v1/sessions", body: big}, 413, "body_too_large")
	check(req{method: "POST", path: "/v1/keys", body: `{"sessions":["a"],"name":"` + strings.Repeat("a", 8<<10) + `"}`}, 413, "body_too_large")
	check(req{method: "POST", path: "/v1/webhooks", body: `{"url":"https://example.com/` + strings.Repeat("a", 70<<10) + `"}`}, 413, "body_too_large")
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	check(req{method: "POST", path: "/v1/sessions", body: `{"id":` + deep + `}`}, 400, "invalid_request")
	check(req{method: "POST", path: "/v1/webhooks", body: `{"url":` + deep + `}`}, 400, "invalid_request")
	check(req{method: "POST", path: "/v1/keys", body: `{"sessions":` + deep + `}`}, 400, "invalid_request")
	// Deeper than encoding/json's own limit (10,000), within the body limit.
	f2 := newFull(t, nil)
	res := f2.do(req{method: "POST", path: "/v1/sessions", key: adminKey, body: `{"id":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`})
	if p := res.problem(t); res.status != 400 || p.Field != "body" {
		t.Errorf("very deep JSON: %d %+v", res.status, p)
	}
	for _, r := range walk(t, f.api.Router()) {
		if r.method == "GET" || r.method == "DELETE" {
			continue
		}
		path := strings.NewReplacer("{id}", "x", "{wid}", "w", "{did}", "1").Replace(r.pattern)
		rq := req{method: r.method, path: path, body: "id=x", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
		check(rq, 415, "unsupported_media_type")
	}
}

// TestPathTraversalInIDs: ids that try to leave the data folder are 400s
// (or unknown routes), never anything that touches disk or fails inside.
func TestPathTraversalInIDs(t *testing.T) {
	f := newFull(t, nil)
	for _, id := range []string{"..", ".", "%2e%2e", "..%2f..%2fetc", "a%00b", "%2F", "a%5cb", "~root", "..%252f", "a..b", "-x", strings.Repeat("a", 65)} {
		for _, suffix := range []string{"", "/start", "/data", "/events", "/qr"} {
			for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
				res := f.do(req{method: method, path: "/v1/sessions/" + id + suffix, key: adminKey})
				if res.status != 400 && res.status != 404 && res.status != 405 {
					t.Errorf("%s /v1/sessions/%s%s: %d %s", method, id, suffix, res.status, res.body)
				}
			}
		}
	}
	f.must(400, req{method: "POST", path: "/v1/sessions", key: adminKey, body: `{"id":"../../etc/passwd"}`})
	f.must(400, req{method: "POST", path: "/v1/keys", key: adminKey, body: `{"sessions":["../x"]}`})
	f.must(400, req{method: "GET", path: "/v1/ws?session=../x", key: adminKey})
}

// TestWebhookHeaderInjection: custom webhook headers cannot smuggle a
// second header, a bad name or one of the signature headers.
func TestWebhookHeaderInjection(t *testing.T) {
	f := newFull(t, nil)
	for _, headers := range []string{
		`{"X-A":"v\r\nX-Injected: 1"}`, `{"X-A":"v\nX-Injected: 1"}`, `{"X-A":"v\u0000"}`,
		`{"X-A: b":"v"}`, `{"X A":"v"}`, `{"":"v"}`, `{"Webhook-Signature":"v1,forged"}`, `{"Host":"evil"}`, `{"Content-Length":"1"}`,
	} {
		res := f.do(req{method: "POST", path: "/v1/webhooks", key: adminKey, body: `{"url":"https://example.com/h","headers":` + headers + `}`})
		if p := res.problem(t); res.status != 400 || p.Field != "headers" {
			t.Errorf("headers %s: %d %+v", headers, res.status, p)
		}
	}
}

// TestPanicIsAProblemWithRequestID: a panicking handler answers 500
// problem+json whose request_id is the one of the log line.
func TestPanicIsAProblemWithRequestID(t *testing.T) {
	f := newFull(t, func(c *api.Config) {
		mount := c.Mount
		c.Mount = func(r chi.Router, wrap func(func(http.ResponseWriter, *http.Request) error) http.HandlerFunc) {
			mount(r, wrap)
			r.Get("/v1/boom", func(http.ResponseWriter, *http.Request) { panic("boom secret-detail") })
		}
	})
	res := f.do(req{method: "GET", path: "/v1/boom", key: adminKey})
	p := res.problem(t)
	if res.status != 500 || p.Code != "internal" || p.RequestID == "" || strings.Contains(string(res.body), "secret-detail") {
		t.Fatalf("panic: %d %s", res.status, res.body)
	}
	found := false
	for line := range strings.Lines(f.logs.String()) {
		var l struct {
			RequestID string `json:"request_id"`
			Message   string `json:"message"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.RequestID == p.RequestID && l.Message == "panic in handler" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no log line with request_id %s:\n%s", p.RequestID, f.logs.String())
	}
}

// TestWithoutAdminKey: with no key configured requests act as the admin,
// but a presented key is still checked and a scoped key still scoped.
func TestWithoutAdminKey(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.AdminKey = "" })
	f.must(201, req{method: "POST", path: "/v1/sessions", body: `{"id":"bob","start":false}`})
	var k struct{ Key string }
	json.Unmarshal(f.must(201, req{method: "POST", path: "/v1/keys", body: `{"sessions":["alice"]}`}), &k)
	f.must(404, req{method: "GET", path: "/v1/sessions/bob", key: k.Key})
	f.must(401, req{method: "GET", path: "/v1/sessions", key: "wrong"})
	f.must(200, req{method: "GET", path: "/metrics"})
}

// TestStreamsOutliveServerTimeouts: with read and write timeouts far below
// the stream's life, SSE and WebSocket clients still get events published
// after the timeouts passed.
func TestStreamsOutliveServerTimeouts(t *testing.T) {
	f := newFull(t, nil)
	const timeout = 200 * time.Millisecond
	ts := httptest.NewUnstartedServer(f.api)
	ts.Config.ReadTimeout, ts.Config.WriteTimeout, ts.Config.ReadHeaderTimeout = timeout, timeout, timeout
	ts.Start()
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })

	sse, err := http.Get(ts.URL + "/v1/events?api_key=" + adminKey)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Body.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/v1/ws?api_key="+adminKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(3 * timeout) // past both deadlines: this is what is tested
	if err := f.bus.Publish(context.Background(), "alice", events.SessionProgress, map[string]any{"stage": "x", "percent": 1}); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(sse.Body)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "data: ") {
	}
	if !strings.Contains(sc.Text(), `"session":"alice"`) {
		t.Fatalf("SSE after the timeouts: %q %v", sc.Text(), sc.Err())
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil || !strings.Contains(string(msg), `"session":"alice"`) {
		t.Fatalf("WebSocket after the timeouts: %s %v", msg, err)
	}
}
