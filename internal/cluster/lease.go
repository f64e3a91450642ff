package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/easy-api/easy-api/internal/session"
)

// leaseValue is a lease as the leases bucket holds it, keyed by session id.
type leaseValue struct {
	Node    string          `json:"node"`
	URL     string          `json:"url"`
	Renewed time.Time       `json:"renewed"`
	Session session.Holding `json:"session"`
}

// lease is this node's hold on one session: renewed every TTL/3 by a
// compare-and-set on its revision, and lost — Lost closed, the browser
// killed by the session's runner — when no renewal succeeded for 2/3 of the
// TTL, measured on the monotonic clock from the moment the last successful
// renewal was sent (the bucket's TTL counts from when the server wrote it,
// which is later). The last third of the TTL is the margin in which the
// browser dies before the lease can expire and be taken elsewhere.
type lease struct {
	c  *Cluster
	id string

	mu       sync.Mutex
	rev      uint64
	renewed  time.Time // monotonic reading: send time of the last successful write
	holding  session.Holding
	lost     bool
	released bool

	lostC   chan struct{}
	reportC chan struct{} // a new Report to write now
	stop    chan struct{}
	done    chan struct{}
}

var _ session.Lease = (*lease)(nil)

func newLease(c *Cluster, id string, rev uint64, sent time.Time) *lease {
	l := &lease{c: c, id: id, rev: rev, renewed: sent, lostC: make(chan struct{}),
		reportC: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

// Lost implements session.Lease.
func (l *lease) Lost() <-chan struct{} { return l.lostC }

// Valid implements session.Lease.
func (l *lease) Valid() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.lost && !l.released && time.Since(l.renewed) < l.c.killAfter()
}

// Report implements session.Lease: the state rides on the next write,
// which it asks for at once.
func (l *lease) Report(h session.Holding) {
	l.mu.Lock()
	l.holding = h
	l.mu.Unlock()
	select {
	case l.reportC <- struct{}{}:
	default:
	}
}

// Release implements session.Lease: it stops the renewals and deletes the
// lease (compare-and-set on its revision, so a lease another node took
// meanwhile stays), which tells the other nodes at once.
func (l *lease) Release(ctx context.Context) {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return
	}
	l.released = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	l.c.forget(l)
	l.mu.Lock()
	lost, rev := l.lost, l.rev
	l.mu.Unlock()
	if lost {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, l.c.ttl/3)
	defer cancel()
	if err := l.c.leases.Delete(ctx, l.id, jetstream.LastRevision(rev)); err != nil {
		l.c.log.Warn().Err(err).Str("session", l.id).Msg("release lease (it expires by itself)")
	}
}

// run renews the lease until Release, or until it is lost. The kill
// deadline has its own timer: a renewal stuck on a partitioned store must
// not delay it.
func (l *lease) run() {
	defer close(l.done)
	var kill *time.Timer
	kill = time.AfterFunc(l.c.killAfter(), func() {
		l.mu.Lock()
		left := l.c.killAfter() - time.Since(l.renewed)
		l.mu.Unlock()
		if left > 0 {
			kill.Reset(left)
			return
		}
		l.markLost("no renewal for 2/3 of the lease TTL")
	})
	defer kill.Stop()
	tick := time.NewTicker(l.c.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.lostC:
			return
		case <-tick.C:
		case <-l.reportC:
		}
		if !l.renew() {
			return
		}
	}
}

// renew writes the lease with the latest state; false when it is lost.
func (l *lease) renew() bool {
	l.mu.Lock()
	v := leaseValue{Node: l.c.cfg.Node, URL: l.c.cfg.URL, Session: l.holding}
	rev := l.rev
	l.mu.Unlock()
	v.Session.Node = l.c.cfg.Node
	sent := time.Now()
	v.Renewed = sent.UTC()
	data, err := json.Marshal(v)
	if err != nil {
		l.markLost("encode lease: " + err.Error())
		return false
	}
	// A slow answer still counts until the kill deadline: give it that long.
	l.mu.Lock()
	left := l.c.killAfter() - time.Since(l.renewed)
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), max(left, l.c.ttl/6))
	defer cancel()
	next, err := l.c.leases.Update(ctx, l.id, data, rev)
	switch {
	case err == nil:
		l.mu.Lock()
		// Lost is final: a renewal answered after the kill does not revive it.
		if !l.lost {
			l.rev, l.renewed = next, sent
		}
		l.mu.Unlock()
		return true
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyExists),
		errors.Is(err, jetstream.ErrKeyNotFound):
		l.markLost("the lease expired or another node took it")
		return false
	default:
		l.c.log.Debug().Err(err).Str("session", l.id).Msg("renew lease")
		return true // retried at the next tick, until the kill deadline
	}
}

func (l *lease) markLost(why string) {
	l.mu.Lock()
	already := l.lost
	l.lost = true
	l.mu.Unlock()
	if already {
		return
	}
	l.c.log.Warn().Str("session", l.id).Str("why", why).Msg("lease lost")
	close(l.lostC)
}
