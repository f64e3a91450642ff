package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/google/go-cmp/cmp"
)

func TestSessionRegistryCRUD(t *testing.T) {
	reg := openT(t, "").Sessions()
	ctx := context.Background()

	list, err := reg.List(ctx)
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("List of empty bucket = %#v, %v; want empty non-nil slice", list, err)
	}

	for _, id := range []string{"carol", "alice", "bob"} {
		if err := reg.Create(ctx, session.Record{ID: id}); err != nil {
			t.Fatalf("Create(%s): %v", id, err)
		}
	}
	list, err = reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alice", "bob", "carol"}, ids(list)); diff != "" {
		t.Errorf("List ids (-want +got):\n%s", diff)
	}

	got, err := reg.Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "alice" || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Errorf("Get = %+v, want id alice with CreatedAt = UpdatedAt set", got)
	}

	if err := reg.Delete(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := reg.Delete(ctx, "bob"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if err := reg.Delete(ctx, "never-existed"); err != nil {
		t.Fatalf("Delete of missing id: %v", err)
	}
	list, err = reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alice", "carol"}, ids(list)); diff != "" {
		t.Errorf("List ids after delete (-want +got):\n%s", diff)
	}
	// A deleted id can be created again.
	if err := reg.Create(ctx, session.Record{ID: "bob"}); err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
}

func TestSessionRegistryErrors(t *testing.T) {
	reg := openT(t, "").Sessions()
	ctx := context.Background()
	if err := reg.Create(ctx, session.Record{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Create(ctx, session.Record{ID: "gone"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	noop := func(*session.Record) error { return nil }

	tests := []struct {
		name string
		call func() error
		want error
		code apperr.Code
	}{
		{"create existing", func() error { return reg.Create(ctx, session.Record{ID: "alice"}) },
			apperr.ErrExists, apperr.SessionExists},
		{"get missing", func() error { _, err := reg.Get(ctx, "bob"); return err },
			apperr.ErrNotFound, apperr.NotFound},
		{"get deleted", func() error { _, err := reg.Get(ctx, "gone"); return err },
			apperr.ErrNotFound, apperr.NotFound},
		{"update missing", func() error { _, err := reg.Update(ctx, "bob", noop); return err },
			apperr.ErrNotFound, apperr.NotFound},
		{"update deleted", func() error { _, err := reg.Update(ctx, "gone", noop); return err },
			apperr.ErrNotFound, apperr.NotFound},
		{"invalid key", func() error { _, err := reg.Get(ctx, "a b"); return err },
			nil, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.want)
			}
			if got := apperr.CodeOf(err); got != tt.code {
				t.Errorf("code = %s, want %s (err %v)", got, tt.code, err)
			}
		})
	}
}

func TestSessionRegistryUpdate(t *testing.T) {
	reg := openT(t, "").Sessions()
	ctx := context.Background()
	if err := reg.Create(ctx, session.Record{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	before, _ := reg.Get(ctx, "alice")
	time.Sleep(time.Millisecond) // UpdatedAt must move

	got, err := reg.Update(ctx, "alice", func(r *session.Record) error {
		r.Running = true
		r.ID = "mallory" // ignored: the key is the identity
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Running || got.ID != "alice" || !got.UpdatedAt.After(before.UpdatedAt) ||
		!got.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("Update returned %+v (before %+v)", got, before)
	}
	stored, _ := reg.Get(ctx, "alice")
	if diff := cmp.Diff(got, stored); diff != "" {
		t.Errorf("stored record differs from returned (-returned +stored):\n%s", diff)
	}

	// An error from fn is returned as is and nothing is written.
	boom := errors.New("boom")
	_, err = reg.Update(ctx, "alice", func(r *session.Record) error {
		r.Running = false
		return boom
	})
	if err != boom {
		t.Errorf("Update err = %v, want fn's error unchanged", err)
	}
	if after, _ := reg.Get(ctx, "alice"); !after.Running {
		t.Error("failed Update wrote its change")
	}
}

// TestSessionRegistryConcurrentUpdates checks that compare-and-set loses no
// write: every goroutine's increments are present at the end.
func TestSessionRegistryConcurrentUpdates(t *testing.T) {
	reg := openT(t, "").Sessions()
	ctx := context.Background()
	if err := reg.Create(ctx, session.Record{ID: "alice"}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 20, 5
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if _, err := reg.Update(ctx, "alice", func(r *session.Record) error {
					r.Config.QRMax++
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := reg.Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.QRMax != writers*each {
		t.Errorf("QRMax = %d after %d increments", got.Config.QRMax, writers*each)
	}
}

func ids(rs []session.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
