package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/nats-io/nats.go/jetstream"
)

// TestClusterReadsItsOwnWrites: a session created through one node is
// there at once when read through any other (a client that created it on
// node 1 and asks node 2 must not get a 404).
func TestClusterReadsItsOwnWrites(t *testing.T) {
	stores := openClusterT(t, 3)
	const rounds = 200
	for i := range rounds {
		id := fmt.Sprintf("s%d", i)
		writer := stores[i%3]
		// Each step gets its own deadline, generous for a loaded machine.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := writer.Sessions().Create(ctx, session.Record{ID: id, Running: true}); err != nil {
			cancel()
			t.Fatalf("create %s through node %d: %v", id, i%3+1, err)
		}
		for _, off := range []int{1, 2} {
			n := (i + off) % 3
			rec, err := stores[n].Sessions().Get(ctx, id)
			if err != nil || !rec.Running {
				cancel()
				t.Fatalf("round %d: %s created through node %d reads through node %d as %+v, %v", i, id, i%3+1, n+1, rec, err)
			}
		}
		// An update through one node is what the next read anywhere sees.
		if _, err := stores[(i+1)%3].Sessions().Update(ctx, id, func(r *session.Record) error { r.Running = false; return nil }); err != nil {
			cancel()
			t.Fatalf("update %s: %v", id, err)
		}
		rec, err := stores[(i+2)%3].Sessions().Get(ctx, id)
		cancel()
		if err != nil || rec.Running {
			t.Fatalf("round %d: %s updated through node %d reads through node %d as %+v, %v", i, id, (i+1)%3+1, (i+2)%3+1, rec, err)
		}
	}
}

// BenchmarkGet measures one session read: on a single node (the floor),
// and through a follower of a three-node cluster both as the direct get
// nats.go makes (any replica answers, possibly behind) and as the leader
// read Get makes there.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	rec := session.Record{ID: "alice", Running: true}
	b.Run("single-node", func(b *testing.B) {
		s := openT(b, "")
		if err := s.Sessions().Create(ctx, rec); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.Sessions().Get(ctx, "alice"); err != nil {
				b.Fatal(err)
			}
		}
	})
	stores := openClusterT(b, 3)
	if err := stores[0].Sessions().Create(ctx, rec); err != nil {
		b.Fatal(err)
	}
	follower := followerOf(b, stores, "KV_sessions")
	b.Run("cluster-follower-direct", func(b *testing.B) {
		js, err := jetstream.New(follower.Conn())
		if err != nil {
			b.Fatal(err)
		}
		kv, err := js.KeyValue(ctx, "sessions")
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := kv.Get(ctx, "alice"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cluster-follower-leader-read", func(b *testing.B) {
		for b.Loop() {
			if _, err := follower.Sessions().Get(ctx, "alice"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// followerOf returns a store of the cluster that does not lead stream.
func followerOf(t testing.TB, stores []*Store, stream string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := stores[0].JetStream().Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream %s info: %+v, %v", stream, info, err)
	}
	for _, s := range stores {
		if s.cfg.Cluster.Node != info.Cluster.Leader {
			return s
		}
	}
	t.Fatalf("every node leads %s", stream)
	return nil
}
