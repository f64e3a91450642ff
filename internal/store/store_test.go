package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

func TestOpenValidatesConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		cfg  Config
	}{
		{"no dir", context.Background(), Config{}},
		{"bad sync", context.Background(), Config{Dir: t.TempDir(), Sync: "sometimes"}},
		{"dir is a file", context.Background(), Config{Dir: file}},
		{"canceled", canceled, Config{Dir: t.TempDir()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.ctx, tt.cfg)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
		})
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	s, err := Open(context.Background(), Config{Dir: t.TempDir(), Sync: SyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if !s.Conn().IsClosed() {
		t.Error("connection still open after Close")
	}
	if s.server().Running() {
		t.Error("server still running after Close")
	}
}

func TestCloseOfUnopenedStore(t *testing.T) {
	if err := new(Store).Close(); err != nil {
		t.Fatal(err)
	}
}

func TestJetStreamIsShared(t *testing.T) {
	s := openT(t, "")
	ctx := context.Background()
	// The events package adds its own streams on the same server.
	if _, err := s.JetStream().CreateStream(ctx, jetstream.StreamConfig{
		Name: "EVENTS", Subjects: []string{"events.>"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JetStream().Publish(ctx, "events.alice.session.status", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	names := s.JetStream().StreamNames(ctx)
	var got []string
	for n := range names.Name() {
		got = append(got, n)
	}
	if err := names.Err(); err != nil && !errors.Is(err, jetstream.ErrEndOfData) {
		t.Fatal(err)
	}
	if !slices.Contains(got, "EVENTS") || !slices.Contains(got, "KV_sessions") {
		t.Errorf("streams = %v, want EVENTS and KV_sessions", got)
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	want := session.Record{ID: "alice", Running: true,
		Me: &session.Account{ID: "15551234567@c.us", Phone: "15551234567", PushName: "Alice"}}

	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions().Create(ctx, want); err != nil {
		t.Fatal(err)
	}
	want, err = s.Sessions().Get(ctx, "alice") // with timestamps
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	got, err := openT(t, dir).Sessions().Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
}

func TestSecondOpenOfDirFails(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Open(context.Background(), Config{Dir: dir}); !errors.Is(err, ErrLocked) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Close released the lock.
	openT(t, dir)
}

// TestFailedOpenCleansUp makes Open fail after the server started (the
// sessions bucket cannot be created because another stream owns its
// subjects) and relies on goleak and the lock to show nothing was left
// running.
func TestFailedOpenCleansUp(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.JetStream().DeleteStream(ctx, "KV_sessions"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JetStream().CreateStream(ctx, jetstream.StreamConfig{
		Name: "SQUATTER", Subjects: []string{"$KV.sessions.>"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Twice: the second attempt must get as far as the first, not find the
	// directory still locked.
	for range 2 {
		s, err := Open(ctx, Config{Dir: dir})
		if err == nil {
			s.Close()
			t.Fatal("Open succeeded with the sessions subjects taken")
		}
		if errors.Is(err, ErrLocked) {
			t.Fatalf("Open: %v; the failed Open kept its lock", err)
		}
	}
}

func TestReady(t *testing.T) {
	s := openT(t, "")
	if err := s.Ready(); err != nil {
		t.Fatalf("Ready after Open = %v", err)
	}
	s.Close()
	if err := s.Ready(); err == nil {
		t.Fatal("Ready after Close = nil")
	}
}
