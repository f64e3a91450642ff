package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

// testTTL is the lease TTL of these tests. The lease timing runs on the
// store's clock (the bucket's TTL is enforced by the NATS server), so no
// fake clock reaches it; 6 s leaves a renewal (every 2 s, lost after 4 s)
// room to be starved for a second or two on a loaded machine.
const testTTL = 6 * time.Second

// waitLong bounds a wait for something the nodes do within a TTL or two.
const waitLong = 4 * testTTL

// renewedAfter reports whether the leases bucket holds a's lease for id
// with a renewal sent after t.
func renewedAfter(c *Cluster, id string, t time.Time) bool {
	e, err := c.leases.Get(context.Background(), id)
	if err != nil {
		return false
	}
	var v leaseValue
	return json.Unmarshal(e.Value(), &v) == nil && v.Node == c.Self() && v.Renewed.After(t)
}

func openStore(t *testing.T) *store.Store { return openStoreB(t) }

func openStoreB(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, store.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openNode(t *testing.T, st *store.Store, name string, max int) *Cluster {
	t.Helper()
	c, err := Open(context.Background(), Config{JS: st.JetStream(), Node: name, URL: "http://" + name, TTL: testTTL, MaxSessions: max})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLeaseIsExclusiveAndReleased(t *testing.T) {
	st := openStore(t)
	a, b := openNode(t, st, "a", 0), openNode(t, st, "b", 0)
	ctx := context.Background()
	acquired := time.Now()
	la, err := a.Acquire(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "alice"); !errors.Is(err, session.ErrLeaseHeld) {
		t.Fatalf("b.Acquire of a's session = %v, want ErrLeaseHeld", err)
	}
	// Renewals keep it past its TTL: the bucket still holds a's lease, in a
	// renewal written more than a TTL after the acquire.
	waitFor(t, waitLong, "a renewal a TTL after the acquire", func() bool { return renewedAfter(a, "alice", acquired.Add(testTTL)) })
	node, url, local, ok, err := b.Owner(ctx, "alice")
	if err != nil || !ok || node != "a" || url != "http://a" || local {
		t.Fatalf("b.Owner = %q %q local=%v ok=%v %v; want a's", node, url, local, ok, err)
	}
	if !la.Valid() {
		t.Fatal("a renewing lease is not valid")
	}
	la.Report(session.Holding{Status: session.StatusWorking, Reason: session.ReasonScanned})
	waitFor(t, waitLong, "b to see a's report", func() bool {
		h, ok, err := b.Holder(ctx, "alice")
		return err == nil && ok && h.Node == "a" && h.Status == session.StatusWorking
	})
	la.Release(ctx)
	if la.Valid() {
		t.Error("released lease still valid")
	}
	lb, err := b.Acquire(ctx, "alice")
	if err != nil {
		t.Fatalf("b.Acquire after release: %v", err)
	}
	lb.Release(ctx)
}

// TestExpiredLeaseIsSeen: a lease left to expire (its node died) leaves a
// marker in the bucket, so the other nodes' watch notes it gone and
// placement moves the session at once instead of a look later.
func TestExpiredLeaseIsSeen(t *testing.T) {
	st := openStore(t)
	a, b := openNode(t, st, "a", 0), openNode(t, st, "b", 0)
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan struct{})
	go func() { defer close(watching); b.watchReleases(ctx) }()
	t.Cleanup(func() { cancel(); <-watching })
	if _, err := a.Acquire(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	a.die()
	waitFor(t, waitLong, "b to see a's expired lease", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.released["alice"]
	})
	if _, ok, err := b.Holder(ctx, "alice"); ok || err != nil {
		t.Errorf("b.Holder after the expiry: held %v, %v; want no lease", ok, err)
	}
}

// cutKV fails every write once cut, as a node partitioned from the
// cluster's majority sees them.
type cutKV struct {
	jetstream.KeyValue
	mu  sync.Mutex
	cut bool
}

func (k *cutKV) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	k.mu.Lock()
	cut := k.cut
	k.mu.Unlock()
	if cut {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return k.KeyValue.Update(ctx, key, value, rev)
}

func TestLeaseLostBeforeItExpiresElsewhere(t *testing.T) {
	st := openStore(t)
	a, b := openNode(t, st, "a", 0), openNode(t, st, "b", 0)
	kv := &cutKV{KeyValue: a.leases}
	a.leases = kv
	ctx := context.Background()
	acquired := time.Now()
	la, err := a.Acquire(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitLong, "a renewal before the cut", func() bool { return renewedAfter(a, "alice", acquired) })
	kv.mu.Lock()
	kv.cut = true
	kv.mu.Unlock()

	var lostAt, takenAt time.Time
	start := time.Now()
	deadline := time.After(5 * testTTL)
	for lostAt.IsZero() || takenAt.IsZero() {
		select {
		case <-la.Lost():
			if lostAt.IsZero() {
				lostAt = time.Now()
				if la.Valid() {
					t.Error("lost lease still valid")
				}
			}
		case <-deadline:
			t.Fatalf("after %v: lost at %v, taken by b at %v", time.Since(start), lostAt, takenAt)
		case <-time.After(10 * time.Millisecond):
		}
		if takenAt.IsZero() {
			if lb, err := b.Acquire(ctx, "alice"); err == nil {
				takenAt = time.Now()
				defer lb.Release(ctx)
			}
		}
	}
	if !lostAt.Before(takenAt) {
		t.Fatalf("a lost its lease at +%v, b took it at +%v: two owners at once", lostAt.Sub(start), takenAt.Sub(start))
	}
	t.Logf("cut at 0: a lost at +%v, b took it at +%v", lostAt.Sub(start), takenAt.Sub(start))
	la.Release(ctx)
}

// fakeSessions is the session manager's side of placement.
type fakeSessions struct {
	c      *Cluster
	wanted []string
	mu     sync.Mutex
	leases map[string]session.Lease
}

func (f *fakeSessions) Wanted(context.Context, time.Duration) ([]string, error) { return f.wanted, nil }
func (f *fakeSessions) Load() (int, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.leases), 0
}
func (f *fakeSessions) Adopt(ctx context.Context, id string) error {
	l, err := f.c.Acquire(ctx, id)
	if err != nil {
		return nil // another node won: the runner would end quietly
	}
	f.mu.Lock()
	f.leases[id] = l
	f.mu.Unlock()
	return nil
}
func (f *fakeSessions) HandOver(ctx context.Context, id string) error {
	f.mu.Lock()
	l := f.leases[id]
	delete(f.leases, id)
	f.mu.Unlock()
	if l != nil {
		l.Release(ctx)
	}
	return nil
}
func (f *fakeSessions) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.leases {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func TestPlacementSpreadsAndDrainMovesSessions(t *testing.T) {
	st := openStore(t)
	wanted := []string{"s1", "s2", "s3", "s4", "s5", "s6"}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var fs []*fakeSessions
	for _, name := range []string{"a", "b", "c"} {
		c := openNode(t, st, name, 3)
		f := &fakeSessions{c: c, wanted: wanted, leases: map[string]session.Lease{}}
		fs = append(fs, f)
		wg.Go(func() { c.Serve(ctx, f) })
	}
	total := func() (n int) {
		for _, f := range fs {
			n += len(f.ids())
		}
		return n
	}
	waitFor(t, 10*testTTL, "all six placed", func() bool { return total() == 6 })
	// Placement prefers the least loaded node from registry figures a
	// heartbeat old: the spread is even when the figures are fresh, and
	// always within --max-sessions on every node.
	for _, f := range fs {
		if n := len(f.ids()); n < 1 || n > 3 {
			t.Errorf("node %s runs %v, want one to three (max-sessions 3) of six on each of three nodes", f.c.Self(), f.ids())
		}
	}
	moved := fs[0].ids()
	if err := fs[0].c.Drain(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := fs[0].ids(); len(got) != 0 {
		t.Fatalf("a still runs %v after its drain", got)
	}
	waitFor(t, 10*testTTL, "the drained sessions on b and c", func() bool { return len(fs[1].ids()) == 3 && len(fs[2].ids()) == 3 })
	for _, id := range moved {
		node, _, _, ok, _ := fs[1].c.Owner(ctx, id)
		if !ok || node == "a" {
			t.Errorf("%s after a's drain: owner %q (ok %v), want b or c", id, node, ok)
		}
	}
	var nodes []Node
	waitFor(t, waitLong, "the registry to show a drained, b and c full", func() bool {
		nodes, _ = fs[1].c.Nodes(ctx)
		return len(nodes) == 3 && !nodes[0].Up && nodes[0].Sessions == 0 &&
			nodes[1].Up && nodes[1].Sessions == 3 && nodes[2].Up && nodes[2].Sessions == 3
	})
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
