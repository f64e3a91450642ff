package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/google/go-cmp/cmp"
)

type hook struct {
	URL    string `json:"url"`
	Events []int  `json:"events"`
}

func openHooks(t testing.TB) *KV[hook] {
	t.Helper()
	kv, err := OpenKV[hook](context.Background(), openT(t, "").JetStream(),
		BucketConfig{Bucket: "webhooks", Noun: "webhook"})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

// TestKVConcurrentAppends has 20 goroutines append to one slice through
// Update; compare-and-set must keep every append exactly once.
func TestKVConcurrentAppends(t *testing.T) {
	kv := openHooks(t)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "w1", hook{URL: "http://example.test"}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 20, 10
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := kv.Update(ctx, "w1", func(h *hook) error {
					h.Events = append(h.Events, g*each+i)
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	got, err := kv.Get(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	events := slices.Sorted(slices.Values(got.Value.Events))
	want := make([]int, writers*each)
	for i := range want {
		want[i] = i
	}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestKVRevisions(t *testing.T) {
	kv := openHooks(t)
	ctx := context.Background()
	r1, err := kv.Create(ctx, "w1", hook{URL: "a"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := kv.Put(ctx, "w1", hook{URL: "b"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Update(ctx, "w1", func(h *hook) error { h.URL += "c"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !(r1 < r2 && r2 < e.Revision) || e.Value.URL != "bc" {
		t.Errorf("revisions %d, %d, %d, value %q", r1, r2, e.Revision, e.Value.URL)
	}
	got, err := kv.Get(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("Get after Update (-update +get):\n%s", diff)
	}
}

func TestKVDefaultExistsCode(t *testing.T) {
	kv := openHooks(t)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "w1", hook{}); err != nil {
		t.Fatal(err)
	}
	_, err := kv.Create(ctx, "w1", hook{})
	if !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("Create of existing key: %v, want apperr.Conflict", err)
	}
	if _, err := kv.Get(ctx, "w2"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("Get of missing key: %v, want apperr.ErrNotFound", err)
	}
}

func TestKVListMany(t *testing.T) {
	kv := openHooks(t)
	ctx := context.Background()
	// More than the watcher's 256-entry buffer.
	var want []string
	for i := range 300 {
		k := fmt.Sprintf("w%03d", i)
		want = append(want, k)
		if _, err := kv.Put(ctx, k, hook{URL: k}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 { // overwrite: List shows the last value once
			if _, err := kv.Put(ctx, k, hook{URL: k}); err != nil {
				t.Fatal(err)
			}
		}
	}
	list, err := kv.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range list {
		if e.Value.URL != e.Key {
			t.Errorf("entry %s has value %q", e.Key, e.Value.URL)
		}
		got = append(got, e.Key)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List keys (-want +got):\n%s", diff)
	}
}

// BenchmarkUpdate measures one uncontended read-modify-write through KV.Update.
func BenchmarkUpdate(b *testing.B) {
	kv := openHooks(b)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "w1", hook{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := kv.Update(ctx, "w1", func(h *hook) error { h.URL = "x"; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateContended has GOMAXPROCS goroutines update one key.
func BenchmarkUpdateContended(b *testing.B) {
	kv := openHooks(b)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "w1", hook{}); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := kv.Update(ctx, "w1", func(h *hook) error { h.URL = "x"; return nil }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
