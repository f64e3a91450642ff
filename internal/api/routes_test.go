package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/docs/openapi"
	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/events"
)

// route is one method and pattern of the router, normalized as the spec
// writes it (no trailing slash).
type route struct{ method, pattern string }

func (r route) String() string { return r.method + " " + r.pattern }

// static serves files, not operations: they are not in the spec.
func static(pattern string) bool {
	return pattern == "/api-docs" || strings.HasPrefix(pattern, "/api-docs/") || strings.HasPrefix(pattern, "/dashboard")
}

// public routes answer without a key.
var public = []string{"/healthz", "/readyz", "/openapi.json", "/swagger.json"}

// walk lists the router's operations.
func walk(t *testing.T, r chi.Router) []route {
	t.Helper()
	var out []route
	err := chi.Walk(r, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if p := strings.TrimSuffix(pattern, "/"); !static(p) {
			out = append(out, route{method, p})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b route) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// TestRoutesMatchSpec fails when a route is missing from openapi.json or
// the spec names a route that does not exist.
func TestRoutesMatchSpec(t *testing.T) {
	f := newFull(t, nil)
	doc, err := openapi3.NewLoader().LoadFromData(openapi.V3)
	if err != nil {
		t.Fatal(err)
	}
	inSpec := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inSpec[method+" "+path] = true
		}
	}
	for _, r := range walk(t, f.api.Router()) {
		if !inSpec[r.String()] {
			t.Errorf("%s is served but not in docs/openapi/openapi.json: annotate it and run make spec", r)
		}
		delete(inSpec, r.String())
	}
	for r := range inSpec {
		t.Errorf("docs/openapi/openapi.json has %s, which the server does not serve", r)
	}
}

// TestEveryRouteNeedsAKey sends every route a request with no key, a wrong
// key, a revoked key and a key scoped to another session. Routes get a
// concrete path (and a plausible body), so a key check that a route skips
// shows up as its handler's answer.
func TestEveryRouteNeedsAKey(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.AuthFailures = 1 << 20 }) // the failure limit has its own test
	f.must(201, req{method: "POST", path: "/v1/sessions", body: `{"id":"bob","start":false}`, key: adminKey})
	f.must(201, req{method: "POST", path: "/v1/sessions", body: `{"id":"alice","start":false}`, key: adminKey})
	var wh struct{ ID string }
	json.Unmarshal(f.must(201, req{method: "POST", path: "/v1/webhooks", body: `{"url":"https://example.com/hook"}`, key: adminKey}), &wh)
	alice := f.scopedKey("alice")
	revoked := f.scopedKey("bob")
	f.must(204, req{method: "DELETE", path: "/v1/keys/" + revoked.ID, key: adminKey})

	params := strings.NewReplacer("{id}", "bob", "{wid}", wh.ID, "{kid}", alice.ID, "{chat}", "15550001111", "{msg}", "m1", "{did}", "1", "{node}", "n1")
	bodies := map[string]string{
		"POST /v1/sessions":                   `{"id":"bob","start":false}`,
		"PATCH /v1/sessions/{id}":             `{"qr_max":2}`,
		"POST /v1/sessions/{id}/pairing-code": `{"phone":"15551234567"}`,
		"POST /v1/sessions/{id}/messages":     `{"chat_id":"15550001111","text":"hi"}`,
		"PUT /v1/sessions/{id}/data":          `{"version":1,"session":"bob","kind":"md"}`,
		"POST /v1/keys":                       `{"sessions":["bob"]}`,
		"POST /v1/webhooks":                   `{"url":"https://example.com/x"}`,
		"PATCH /v1/webhooks/{wid}":            `{"enabled":true}`,
	}
	queries := map[string]string{"GET /v1/ws": "?session=bob", "GET /v1/events": "?session=bob"}
	// What the key scoped to alice gets on each route (with bob's id).
	scoped := map[string]int{
		"GET /metrics":                403,
		"GET /v1/sessions":            200, // alice's sessions only (checked below)
		"POST /v1/sessions":           403,
		"GET /v1/keys":                403,
		"POST /v1/keys":               403,
		"DELETE /v1/keys/{kid}":       403,
		"GET /v1/webhooks":            200, // without the global one (checked below)
		"POST /v1/webhooks":           403, // global
		"GET /v1/ws":                  404,
		"GET /v1/events":              404,
		"GET /v1/nodes":               403, // the operator's
		"POST /v1/nodes/{node}/drain": 403,
	}
	for _, r := range walk(t, f.api.Router()) {
		if slices.Contains(public, r.pattern) {
			continue
		}
		t.Run(r.String(), func(t *testing.T) {
			rq := req{method: r.method, path: params.Replace(r.pattern) + queries[r.String()], body: bodies[r.String()]}
			for name, key := range map[string]string{"missing": "", "wrong": "not-a-key", "revoked": revoked.Key, "admin-like": adminKey + "x"} {
				rq.key = key
				res := f.do(rq)
				if p := res.problem(t); res.status != 401 || p.Code != "unauthorized" {
					t.Errorf("%s key: %d %s, want 401", name, res.status, res.body)
				}
				if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s key: no WWW-Authenticate", name)
				}
			}
			want, ok := scoped[r.String()]
			if !ok && (strings.Contains(r.pattern, "{id}") || strings.Contains(r.pattern, "{wid}")) {
				want, ok = 404, true // bob's session, the global webhook: as if they did not exist
			}
			if !ok {
				t.Fatalf("no expectation for a scoped key on %s: add one", r)
			}
			rq.key = alice.Key
			if res := f.do(rq); res.status != want {
				t.Fatalf("scoped key: %d %s, want %d", res.status, res.body, want)
			} else if want == 404 && strings.Contains(r.pattern, "{id}") {
				if p := res.problem(t); p.Code != "session_not_found" || !strings.Contains(p.Detail, `"bob" does not exist`) {
					t.Fatalf("scoped key: %+v, want bob's session_not_found", p)
				}
			}
		})
	}
	// Lists show the scoped key its own sessions only, and no global webhook.
	var list struct{ Sessions []struct{ ID string } }
	json.Unmarshal(f.must(200, req{method: "GET", path: "/v1/sessions", key: alice.Key}), &list)
	if len(list.Sessions) != 1 || list.Sessions[0].ID != "alice" {
		t.Fatalf("scoped list = %+v", list)
	}
	var hooks struct{ Webhooks []any }
	json.Unmarshal(f.must(200, req{method: "GET", path: "/v1/webhooks", key: alice.Key}), &hooks)
	if len(hooks.Webhooks) != 0 {
		t.Fatalf("scoped key sees webhooks %v", hooks.Webhooks)
	}
	// The scoped key works on its own session, as Bearer too.
	f.must(200, req{method: "GET", path: "/v1/sessions/alice", header: map[string]string{"Authorization": "Bearer " + alice.Key}})
	f.must(200, req{method: "GET", path: "/v1/sessions/alice/events", key: alice.Key})
	f.must(201, req{method: "POST", path: "/v1/webhooks", key: alice.Key, body: `{"url":"https://example.com/a","sessions":["alice"]}`})
	f.must(404, req{method: "POST", path: "/v1/webhooks", key: alice.Key, body: `{"url":"https://example.com/a","sessions":["alice","bob"]}`})
}

// TestQueryKeyOnlyOnStreams: ?api_key= authenticates the streams and
// nothing else (a key in a URL ends up in logs and histories).
func TestQueryKeyOnlyOnStreams(t *testing.T) {
	f := newFull(t, nil)
	f.must(401, req{method: "GET", path: "/v1/sessions?api_key=" + adminKey})
	f.must(401, req{method: "GET", path: "/v1/sessions/x/events?api_key=" + adminKey})
	res, err := http.Get(f.ts.URL + "/v1/events?api_key=" + adminKey)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line := make([]byte, len(": connected"))
	if _, err := res.Body.Read(line); err != nil || res.StatusCode != 200 || string(line) != ": connected" {
		t.Fatalf("SSE with ?api_key=: %d %q %v", res.StatusCode, line, err)
	}
	ws := f.do(req{method: "GET", path: "/v1/ws?api_key=" + adminKey}) // authenticated; not an upgrade
	if ws.status == 401 {
		t.Fatalf("WebSocket with ?api_key=: %d %s", ws.status, ws.body)
	}
}

// TestScopedStreamsSeeOnlyTheirSessions: a scoped key that subscribes to
// everything on the WebSocket or SSE gets its own sessions' events only.
func TestScopedStreamsSeeOnlyTheirSessions(t *testing.T) {
	f := newFull(t, nil)
	alice := f.scopedKey("alice")
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(f.ts.URL, "http")+"/v1/ws", http.Header{"X-Api-Key": {alice.Key}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sse, err := http.Get(f.ts.URL + "/v1/events?api_key=" + alice.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Body.Close()
	for _, id := range []string{"bob", "alice"} {
		if err := f.bus.Publish(context.Background(), id, events.SessionProgress, map[string]any{"stage": id}); err != nil {
			t.Fatal(err)
		}
	}
	// Events arrive in order, so seeing alice's first means bob's was filtered.
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, msg, err := ws.ReadMessage(); err != nil || !strings.Contains(string(msg), `"session":"alice"`) {
		t.Fatalf("WebSocket: %s %v", msg, err)
	}
	sc := bufio.NewScanner(sse.Body)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "data: ") {
	}
	if !strings.Contains(sc.Text(), `"session":"alice"`) {
		t.Fatalf("SSE: %q", sc.Text())
	}
	var page struct{ Events []struct{ Session string } }
	json.Unmarshal(f.must(200, req{method: "GET", path: "/v1/sessions/alice/events", key: alice.Key}), &page)
	if len(page.Events) != 1 {
		t.Fatalf("history: %+v", page)
	}
}

// TestEvery405CarriesAllow: for every route, each method the router does
// not serve on that path is a 405 problem whose Allow header lists exactly
// the methods it does serve.
func TestEvery405CarriesAllow(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.AuthFailures = 1 << 20 })
	served := map[string][]string{}
	for _, r := range walk(t, f.api.Router()) {
		served[r.pattern] = append(served[r.pattern], r.method)
	}
	params := strings.NewReplacer("{id}", "bob", "{wid}", "wh_1", "{kid}", "key_1", "{chat}", "15550001111", "{msg}", "m1", "{did}", "1", "{node}", "n1")
	for pattern, methods := range served {
		slices.Sort(methods)
		path := params.Replace(pattern)
		if path == "" {
			path = "/"
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if slices.Contains(methods, m) {
				continue
			}
			res := f.do(req{method: m, path: path, key: adminKey})
			if res.status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", m, path, res.status)
				continue
			}
			allow := strings.Split(res.header.Get("Allow"), ", ")
			slices.Sort(allow)
			if p := res.problem(t); p.Code != "method_not_allowed" || !slices.Equal(allow, methods) {
				t.Errorf("%s %s: Allow %q (%s), want %v", m, path, res.header.Get("Allow"), p.Code, methods)
			}
		}
	}
}
