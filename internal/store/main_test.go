package store

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind: Close must
// stop the embedded server and the client connection completely. The one
// goroutine ignored is nats.go v1.55's own ObjectStore.Put race: its private
// JetStream context's status goroutine can read its channel after Put's
// cleanup set it to nil and stay parked (a test here puts through it, as
// older versions did; snapshots no longer do).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"))
}

// openT opens a store in dir (a fresh temp dir when empty) and closes it when
// the test ends.
func openT(t testing.TB, dir string) *Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}
