package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// die stops a node as SIGKILL would: renewals stop, nothing is released.
func (c *Cluster) die() {
	c.mu.Lock()
	held := make([]*lease, 0, len(c.held))
	for _, l := range c.held {
		held = append(held, l)
	}
	c.mu.Unlock()
	for _, l := range held {
		l.mu.Lock()
		l.released = true
		l.mu.Unlock()
		close(l.stop)
		<-l.done
	}
}

// benchTTL is the benchmark's lease TTL: short, since it measures (the
// tests' longer testTTL is there for a loaded machine).
const benchTTL = 2 * time.Second

// BenchmarkLeaseMove measures the lease part of a failover alone, at 3 and
// 30 sessions on the dead node: the time from a node's death to every one
// of its sessions' leases held by the two other nodes — lease expiry plus
// placement, with fake sessions (no browser, no re-auth). The whole
// failover, kill → WORKING with real processes and browsers, is
// BenchmarkClusterFailover in cmd/easy-api. The floor, in the same run, is
// the lease TTL: no lease can move sooner.
func BenchmarkLeaseMove(b *testing.B) {
	for _, n := range []int{3, 30} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			for range b.N {
				took := failoverOnce(b, n)
				b.ReportMetric(took.Seconds(), "s/lease-move")
				b.ReportMetric(benchTTL.Seconds(), "s/floor-ttl")
			}
		})
	}
}

func failoverOnce(b *testing.B, perNode int) time.Duration {
	ctx := context.Background()
	st := openStoreB(b)
	var wanted []string
	for i := range 3 * perNode {
		wanted = append(wanted, fmt.Sprintf("s%02d", i))
	}
	var fs []*fakeSessions
	var cancels []context.CancelFunc
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		c, err := Open(ctx, Config{JS: st.JetStream(), Node: name, URL: "http://" + name, TTL: benchTTL})
		if err != nil {
			b.Fatal(err)
		}
		f := &fakeSessions{c: c, wanted: wanted, leases: map[string]session.Lease{}}
		fs = append(fs, f)
		sctx, cancel := context.WithCancel(ctx)
		cancels = append(cancels, cancel)
		wg.Go(func() { c.Serve(sctx, f) })
	}
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
		wg.Wait()
	}()
	total := func(nodes ...*fakeSessions) (n int) {
		for _, f := range nodes {
			n += len(f.ids())
		}
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	for total(fs...) != len(wanted) {
		if time.Now().After(deadline) {
			b.Fatal("sessions never all placed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	killed := time.Now()
	cancels[0]()
	fs[0].c.die()
	for total(fs[1], fs[2]) != len(wanted) {
		if time.Since(killed) > 60*time.Second {
			b.Fatal("the dead node's sessions never moved")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(killed)
}
