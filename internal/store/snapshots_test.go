package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nats-io/nats.go/jetstream"

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
	get := func() []byte { return readSnapshot(t, snaps, "alice") }
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

// TestSnapshotPutFailsWhole cuts a put short: the error comes back, the
// previous snapshot is still the one read, and no chunk of the cut put is
// left in the bucket.
func TestSnapshotPutFailsWhole(t *testing.T) {
	ctx := context.Background()
	s := openT(t, "")
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := snaps.PutSnapshot(ctx, "alice", strings.NewReader("old snapshot")); err != nil {
		t.Fatal(err)
	}
	before := streamMsgs(t, s)
	cut := errors.New("disk read failed")
	src := io.MultiReader(io.LimitReader(rand.NewChaCha8([32]byte{}), 3<<20), iotest.ErrReader(cut))
	if err := snaps.PutSnapshot(ctx, "alice", src); !errors.Is(err, cut) {
		t.Fatalf("cut put = %v, want %v", err, cut)
	}
	if got := readSnapshot(t, snaps, "alice"); string(got) != "old snapshot" {
		t.Fatalf("after a cut put: %d bytes %.20q, want the old snapshot", len(got), got)
	}
	if after := streamMsgs(t, s); after != before {
		t.Fatalf("bucket holds %d messages after the cut put, %d before", after, before)
	}
}

// TestSnapshotsUncompressOldBucket opens a bucket made compressed by an
// earlier version, with a snapshot put by nats.go's own writer: it is read
// back whole, the bucket is no longer compressed, and a new put replaces it.
func TestSnapshotsUncompressOldBucket(t *testing.T) {
	ctx := context.Background()
	s := openT(t, "")
	old, err := s.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: snapshotBucket, Storage: jetstream.FileStorage, Compression: true})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("old snapshot "), 100_000)
	if _, err := old.Put(ctx, jetstream.ObjectMeta{Name: "alice"}, bytes.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info, err := snaps.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Compression != jetstream.NoCompression {
		t.Fatalf("bucket compression = %v after opening, want none", info.Config.Compression)
	}
	if got := readSnapshot(t, snaps, "alice"); !bytes.Equal(got, big) {
		t.Fatalf("old snapshot read back as %d bytes, want %d", len(got), len(big))
	}
	if err := snaps.PutSnapshot(ctx, "alice", strings.NewReader("new")); err != nil {
		t.Fatal(err)
	}
	if got := readSnapshot(t, snaps, "alice"); string(got) != "new" {
		t.Fatalf("after replacing: %.20q", got)
	}
	if n := streamMsgs(t, s); n != 2 {
		t.Fatalf("bucket holds %d messages, want 2 (one chunk, one meta): the old chunks were not purged", n)
	}
}

func readSnapshot(t *testing.T, snaps *Snapshots, id string) []byte {
	t.Helper()
	r, err := snaps.GetSnapshot(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func streamMsgs(t *testing.T, s *Store) uint64 {
	t.Helper()
	st, err := s.js.Stream(context.Background(), "OBJ_"+snapshotBucket)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
