package app

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

// journal records what the components did, in order.
type journal struct {
	mu  sync.Mutex
	log []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, s)
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.log)
}

func recorded(j *journal, name string, openErr error) *component {
	return &component{name: name, timeout: time.Second,
		open:  func(context.Context) error { j.add("open " + name); return openErr },
		start: func(context.Context, func(error)) error { j.add("start " + name); return nil },
		close: func(context.Context) error { j.add("close " + name); return nil },
	}
}

// TestAppClosesInReverseAfterAPartialStart: a component failing to open
// stops the start; what was opened (the failed one included, which must
// clean up after itself) closes in reverse order, and nothing after it
// is touched.
func TestAppClosesInReverseAfterAPartialStart(t *testing.T) {
	j := &journal{}
	boom := errors.New("boom")
	a := &app{log: zerolog.Nop(), shutdown: 5 * time.Second,
		comps: []*component{recorded(j, "store", nil), recorded(j, "sessions", boom), recorded(j, "http", nil)}}
	err := a.run(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("run = %v, want the open failure", err)
	}
	want := []string{"open store", "open sessions", "close sessions", "close store"}
	if diff := cmp.Diff(want, j.get()); diff != "" {
		t.Fatalf("journal (-want +got):\n%s", diff)
	}
}

// TestAppFailureStopsEverything: a component failing while serving stops
// the app; every component closes in reverse order.
func TestAppFailureStopsEverything(t *testing.T) {
	j := &journal{}
	died := errors.New("listener died")
	http := recorded(j, "http", nil)
	http.start = func(_ context.Context, fail func(error)) error { j.add("start http"); go fail(died); return nil }
	a := &app{log: zerolog.Nop(), shutdown: 5 * time.Second, comps: []*component{recorded(j, "store", nil), http}}
	if err := a.run(context.Background()); !errors.Is(err, died) {
		t.Fatalf("run = %v, want %v", err, died)
	}
	want := []string{"open store", "open http", "start store", "start http", "close http", "close store"}
	if diff := cmp.Diff(want, j.get()); diff != "" {
		t.Fatalf("journal (-want +got):\n%s", diff)
	}
}

// TestShutdownTimeoutBoundsTheWhole: a component that will not close is
// left behind at its own timeout, the bound of the whole holds, and the
// components after it still close.
func TestShutdownTimeoutBoundsTheWhole(t *testing.T) {
	// A fake clock: the bound is asserted exactly, whatever the load.
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		stuck := recorded(j, "sessions", nil)
		stuck.timeout = time.Hour // the whole bound cuts it
		release := make(chan struct{})
		defer close(release)
		stuck.close = func(ctx context.Context) error {
			j.add("close sessions")
			<-release // ignores ctx, as a hung browser close would
			return nil
		}
		a := &app{log: zerolog.Nop(), shutdown: 300 * time.Millisecond,
			comps: []*component{recorded(j, "store", nil), stuck, recorded(j, "http", nil)}}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		began := time.Now()
		if err := a.run(ctx); err != nil {
			t.Fatal(err)
		}
		// The bound plus one forced grace; far below the stuck component's hour.
		if took, bound := time.Since(began), 300*time.Millisecond+forcedGrace; took > bound {
			t.Fatalf("shutdown took %s, want at most %s", took, bound)
		}
		got := j.get()
		if got[len(got)-1] != "close store" || !slices.Contains(got, "close http") {
			t.Fatalf("journal %v: the store did not close after the stuck component", got)
		}
	})
}

// TestServeCleansUpAfterAPartialStart: a server whose port is taken fails
// after its store, events, webhooks and sessions opened; it closes them,
// so a server on the same data path starts right after (the store holds
// a lock on its folder while open).
func TestServeCleansUpAfterAPartialStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	data := t.TempDir()
	args := []string{"--session-data-path", data, "--log-level", "error"}
	err = Serve(context.Background(), append(args, "--port", port), env(nil), io.Discard, io.Discard, Options{})
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Serve on a taken port = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, append(args, "--port", "0"), env(nil), io.Discard, io.Discard, Options{Started: func(Running) { cancel() }})
	}()
	select {
	case err := <-done:
		if err != nil || ctx.Err() == nil {
			t.Fatalf("second Serve on the same data path: %v (started: %v)", err, ctx.Err() != nil)
		}
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("second Serve did not start and stop")
	}
}
