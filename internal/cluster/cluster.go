package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// DefaultTTL is the lease TTL when Config.TTL is zero. Two thirds of it
// must outlast a JetStream leader election (4 to 9 s after a node dies or
// freezes), else every node loses its leases whenever one node goes.
const DefaultTTL = 30 * time.Second

// Buckets of the cluster.
const (
	leasesBucket = "leases"
	nodesBucket  = "nodes"
)

// Config configures Open.
type Config struct {
	// JS is the shared (replicated) JetStream of the store.
	JS jetstream.JetStream
	// Node is this node's unique name; URL its advertised API URL.
	Node, URL string
	// TTL is the lease TTL: a dead node's sessions move once it expired.
	// Default DefaultTTL.
	TTL time.Duration
	// MaxSessions bounds the sessions this node runs; 0 means no bound.
	MaxSessions int
	// Quorum reports whether the store has JetStream quorum.
	Quorum func(context.Context) error
	Log    zerolog.Logger
}

// Sessions is what the cluster drives on this node: the session manager.
type Sessions interface {
	// Wanted lists the sessions that should run, on some node, leaving
	// out those whose record changed within settle (a node starting one
	// takes its lease itself).
	Wanted(ctx context.Context, settle time.Duration) ([]string, error)
	// Adopt starts a session here; its runner takes the lease.
	Adopt(ctx context.Context, id string) error
	// HandOver closes a session here gracefully and releases its lease.
	HandOver(ctx context.Context, id string) error
	// Load is how many browsers this node runs and their memory.
	Load() (sessions int, pssBytes int64)
}

// Cluster is this node's membership: the leases it holds, its entry in the
// node registry and the placement of sessions no node holds. It implements
// session.Leases for the session manager and the API's Cluster port.
type Cluster struct {
	cfg    Config
	ttl    time.Duration
	log    zerolog.Logger
	leases jetstream.KeyValue
	nodes  jetstream.KeyValue

	mu       sync.Mutex
	held     map[string]*lease
	draining bool
	sessions Sessions
	seen     map[string]int // placement: consecutive looks that found a wanted session unleased
	released map[string]bool
	kick     chan struct{}
}

var _ session.Leases = (*Cluster)(nil)

// Open creates (or opens) the leases and nodes buckets.
func Open(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Node == "" {
		return nil, errors.New("cluster: Config.Node is empty")
	}
	c := &Cluster{cfg: cfg, ttl: cfg.TTL, log: cfg.Log.With().Str("node", cfg.Node).Logger(),
		held: map[string]*lease{}, seen: map[string]int{}, released: map[string]bool{}, kick: make(chan struct{}, 1)}
	if c.ttl <= 0 {
		c.ttl = DefaultTTL
	}
	var err error
	c.leases, err = cfg.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: leasesBucket, Description: "easy-api session leases: which node runs each session", History: 1,
		// A lease that expires leaves a marker the placement's watch sees, so
		// a dead node's sessions are placed at once, not a look later.
		TTL: c.ttl, LimitMarkerTTL: c.ttl, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("cluster: open %s bucket: %w", leasesBucket, err)
	}
	c.nodes, err = cfg.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: nodesBucket, Description: "easy-api node registry: address and load of each node", History: 1,
		TTL: max(10*c.ttl, time.Minute), Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("cluster: open %s bucket: %w", nodesBucket, err)
	}
	return c, nil
}

// Self is this node's name.
func (c *Cluster) Self() string { return c.cfg.Node }

// TTL is the lease TTL.
func (c *Cluster) TTL() time.Duration { return c.ttl }

// killAfter is how long without a successful renewal a lease is trusted.
func (c *Cluster) killAfter() time.Duration { return c.ttl * 2 / 3 }

// Acquire implements session.Leases.
func (c *Cluster) Acquire(ctx context.Context, id string) (session.Lease, error) {
	c.mu.Lock()
	switch {
	case c.draining:
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: draining", session.ErrNodeFull)
	case c.cfg.MaxSessions > 0 && len(c.held) >= c.cfg.MaxSessions:
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: %d sessions (--max-sessions)", session.ErrNodeFull, len(c.held))
	case c.held[id] != nil:
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: this node already runs it", session.ErrLeaseHeld)
	}
	c.mu.Unlock()

	sent := time.Now()
	data, err := json.Marshal(leaseValue{Node: c.cfg.Node, URL: c.cfg.URL, Renewed: sent.UTC(),
		Session: session.Holding{Node: c.cfg.Node, Status: session.StatusStarting}})
	if err != nil {
		return nil, err
	}
	rev, err := c.leases.Create(ctx, id, data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		rev, err = c.takeOwnStale(ctx, id, data)
	}
	if err != nil {
		return nil, err
	}
	l := newLease(c, id, rev, sent)
	c.mu.Lock()
	c.held[id] = l
	delete(c.seen, id)
	delete(c.released, id)
	c.mu.Unlock()
	return l, nil
}

// takeOwnStale takes over a lease that names this node but that no lease
// of this process holds: left by this node's previous process (killed and
// restarted within the TTL). Any other lease is ErrLeaseHeld.
func (c *Cluster) takeOwnStale(ctx context.Context, id string, data []byte) (uint64, error) {
	e, err := c.leases.Get(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("%w (%v)", session.ErrLeaseHeld, err)
	}
	var v leaseValue
	if json.Unmarshal(e.Value(), &v) != nil || v.Node != c.cfg.Node {
		return 0, fmt.Errorf("%w: node %s", session.ErrLeaseHeld, v.Node)
	}
	rev, err := c.leases.Update(ctx, id, data, e.Revision())
	if err != nil {
		return 0, fmt.Errorf("%w (%v)", session.ErrLeaseHeld, err)
	}
	return rev, nil
}

// forget drops a released lease.
func (c *Cluster) forget(l *lease) {
	c.mu.Lock()
	if c.held[l.id] == l {
		delete(c.held, l.id)
	}
	c.mu.Unlock()
}

// holder returns id's lease as the bucket holds it; ok false when none is
// current (a lease not renewed within the TTL counts as gone even before
// the server removes it).
func (c *Cluster) holder(ctx context.Context, id string) (leaseValue, bool, error) {
	e, err := c.leases.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return leaseValue{}, false, nil
	}
	if err != nil {
		return leaseValue{}, false, err
	}
	var v leaseValue
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return leaseValue{}, false, fmt.Errorf("cluster: decode lease of %s: %w", id, err)
	}
	if time.Since(v.Renewed) > c.ttl {
		return leaseValue{}, false, nil
	}
	return v, true, nil
}

// Holder implements session.Leases.
func (c *Cluster) Holder(ctx context.Context, id string) (session.Holding, bool, error) {
	v, ok, err := c.holder(ctx, id)
	return v.Session, ok, err
}

// Owner returns the node holding id's lease and its advertised URL; local
// is true when this node holds it; ok is false while no node does (in
// transit).
func (c *Cluster) Owner(ctx context.Context, id string) (node, url string, local, ok bool, err error) {
	v, ok, err := c.holder(ctx, id)
	if err != nil || !ok {
		return "", "", false, false, err
	}
	c.mu.Lock()
	l := c.held[id]
	c.mu.Unlock()
	return v.Node, v.URL, v.Node == c.cfg.Node && l != nil && l.Valid(), true, nil
}

// Quorum reports whether the store has JetStream quorum.
func (c *Cluster) Quorum() error {
	if c.cfg.Quorum == nil {
		return nil
	}
	return c.cfg.Quorum(context.Background())
}

// Nodes lists the nodes of the registry, sorted by name. A node is up when
// it renewed its entry within the lease TTL.
func (c *Cluster) Nodes(ctx context.Context) ([]Node, error) {
	w, err := c.nodes.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("cluster: list nodes: %w", err)
	}
	defer w.Stop()
	byName := map[string]Node{}
	for e := range w.Updates() {
		if e == nil {
			break
		}
		var n Node
		if json.Unmarshal(e.Value(), &n) == nil {
			byName[n.Name] = n
		}
	}
	out := make([]Node, 0, len(byName))
	for _, n := range byName {
		n.Up = n.Up && time.Since(n.LastRenewal) < c.ttl // a draining node writes Up false
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// heartbeat writes this node's registry entry.
func (c *Cluster) heartbeat(ctx context.Context, sessions Sessions) {
	c.mu.Lock()
	n := Node{Name: c.cfg.Node, URL: c.cfg.URL, Up: !c.draining, Sessions: len(c.held), LastRenewal: time.Now().UTC()}
	c.mu.Unlock()
	_, n.MemoryBytes = sessions.Load()
	data, _ := json.Marshal(n)
	ctx, cancel := context.WithTimeout(ctx, c.ttl/3)
	defer cancel()
	if _, err := c.nodes.Put(ctx, c.cfg.Node, data); err != nil {
		c.log.Debug().Err(err).Msg("node registry heartbeat")
	}
}

// Drain hands this node's sessions over, one at a time: each is closed
// gracefully here (final snapshot, lease released) and the next follows
// once another node holds it, or after three TTLs. The node takes no new
// session afterwards. A drain of another node is the API's to forward.
func (c *Cluster) Drain(ctx context.Context, node string) error {
	if node != c.cfg.Node {
		return &apperr.Error{Code: apperr.Invalid, Detail: fmt.Sprintf("node %q is not this node (%s); its own API drains it", node, c.cfg.Node)}
	}
	c.mu.Lock()
	c.draining = true
	sessions := c.sessions
	ids := make([]string, 0, len(c.held))
	for id := range c.held {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	if sessions == nil {
		return nil
	}
	sort.Strings(ids)
	c.log.Info().Int("sessions", len(ids)).Msg("draining")
	for _, id := range ids {
		if err := sessions.HandOver(ctx, id); err != nil && apperr.CodeOf(err) != apperr.SessionNotFound {
			return fmt.Errorf("cluster: hand %s over: %w", id, err)
		}
		c.awaitTaken(ctx, id)
	}
	return nil
}

// awaitTaken waits until another node holds id's lease, no other node is
// up to take it, or three TTLs pass.
func (c *Cluster) awaitTaken(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, 3*c.ttl)
	defer cancel()
	for {
		if v, ok, _ := c.holder(ctx, id); ok && v.Node != c.cfg.Node {
			return
		}
		if nodes, err := c.Nodes(ctx); err == nil && !anyOtherUp(nodes, c.cfg.Node) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func anyOtherUp(nodes []Node, self string) bool {
	for _, n := range nodes {
		if n.Up && n.Name != self {
			return true
		}
	}
	return false
}
