package cluster

import (
	"context"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Placement: every TTL/3 each node looks for sessions that should run and
// that no node holds. A session seen unleased twice in a row (once, when
// its lease was released or expired: both leave an entry the watch sees)
// is placed: all nodes compute
// the same assignment — each such session, in id order, to the up node with
// the fewest sessions, then the least memory, then the first name — and the
// node it falls to adopts it. Should that node not take it, any node with
// room adopts it after fallbackLooks. Two nodes racing for one session are
// told apart by the lease's create: one wins, the other's runner ends.
const (
	placeLooks    = 2
	fallbackLooks = 5
)

// Serve runs the node's heartbeat and the placement of sessions until ctx
// ends; then it stops. Drain before canceling ctx hands the sessions over.
func (c *Cluster) Serve(ctx context.Context, sessions Sessions) error {
	c.mu.Lock()
	c.sessions = sessions
	c.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); c.watchReleases(ctx) }()
	defer func() { cancel(); <-watched }()
	tick := time.NewTicker(c.ttl / 3)
	defer tick.Stop()
	for {
		c.heartbeat(ctx, sessions)
		c.place(ctx, sessions)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-c.kick:
		}
	}
}

// watchReleases notes leases deleted (released by a hand-over or a stop)
// or expired (the bucket's marker) so that placement need not wait for a
// second look.
func (c *Cluster) watchReleases(ctx context.Context) {
	w, err := c.leases.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		c.log.Warn().Err(err).Msg("watch leases")
		return
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil || e.Operation() == jetstream.KeyValuePut {
				continue
			}
			c.mu.Lock()
			c.released[e.Key()] = true
			c.mu.Unlock()
			select {
			case c.kick <- struct{}{}:
			default:
			}
		}
	}
}

// place adopts the unleased sessions that fall to this node.
func (c *Cluster) place(ctx context.Context, sessions Sessions) {
	c.mu.Lock()
	draining := c.draining
	c.mu.Unlock()
	if draining || c.Quorum() != nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, c.ttl/3)
	defer cancel()
	wanted, err := sessions.Wanted(lctx, c.ttl)
	if err != nil {
		c.log.Debug().Err(err).Msg("placement: list sessions")
		return
	}
	nodes, err := c.Nodes(lctx)
	if err != nil {
		c.log.Debug().Err(err).Msg("placement: list nodes")
		return
	}
	var ready, late []string
	c.mu.Lock()
	looks := map[string]int{}
	for _, id := range wanted {
		if c.held[id] != nil {
			continue
		}
		looks[id] = c.seen[id]
	}
	c.mu.Unlock()
	for id := range looks {
		if _, ok, err := c.holder(lctx, id); err != nil || ok {
			delete(looks, id)
			continue
		}
		looks[id]++
	}
	c.mu.Lock()
	for id, n := range looks {
		if c.released[id] {
			n = max(n, placeLooks)
		}
		switch {
		case n >= fallbackLooks:
			late = append(late, id)
		case n >= placeLooks:
			ready = append(ready, id)
		}
	}
	c.seen = looks
	for id := range c.released {
		if _, unleased := looks[id]; !unleased {
			delete(c.released, id)
		}
	}
	held := len(c.held)
	c.mu.Unlock()

	slices.Sort(ready)
	slices.Sort(late)
	mine := c.assign(ready, nodes, held)
	for _, id := range append(mine, late...) {
		if c.cfg.MaxSessions > 0 && held >= c.cfg.MaxSessions {
			return
		}
		c.log.Info().Str("session", id).Msg("placement: adopting")
		if err := sessions.Adopt(ctx, id); err != nil {
			c.log.Warn().Err(err).Str("session", id).Msg("placement: adopt")
			continue
		}
		held++
	}
}

// assign returns the ids, of those given in order, that fall to this node
// when each goes to the up node with room that has the fewest sessions,
// then the least memory, then the first name.
func (c *Cluster) assign(ids []string, nodes []Node, held int) []string {
	type load struct {
		name     string
		sessions int
		memory   int64
	}
	var loads []*load
	self := false
	for _, n := range nodes {
		if !n.Up {
			continue
		}
		l := &load{name: n.Name, sessions: n.Sessions, memory: n.MemoryBytes}
		if n.Name == c.cfg.Node {
			l.sessions, self = held, true
		}
		loads = append(loads, l)
	}
	if !self { // not yet in the registry: count this node anyway
		loads = append(loads, &load{name: c.cfg.Node, sessions: held})
	}
	var mine []string
	for _, id := range ids {
		best := -1
		for i, l := range loads {
			if c.cfg.MaxSessions > 0 && l.sessions >= c.cfg.MaxSessions && l.name == c.cfg.Node {
				continue
			}
			if best < 0 || l.sessions < loads[best].sessions ||
				l.sessions == loads[best].sessions && (l.memory < loads[best].memory ||
					l.memory == loads[best].memory && l.name < loads[best].name) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		loads[best].sessions++
		if loads[best].name == c.cfg.Node {
			mine = append(mine, id)
		}
	}
	return mine
}
