package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

func TestSnapshots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openT(t, dir)
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snaps.GetSnapshot(ctx, "alice"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("missing = %v, want not found", err)
	}
	big := bytes.Repeat([]byte("snapshot"), 300_000) // > one chunk, > the 1 MB message limit
	if err := snaps.PutSnapshot(ctx, "alice", bytes.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	get := func() []byte {
		t.Helper()
		r, err := snaps.GetSnapshot(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := get(); !bytes.Equal(got, big) {
		t.Fatalf("get = %d bytes, want %d", len(got), len(big))
	}
	if err := snaps.PutSnapshot(ctx, "alice", bytes.NewReader(big[:10])); err != nil {
		t.Fatal(err)
	}
	if got := get(); !bytes.Equal(got, big[:10]) {
		t.Fatalf("get = %q after replacing", got)
	}
	if err := snaps.DeleteSnapshot(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := snaps.DeleteSnapshot(ctx, "alice"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := snaps.GetSnapshot(ctx, "alice"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("after delete = %v", err)
	}
}
