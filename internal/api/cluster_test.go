package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/cluster"
	"github.com/easy-api/easy-api/internal/session"
)

// leases is the cluster's shared state as the fakes see it: who owns each
// session and where each node listens. A node's own view may disagree
// (owners), as it does while a lease moves.
type leases struct {
	mu     sync.Mutex
	owner  map[string]string // session id → node; "" = no node holds it
	urls   map[string]string // node → advertised URL
	drains []string          // nodes Drain was called for, in order
}

// fakeCluster is one node's api.Cluster over the shared leases.
type fakeCluster struct {
	self   string
	l      *leases
	owners map[string]string // this node's own view, over l.owner when set
	quorum atomic.Pointer[error]
}

// set records that node holds session id's lease ("" = none).
func (l *leases) set(id, node string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.owner[id] = node
}

// believe makes this node see node as id's owner, whatever the others see.
func (c *fakeCluster) believe(id, node string) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.owners[id] = node
}

func (c *fakeCluster) Self() string { return c.self }

func (c *fakeCluster) Owner(_ context.Context, id string) (string, string, bool, bool, error) {
	if session.ValidateID(id) != nil {
		return "", "", false, false, errors.New("nats: invalid key") // as the KV bucket answers
	}
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	node, ok := c.owners[id]
	if !ok {
		node = c.l.owner[id]
	}
	if node == "" {
		return "", "", false, false, nil
	}
	return node, c.l.urls[node], node == c.self, true, nil
}

func (c *fakeCluster) Nodes(context.Context) ([]cluster.Node, error) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	var nodes []cluster.Node
	for _, name := range []string{"a", "b"} {
		if u, ok := c.l.urls[name]; ok {
			nodes = append(nodes, cluster.Node{Name: name, URL: u, Up: true})
		}
	}
	return nodes, nil
}

func (c *fakeCluster) Drain(_ context.Context, node string) error {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.l.drains = append(c.l.drains, c.self+" drains "+node)
	return nil
}

func (c *fakeCluster) Quorum() error {
	if err := c.quorum.Load(); err != nil {
		return *err
	}
	return nil
}

// node is one real API server of a two-node test cluster. Its sessions
// answer me with the node's name, so a test sees who served a request.
type node struct {
	ts      *httptest.Server
	cluster *fakeCluster
	calls   atomic.Int32 // session calls this node's domain got
}

const nodeAdminKey = "cluster-admin-key-0123456789"

// newNodes starts nodes a and b over shared leases; keys, when set, are
// each node's scoped keys (a revocation or change may reach them apart);
// edit, when set, adjusts both nodes' config.
func newNodes(t testing.TB, keys map[string]map[string]apikey.Key, edit ...func(*api.Config)) (*leases, map[string]*node) {
	t.Helper()
	l := &leases{owner: map[string]string{}, urls: map[string]string{}}
	nodes := map[string]*node{}
	for _, name := range []string{"a", "b"} {
		n := &node{cluster: &fakeCluster{self: name, l: l, owners: map[string]string{}}}
		sessions := &fakeSessions{
			MeFn: func(_ context.Context, id string) (session.Account, error) {
				n.calls.Add(1)
				return session.Account{ID: id + "@" + name, PushName: name}, nil
			},
			GetFn: func(_ context.Context, id string) (session.View, error) {
				if id == "moving" {
					return session.View{ID: id, Status: session.StatusWorking}, nil
				}
				return session.View{ID: id, Status: session.StatusStopped}, nil
			},
			QRFn: func(_ context.Context, id string) (session.QR, error) {
				n.calls.Add(1)
				return session.QR{}, apperr.E(apperr.NotScanQRCode, "session %q is WORKING on node %s", id, name)
			},
			SendFn: func(_ context.Context, id string, out session.Outgoing) (session.Message, error) {
				n.calls.Add(1)
				return session.Message{ID: "sent-by-" + name, ChatID: out.ChatID, Body: out.Text}, nil
			},
			MessagesFn: func(_ context.Context, id, chat string, limit int, before string) ([]session.Message, error) {
				n.calls.Add(1)
				return []session.Message{{ID: name, ChatID: chat, Body: before + "/" + string(rune('0'+limit))}}, nil
			},
			DeleteFn: func(context.Context, string, bool) error {
				n.calls.Add(1)
				return nil
			},
		}
		cfg := api.Config{Sessions: sessions, Cluster: n.cluster, Log: zerolog.Nop(), AdminKey: nodeAdminKey,
			Mount: func(r chi.Router, wrap func(func(http.ResponseWriter, *http.Request) error) http.HandlerFunc) {
				// The event routes, as the events package mounts them.
				local := func(w http.ResponseWriter, _ *http.Request) error {
					_, err := w.Write([]byte("stream served by " + name))
					return err
				}
				r.Get("/v1/ws", wrap(local))
				r.Get("/v1/sessions/{id}/events", wrap(local))
			}}
		if keys != nil {
			cfg.Keys = &fakeKeys{byKey: keys[name]}
		}
		for _, e := range edit {
			e(&cfg)
		}
		n.ts = httptest.NewServer(api.New(cfg))
		t.Cleanup(n.ts.Close)
		l.urls[name] = n.ts.URL
		nodes[name] = n
	}
	return l, nodes
}

var admin = map[string]string{"X-Api-Key": nodeAdminKey}

func TestForwardToTheOwner(t *testing.T) {
	l, nodes := newNodes(t, nil)
	l.set("alice", "b")
	a, b := nodes["a"], nodes["b"]

	t.Run("a call for b's session is answered by b", func(t *testing.T) {
		code, h, body := call(t, a.ts, "GET", "/v1/sessions/alice/me", "", admin)
		if code != 200 || !strings.Contains(string(body), `"id":"alice@b"`) {
			t.Fatalf("me via a: %d %s, want b's account", code, body)
		}
		if h.Get(api.NodeHeader) != "b" {
			t.Errorf("%s = %q, want b", api.NodeHeader, h.Get(api.NodeHeader))
		}
		if got := h.Values("X-Content-Type-Options"); len(got) != 1 {
			t.Errorf("X-Content-Type-Options %v: the owner's and the forwarder's headers doubled", got)
		}
		if a.calls.Load() != 0 {
			t.Errorf("node a's domain got %d calls; it does not own alice", a.calls.Load())
		}
	})

	t.Run("method, body, path and query reach the owner", func(t *testing.T) {
		code, _, body := call(t, a.ts, "POST", "/v1/sessions/alice/messages", `{"chat_id":"15551234567","text":"hi from a"}`,
			map[string]string{"Authorization": "Bearer " + nodeAdminKey})
		if code != http.StatusCreated || !strings.Contains(string(body), `"id":"sent-by-b"`) || !strings.Contains(string(body), "hi from a") {
			t.Errorf("send via a: %d %s, want b's 201 with the text", code, body)
		}
		code, _, body = call(t, a.ts, "GET", "/v1/sessions/alice/chats/15551234567@c.us/messages?limit=5&before=m1", "", admin)
		if code != 200 || !strings.Contains(string(body), `"id":"b"`) || !strings.Contains(string(body), `"body":"m1/5"`) {
			t.Errorf("messages via a: %d %s, want b's answer to limit=5 before=m1", code, body)
		}
	})

	t.Run("the owner's error is the caller's error", func(t *testing.T) {
		direct, _, want := call(t, b.ts, "GET", "/v1/sessions/alice/qr", "", admin)
		code, h, got := call(t, a.ts, "GET", "/v1/sessions/alice/qr", "", admin)
		wp, gp := decodeProblem(t, want), decodeProblem(t, got)
		wp.RequestID, gp.RequestID = "", ""
		if code != direct || code != http.StatusConflict || wp != gp || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("qr via a: %d %+v, direct on b: %d %+v", code, gp, direct, wp)
		}
		if !strings.Contains(gp.Detail, "on node b") {
			t.Errorf("detail %q, want b's", gp.Detail)
		}
	})

	t.Run("a body over the limit is a 413", func(t *testing.T) {
		l, small := newNodes(t, nil, func(c *api.Config) { c.MaxBodyBytes, c.MaxDataBytes = 1<<10, 1<<10 })
		l.set("alice", "b")
		body := `{"chat_id":"15551234567","text":"` + strings.Repeat("x", 4<<10) + `"}`
		code, _, got := call(t, small["a"].ts, "POST", "/v1/sessions/alice/messages", body, admin)
		if p := decodeProblem(t, got); code != http.StatusRequestEntityTooLarge || p.Code != "body_too_large" {
			t.Errorf("%d %+v, want 413", code, p)
		}
		if small["b"].calls.Load() != 0 {
			t.Error("the owner's session got the send")
		}
	})

	t.Run("the session resource, lists and streams are served here", func(t *testing.T) {
		before := b.calls.Load()
		for _, path := range []string{"/v1/ws?session=alice", "/v1/sessions/alice/events"} {
			code, _, body := call(t, a.ts, "GET", path, "", admin)
			if code != 200 || string(body) != "stream served by a" {
				t.Errorf("GET %s via a: %d %q, want it served by a", path, code, body)
			}
		}
		code, h, body := call(t, a.ts, "GET", "/v1/sessions/alice", "", admin)
		if code != 200 || h.Get(api.NodeHeader) != "" {
			t.Errorf("GET the session via a: %d %s (node %q), want a's own answer", code, body, h.Get(api.NodeHeader))
		}
		if b.calls.Load() != before {
			t.Error("node b was asked")
		}
	})

	t.Run("a delete goes to the owner, whose browser it must stop", func(t *testing.T) {
		before := a.calls.Load()
		code, h, body := call(t, a.ts, "DELETE", "/v1/sessions/alice", "", admin)
		if code != http.StatusNoContent || h.Get(api.NodeHeader) != "b" {
			t.Errorf("DELETE via a: %d %s (node %q), want b's 204", code, body, h.Get(api.NodeHeader))
		}
		if a.calls.Load() != before {
			t.Error("node a deleted b's session itself")
		}
	})

	t.Run("an invalid id is refused here", func(t *testing.T) {
		code, _, body := call(t, a.ts, "GET", "/v1/sessions/no%20such/me", "", admin)
		if p := decodeProblem(t, body); code != http.StatusBadRequest || p.Code != "invalid_session_id" {
			t.Errorf("%d %+v, want 400 invalid_session_id", code, p)
		}
	})

	t.Run("the owner serves its own session", func(t *testing.T) {
		code, h, body := call(t, b.ts, "GET", "/v1/sessions/alice/me", "", admin)
		if code != 200 || h.Get(api.NodeHeader) != "b" || !strings.Contains(string(body), "alice@b") {
			t.Errorf("me on b: %d %s node %q", code, body, h.Get(api.NodeHeader))
		}
	})
}

func TestOwnerUnreachable(t *testing.T) {
	wantUnreachable := func(t *testing.T, code int, h http.Header, body []byte, detail string) {
		t.Helper()
		p := decodeProblem(t, body)
		if code != http.StatusServiceUnavailable || p.Code != "owner_unreachable" || !strings.Contains(p.Detail, detail) {
			t.Errorf("%d %+v, want 503 owner_unreachable saying %q", code, p, detail)
		}
		if h.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	}

	t.Run("owner down", func(t *testing.T) {
		l, nodes := newNodes(t, nil)
		l.set("alice", "b")
		nodes["b"].ts.Close()
		start := time.Now()
		code, h, body := call(t, nodes["a"].ts, "GET", "/v1/sessions/alice/me", "", admin)
		wantUnreachable(t, code, h, body, "does not answer")
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("the 503 lost the server's own headers")
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v to say the owner is down", d)
		}
	})

	t.Run("lease in transit", func(t *testing.T) {
		_, nodes := newNodes(t, nil)
		code, h, body := call(t, nodes["a"].ts, "GET", "/v1/sessions/moving/me", "", admin)
		wantUnreachable(t, code, h, body, "no node holds its lease")
	})

	t.Run("a stopped session with no lease is answered here", func(t *testing.T) {
		_, nodes := newNodes(t, nil)
		code, h, body := call(t, nodes["a"].ts, "GET", "/v1/sessions/idle/qr", "", admin)
		if p := decodeProblem(t, body); code != http.StatusConflict || !strings.Contains(p.Detail, "on node a") || h.Get(api.NodeHeader) != "a" {
			t.Errorf("%d %+v, want a's own 409", code, p)
		}
	})

	t.Run("loop guard", func(t *testing.T) {
		// Each node believes the other holds the lease (it is moving).
		l, nodes := newNodes(t, nil)
		l.set("alice", "b")
		nodes["b"].cluster.believe("alice", "a")
		code, h, body := call(t, nodes["a"].ts, "GET", "/v1/sessions/alice/me", "", admin)
		wantUnreachable(t, code, h, body, "moved to node a while the request was being forwarded")
		if c := nodes["a"].calls.Load() + nodes["b"].calls.Load(); c != 0 {
			t.Errorf("the sessions got %d calls", c)
		}
	})

	t.Run("a request already forwarded is never forwarded again", func(t *testing.T) {
		l, nodes := newNodes(t, nil)
		l.set("alice", "b")
		code, h, body := call(t, nodes["a"].ts, "GET", "/v1/sessions/alice/me", "",
			map[string]string{"X-Api-Key": nodeAdminKey, api.ForwardedByHeader: "c"})
		wantUnreachable(t, code, h, body, "moved to node b")
		if nodes["b"].calls.Load() != 0 {
			t.Error("node b was asked")
		}
	})
}

// TestScopedKeyOnTheOwner: the caller's key goes with the request and the
// owner checks it again, so a key's scope holds on every node.
func TestScopedKeyOnTheOwner(t *testing.T) {
	aliceOnly := apikey.Key{ID: "k1", Sessions: []string{"alice"}}
	bobOnly := apikey.Key{ID: "k1", Sessions: []string{"bob"}}
	keys := map[string]map[string]apikey.Key{
		// Node b holds the key's newer scope (it changed while a's view
		// lagged), so only b's check can refuse alice.
		"a": {"scoped-alice": aliceOnly, "scoped-bob": bobOnly, "stale": aliceOnly},
		"b": {"scoped-alice": aliceOnly, "scoped-bob": bobOnly, "stale": bobOnly},
	}
	l, nodes := newNodes(t, keys)
	l.set("alice", "b")
	l.set("bob", "b")
	a, b := nodes["a"].ts, nodes["b"]
	for _, tt := range []struct {
		name, key, path string
		want            int
	}{
		{"in scope", "scoped-alice", "/v1/sessions/alice/me", 200},
		{"out of scope here", "scoped-bob", "/v1/sessions/alice/me", 404},
		{"out of scope on the owner", "stale", "/v1/sessions/alice/me", 404},
		{"unknown key", "nope", "/v1/sessions/alice/me", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := b.calls.Load()
			code, _, body := call(t, a, "GET", tt.path, "", map[string]string{"X-Api-Key": tt.key})
			if code != tt.want {
				t.Errorf("%d %s, want %d", code, body, tt.want)
			}
			if reached := b.calls.Load() != before; reached != (tt.want == 200) {
				t.Errorf("b's session reached: %v", reached)
			}
		})
	}
}
