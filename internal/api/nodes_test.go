package api_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/session"
)

func TestNodes(t *testing.T) {
	l, nodes := newNodes(t, map[string]map[string]apikey.Key{"a": {"scoped": {ID: "k", Sessions: []string{"alice"}}}})
	a := nodes["a"].ts

	code, _, body := call(t, a, "GET", "/v1/nodes", "", admin)
	if code != 200 || !strings.Contains(string(body), `"name":"a"`) || !strings.Contains(string(body), `"url":"`+nodes["b"].ts.URL+`"`) {
		t.Errorf("nodes: %d %s", code, body)
	}
	if code, _, _ := call(t, a, "GET", "/v1/nodes", "", map[string]string{"X-Api-Key": "scoped"}); code != http.StatusForbidden {
		t.Errorf("nodes with a scoped key: %d, want 403", code)
	}
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/v1/nodes/a/drain", 202},
		{"/v1/nodes/b/drain", 202},
		{"/v1/nodes/c/drain", 404},
	} {
		if code, _, body := call(t, a, "POST", tt.path, "", admin); code != tt.want {
			t.Errorf("POST %s: %d %s, want %d", tt.path, code, body, tt.want)
		}
	}
	if got, want := strings.Join(l.drains, ", "), "a drains a, b drains b"; got != want {
		t.Errorf("drains %q, want %q: each node drains itself", got, want)
	}
}

func TestSingleNode(t *testing.T) {
	views := []session.View{{ID: "w", Status: session.StatusWorking, Resources: session.Resources{PSSBytes: 100 << 20}},
		{ID: "s", Status: session.StatusStopped}}
	ts := newFakeAPI(t, &listSessions{views: views}, nil)
	code, _, body := call(t, ts, "GET", "/v1/nodes", "", nil)
	if code != 200 || !strings.Contains(string(body), `"up":true`) || !strings.Contains(string(body), `"sessions":1`) ||
		!strings.Contains(string(body), `"memory_bytes":104857600`) {
		t.Errorf("nodes on a single node: %d %s, want itself, up, with its one running session", code, body)
	}
	if code, _, body := call(t, ts, "POST", "/v1/nodes/elsewhere/drain", "", nil); code != 404 {
		t.Errorf("drain of another node: %d %s, want 404", code, body)
	}
	self, _ := os.Hostname()
	if code, _, body := call(t, ts, "POST", "/v1/nodes/"+self+"/drain", "", nil); code != 409 || !strings.Contains(string(body), "not part of a cluster") {
		t.Errorf("drain of the single node: %d %s, want 409", code, body)
	}
}

// listSessions is an api.Sessions that only lists.
type listSessions struct {
	api.Sessions
	views []session.View
}

func (l *listSessions) List(context.Context) ([]session.View, error) { return l.views, nil }

// TestReadinessFollowsQuorum: without quorum a node is not ready, but it is
// alive: a partition must not get it restarted.
func TestReadinessFollowsQuorum(t *testing.T) {
	_, nodes := newNodes(t, nil)
	a := nodes["a"]
	if code, _, body := call(t, a.ts, "GET", "/readyz", "", nil); code != 200 {
		t.Fatalf("readyz with quorum: %d %s", code, body)
	}
	noQuorum := errors.New("nats: no responders available for request")
	a.cluster.quorum.Store(&noQuorum)
	code, _, body := call(t, a.ts, "GET", "/readyz", "", nil)
	if p := decodeProblem(t, body); code != 503 || !strings.Contains(p.Detail, "quorum") || strings.Contains(p.Detail, "responders") {
		t.Errorf("readyz without quorum: %d %+v, want 503 naming the quorum, not the cause", code, p)
	}
	if code, _, body := call(t, a.ts, "GET", "/healthz", "", nil); code != 200 {
		t.Errorf("healthz without quorum: %d %s, want 200", code, body)
	}
}
