package store

import (
	"context"
	"fmt"
	"net"
	"strings"
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
// closes them when the test ends (those still open); edit adjusts each
// node's cluster settings.
func openClusterT(t testing.TB, n int, edit ...func(*ClusterConfig)) []*Store {
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
			cc := ClusterConfig{Name: "test", Listen: addrs[i], Peers: peers, Node: fmt.Sprintf("n%d", i+1)}
			for _, e := range edit {
				e(&cc)
			}
			stores[i], errs[i] = Open(ctx, Config{Dir: t.TempDir(), Cluster: cc})
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

// TestClusterSecretKeepsStrangersOut: nodes with --cluster-secret form
// their cluster; a server that knows their routes but not the secret is
// refused, so it never sees a meta leader, let alone the store.
func TestClusterSecretKeepsStrangersOut(t *testing.T) {
	withSecret := func(cc *ClusterConfig) { cc.Secret = "the-cluster-secret" }
	stores := openClusterT(t, 3, withSecret)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := stores[0].Sessions().Create(ctx, session.Record{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	peers := []string{}
	for _, s := range stores {
		peers = append(peers, "nats://"+s.cfg.Cluster.Listen)
	}
	for _, secret := range []string{"", "a-guess"} {
		_, err := Open(ctx, Config{Dir: t.TempDir(), QuorumTimeout: 8 * time.Second, Cluster: ClusterConfig{
			Name: "test", Listen: freeRoutePorts(t, 1)[0], Peers: peers, Node: "intruder", Secret: secret}})
		if err == nil || !strings.Contains(err.Error(), "quorum") {
			t.Errorf("a server with secret %q joined the cluster: Open = %v", secret, err)
		}
	}
	// The nodes' JetStream cluster counts only themselves (the meta
	// leader answers).
	peerCount := 0
	for _, s := range stores {
		peerCount = max(peerCount, len(s.server().JetStreamClusterPeers()))
	}
	if peerCount != 3 {
		t.Errorf("%d JetStream peers, want the 3 nodes", peerCount)
	}
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
