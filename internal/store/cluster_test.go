package store

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/nats-io/nats.go/jetstream"
)

// freeRoutePorts returns n loopback host:port pairs free right now.
func freeRoutePorts(t testing.TB, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		out[i] = ln.Addr().String()
		ln.Close()
	}
	return out
}

// OpenClusterT opens n stores forming one NATS cluster on loopback and
// closes them when the test ends (those still open).
func openClusterT(t testing.TB, n int) []*Store {
	t.Helper()
	addrs := freeRoutePorts(t, n)
	peers := make([]string, n)
	for i, a := range addrs {
		peers[i] = "nats://" + a
	}
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stores[i], errs[i] = Open(ctx, Config{Dir: t.TempDir(), Cluster: ClusterConfig{
				Name: "test", Listen: addrs[i], Peers: peers, Node: fmt.Sprintf("n%d", i+1)}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open node %d: %v", i+1, err)
		}
	}
	t.Cleanup(func() {
		for _, s := range stores {
			s.Close()
		}
	})
	return stores
}

func TestClusterReplicatesAndSurvivesANode(t *testing.T) {
	stores := openClusterT(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	if err := stores[0].Sessions().Create(ctx, session.Record{ID: "alice", Running: true}); err != nil {
		t.Fatal(err)
	}
	awaitRunning(t, ctx, stores[2], "alice", true)
	info, err := stores[1].JetStream().KeyValue(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	st, err := info.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.Replicas; got != 3 {
		t.Errorf("sessions bucket has %d replicas, want 3", got)
	}

	// Two of three keep quorum: writes go on without node 1.
	if err := stores[0].Close(); err != nil {
		t.Fatalf("Close node 1: %v", err)
	}
	// Until the two elect new leaders a request may go unanswered: each try
	// gets its own short deadline so one lost request cannot use up the wait.
	deadline := time.Now().Add(45 * time.Second)
	for {
		tctx, tcancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := stores[1].Sessions().Update(tctx, "alice", func(r *session.Record) error { r.Running = false; return nil })
		tcancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("write after losing one node of three: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for err := stores[2].Quorum(ctx); err != nil; err = stores[2].Quorum(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("Quorum with two of three nodes: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	awaitRunning(t, ctx, stores[2], "alice", false)
}

// awaitRunning waits until s reads session id with Running == want. Reads
// go to the stream's leader, but right after a node died there may be
// none yet and a read falls back to any replica, which may be behind.
func awaitRunning(t *testing.T, ctx context.Context, s *Store, id string, want bool) {
	t.Helper()
	for readBy := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// Each read its own deadline: one lost in an election must not
		// use up the wait.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		rec, err := s.Sessions().Get(rctx, id)
		cancel()
		if err == nil && rec.Running == want {
			return
		}
		if time.Now().After(readBy) {
			t.Fatalf("%s reads as %+v, %v; want Running %v", id, rec, err, want)
		}
	}
}
