package store

import (
	"context"
	"encoding/json"
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
					n := 0
					if r.Config.QRMax != nil {
						n = *r.Config.QRMax
					}
					r.Config.QRMax = new(n + 1)
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
	if got.Config.QRMax == nil || *got.Config.QRMax != writers*each {
		t.Errorf("QRMax = %v after %d increments", got.Config.QRMax, writers*each)
	}
}

func ids(rs []session.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestRecordOfAnOlderVersionReadsAsOverrides loads a record as versions
// before config_version 2 wrote it (every field, defaults baked in, an
// auth_timeout of 0 from --auth-timeout 0): only what differs from that
// version's built-in defaults is an override, the 0 is dropped, and the
// next write stores the overrides alone.
func TestRecordOfAnOlderVersionReadsAsOverrides(t *testing.T) {
	st := openT(t, "")
	ctx := context.Background()
	kv, err := st.JetStream().KeyValue(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	old := `{"id":"old","config":{"headful":false,"auth_timeout":"0s","qr_timeout":"5m0s","qr_max":6,` +
		`"relink_on_logout":false,"max_memory":0,"multi_device":true,"takeover_on_conflict":false},` +
		`"running":true,"created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-01T10:00:00Z"}`
	if _, err := kv.Put(ctx, "old", []byte(old)); err != nil {
		t.Fatal(err)
	}
	reg := st.Sessions()
	want := session.Config{QRTimeout: new(session.Duration(5 * time.Minute)), RelinkOnLogout: new(false)}
	got, err := reg.Get(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Config); diff != "" || !got.Running {
		t.Fatalf("read (-want +got):\n%s running %v", diff, got.Running)
	}
	if _, err := reg.Update(ctx, "old", func(r *session.Record) error { r.Running = false; return nil }); err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Config        map[string]any `json:"config"`
		ConfigVersion int            `json:"config_version"`
	}
	if err := json.Unmarshal(e.Value(), &raw); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"qr_timeout": "5m0s", "relink_on_logout": false}, raw.Config); diff != "" || raw.ConfigVersion != 2 {
		t.Fatalf("rewritten config (-want +got):\n%s version %d", diff, raw.ConfigVersion)
	}
	list, err := reg.List(ctx)
	if err != nil || len(list) != 1 || cmp.Diff(want, list[0].Config) != "" {
		t.Fatalf("List = %+v, %v", list, err)
	}
}
