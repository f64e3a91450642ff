package session

import (
	"context"
	"errors"
	"time"
)

// Leases is what a cluster of nodes gives the Manager (ManagerConfig.Leases):
// a lease per running session, so that exactly one node runs its browser
// (DESIGN §11). nil means a single node that runs every session.
type Leases interface {
	// Self is this node's name.
	Self() string
	// Acquire takes id's lease for this node. It fails with an error
	// matching ErrLeaseHeld when another node holds it, and ErrNodeFull
	// when this node takes no more sessions (--max-sessions, draining).
	Acquire(ctx context.Context, id string) (Lease, error)
	// Holder returns the node holding id's lease and what that node last
	// reported of the session; ok is false while no node holds it.
	Holder(ctx context.Context, id string) (h Holding, ok bool, err error)
}

// Lease is this node's hold on one session.
type Lease interface {
	// Lost is closed once this node may no longer run the session: it
	// could not renew the lease within two thirds of its TTL (partition,
	// pause, no quorum), or another node holds it. The runner then kills
	// the browser at once: the lease may expire elsewhere a third of the
	// TTL later.
	Lost() <-chan struct{}
	// Valid reports whether the lease is still trusted now; a session's
	// events and snapshots are written only while it is.
	Valid() bool
	// Report publishes the session's live state with the lease, so that
	// every node shows it (renewals carry the latest).
	Report(h Holding)
	// Release gives the lease up once the browser is closed. It is safe to
	// call more than once and after Lost.
	Release(ctx context.Context)
}

// Holding is a session's live state as its lease holder reports it.
type Holding struct {
	Node    string       `json:"node"`
	Status  Status       `json:"status"`
	Reason  Reason       `json:"reason,omitempty"`
	Error   string       `json:"error,omitempty"`
	Attempt int          `json:"attempt"`
	History []Transition `json:"history,omitempty"`
}

// Errors of Leases.Acquire. Compare with errors.Is.
var (
	ErrLeaseHeld = errors.New("another node holds the session's lease")
	ErrNodeFull  = errors.New("this node takes no more sessions")
)

// leaseCloseTimeout bounds the close of a browser whose lease was lost:
// graceful when it is quick, killed otherwise, well within the third of the
// TTL left before the lease can expire elsewhere.
const leaseCloseTimeout = 500 * time.Millisecond

// Wanted returns the ids of the sessions whose record says they should run
// and did not change within settle, sorted; a cluster places those no node
// holds. A session just created or started is left out: the node that
// started it is taking its lease.
func (m *Manager) Wanted(ctx context.Context, settle time.Duration) ([]string, error) {
	if err := m.waitServing(ctx); err != nil {
		return nil, err
	}
	recs, err := m.cfg.Registry.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range recs {
		if r.Running && m.now().Sub(r.UpdatedAt) >= settle {
			out = append(out, r.ID)
		}
	}
	return out, nil
}

// Adopt starts on this node a session that should run and that no node
// holds (a cluster's placement): its runner takes the lease, restores the
// snapshot and re-auths. The reason is failover when another node ran it
// last, else boot. A session that should not run, or runs here, is left
// alone.
func (m *Manager) Adopt(ctx context.Context, id string) error {
	rec, s, unlock, err := m.lockSession(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if !rec.Running {
		return nil
	}
	reason := ReasonBoot
	if m.cfg.Leases != nil && rec.Node != "" && rec.Node != m.cfg.Leases.Self() {
		reason = ReasonFailover
	}
	s.start(reason)
	return nil
}

// HandOver closes a session's browser here gracefully, writes its final
// snapshot and releases its lease, leaving it wanted so that another node
// adopts it (drain). It returns once the browser is closed or ctx ends.
func (m *Manager) HandOver(ctx context.Context, id string) error {
	_, s, unlock, err := m.lockSession(ctx, id)
	if err != nil {
		return err
	}
	r := s.handOver()
	unlock()
	if !awaitRunner(ctx, r) {
		return context.Cause(ctx)
	}
	return nil
}

// Load returns how many browsers this node runs and their memory (PSS of
// the latest samples), for a cluster's placement.
func (m *Manager) Load() (sessions int, pssBytes int64) {
	m.mu.Lock()
	all := make([]*sess, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	for _, s := range all {
		s.mu.Lock()
		if s.page != nil {
			sessions++
			pssBytes += s.usage.PSSBytes
		}
		s.mu.Unlock()
	}
	return sessions, pssBytes
}

// handOver asks the live runner to stop for a hand-over and returns the
// latest runner (nil when it never ran).
func (s *sess) handOver() *runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runner
	if r != nil && r.liveLocked() {
		r.handover = true
		r.stopReason = ReasonShutdown
		r.cancel()
	}
	return r
}

// takeLease acquires the session's lease when the node is in a cluster and
// records this node as the last to run it. ok false means another node runs
// it or this one may not: the runner ends quietly.
func (r *runner) takeLease(ctx context.Context) (lease Lease, ok bool) {
	s, m := r.s, r.s.m
	if m.cfg.Leases == nil {
		return nil, true
	}
	lease, err := m.cfg.Leases.Acquire(ctx, s.id)
	if err != nil {
		s.log.Info().Err(err).Msg("not running here")
		return nil, false
	}
	self, prev := m.cfg.Leases.Self(), ""
	if _, err := m.cfg.Registry.Update(ctx, s.id, func(rec *Record) error { prev, rec.Node = rec.Node, self; return nil }); err != nil {
		s.log.Warn().Err(err).Msg("record the node")
	}
	s.mu.Lock()
	r.lease = lease
	// Another node ran it since: what this node's disk holds of it is
	// stale, the replicated snapshot is current.
	r.stale = prev != "" && prev != self
	s.mu.Unlock()
	return lease, true
}

// dropStale removes, once per runner, the profile and data file this node
// kept of a session another node ran since, so that the launch restores
// the snapshot that node left. The caller holds the profile lock.
func (r *runner) dropStale(prof profile) {
	r.s.mu.Lock()
	stale := r.stale
	r.stale = false
	r.s.mu.Unlock()
	if !stale {
		return
	}
	if err := errors.Join(prof.purge(), removeDataFile(r.s.m.cfg.DataPath, r.s.id)); err != nil {
		r.s.log.Warn().Err(err).Msg("drop the stale local profile")
	}
}

// watchLease returns ctx canceled once lease is lost, marking the runner's
// end quiet: another node may run the session already.
func (r *runner) watchLease(ctx context.Context, lease Lease) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-lease.Lost():
			r.s.mu.Lock()
			r.leaseLost = true
			r.s.mu.Unlock()
			r.s.log.Warn().Msg("lease lost: closing the browser")
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// quiet reports whether the runner ends without telling anyone: its lease
// was lost, or it hands the session over to another node.
func (r *runner) quiet() bool {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.leaseLost || r.handover
}

// leaseValid reports whether events of the session may be published: on a
// single node always; in a cluster while the runner's lease is trusted.
func (s *sess) leaseValid() bool {
	if s.m.cfg.Leases == nil {
		return true
	}
	s.mu.Lock()
	var lease Lease
	if r := s.runner; r != nil && !r.finished { // a finished runner has no browser left
		lease = r.lease
	}
	s.mu.Unlock()
	return lease == nil || lease.Valid()
}

// report tells the lease holder's registry the session's live state.
func (s *sess) report() {
	s.mu.Lock()
	var lease Lease
	if s.runner != nil && !s.runner.finished {
		lease = s.runner.lease
	}
	h := Holding{Status: s.status, Reason: s.reason, Error: s.errMsg, Attempt: s.attempt,
		History: append([]Transition(nil), s.history...)}
	s.mu.Unlock()
	if lease != nil {
		lease.Report(h)
	}
}

// clusterView shows, in a cluster, which node runs the session and, when
// another node does, the state that node reported.
func (m *Manager) clusterView(v View, s *sess) View {
	if m.cfg.Leases == nil {
		return v
	}
	s.mu.Lock()
	local := s.runner != nil && s.runner.lease != nil && !s.runner.finished
	s.mu.Unlock()
	if local {
		v.Node = m.cfg.Leases.Self()
		return v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h, ok, err := m.cfg.Leases.Holder(ctx, v.ID)
	if err != nil || !ok {
		return v
	}
	v.Node, v.Status, v.Reason, v.Error, v.Attempt = h.Node, h.Status, h.Reason, h.Error, h.Attempt
	if h.History != nil {
		v.History = h.History
	}
	v.Resources = Resources{}
	return v
}
