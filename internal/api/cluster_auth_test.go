package api_test

import (
	"net/http"
	"testing"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
)

// TestClusterRoutesNeedTheAdminKey: the nodes' routes are the operator's
// on every node, and a forwarded request is authenticated again by the
// node it reaches, so one forged to look forwarded gets nothing more.
func TestClusterRoutesNeedTheAdminKey(t *testing.T) {
	scoped := apikey.Key{ID: "k", Sessions: []string{"bob"}}
	l, nodes := newNodes(t, map[string]map[string]apikey.Key{"a": {"scoped": scoped}, "b": {"scoped": scoped}})
	l.set("alice", "b")
	none := map[string]string{}
	forged := map[string]string{api.ForwardedByHeader: "a"}
	forgedScoped := map[string]string{api.ForwardedByHeader: "a", "X-Api-Key": "scoped"}
	forgedWrong := map[string]string{api.ForwardedByHeader: "a", "X-Api-Key": "guess-" + nodeAdminKey}
	for _, tt := range []struct {
		name, node, method, path string
		headers                  map[string]string
		want                     int
	}{
		{"nodes without a key", "a", "GET", "/v1/nodes", none, http.StatusUnauthorized},
		{"nodes with a scoped key", "b", "GET", "/v1/nodes", map[string]string{"X-Api-Key": "scoped"}, http.StatusForbidden},
		{"drain of another node without a key", "a", "POST", "/v1/nodes/b/drain", none, http.StatusUnauthorized},
		{"drain of another node with a scoped key", "a", "POST", "/v1/nodes/b/drain", map[string]string{"X-Api-Key": "scoped"}, http.StatusForbidden},
		{"drain of itself with a scoped key", "b", "POST", "/v1/nodes/b/drain", map[string]string{"X-Api-Key": "scoped"}, http.StatusForbidden},
		{"a drain forged as forwarded, no key", "b", "POST", "/v1/nodes/b/drain", forged, http.StatusUnauthorized},
		{"a drain forged as forwarded, scoped key", "b", "POST", "/v1/nodes/b/drain", forgedScoped, http.StatusForbidden},
		{"a session call forged as forwarded, no key", "b", "GET", "/v1/sessions/alice/me", forged, http.StatusUnauthorized},
		{"a session call forged as forwarded, wrong key", "b", "GET", "/v1/sessions/alice/me", forgedWrong, http.StatusUnauthorized},
		{"a session call forged as forwarded, out of scope", "b", "GET", "/v1/sessions/alice/me", forgedScoped, http.StatusNotFound},
		{"a session call forwarded without a key", "a", "GET", "/v1/sessions/alice/me", none, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := nodes["b"].calls.Load()
			code, _, body := call(t, nodes[tt.node].ts, tt.method, tt.path, "", tt.headers)
			if code != tt.want {
				t.Errorf("%s %s on %s: %d %s, want %d", tt.method, tt.path, tt.node, code, body, tt.want)
			}
			if nodes["b"].calls.Load() != before {
				t.Error("b's session got the call")
			}
		})
	}
	if len(l.drains) != 0 {
		t.Errorf("drains %v, want none", l.drains)
	}
}
