package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/logtest"
)

// profileLauncher launches fake pages that sit still and counts the pages
// open on each profile folder, so a test can tell whether two browsers ever
// shared one.
type profileLauncher struct {
	mu      sync.Mutex
	open    map[string]int
	shared  int // launches onto a profile another page still had open
	started int
	changed chan struct{} // closed and replaced whenever open changes
}

func newProfileLauncher() *profileLauncher {
	return &profileLauncher{open: map[string]int{}, changed: make(chan struct{})}
}

// count changes the pages open on dir by n; the caller holds mu.
func (l *profileLauncher) count(dir string, n int) {
	l.open[dir] += n
	close(l.changed)
	l.changed = make(chan struct{})
}

// waitOpen waits until n pages are open on dir.
func (l *profileLauncher) waitOpen(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		got, ch := l.open[dir], l.changed
		l.mu.Unlock()
		if got == n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%d browsers open on %s, want %d", got, dir, n)
		}
	}
}

func (l *profileLauncher) Launch(_ context.Context, spec LaunchSpec) (Page, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.started++
	if l.count(spec.ProfileDir, 1); l.open[spec.ProfileDir] > 1 {
		l.shared++
	}
	p := newFakePage(spec)
	p.onClose = func() {
		l.mu.Lock()
		l.count(spec.ProfileDir, -1)
		l.mu.Unlock()
	}
	return p, nil
}

func (l *profileLauncher) openOn(dir string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[dir]
}

// failures records every FAILED transition a session published.
type failures struct {
	mu  sync.Mutex
	got []string
}

func (f *failures) Publish(_ context.Context, id, typ string, data any) error {
	if ev, ok := data.(StatusEvent); ok && typ == EventStatus && ev.Status == StatusFailed {
		f.mu.Lock()
		f.got = append(f.got, fmt.Sprintf("%s: %s %s", id, ev.Reason, ev.Detail))
		f.mu.Unlock()
	}
	return nil
}

// TestLifecycleStorm sends 200 mixed create/delete/start/stop/restart calls
// on 5 ids, 50 at a time, some with a deadline too short for a close. No
// call may fail with anything but not-found, exists or pending; no session
// may fail to launch; two browsers never share a profile; afterwards every
// session settles where its record says, purged ids leave no browser and no
// folder, and the list equals the per-session views.
func TestLifecycleStorm(t *testing.T) {
	l := newProfileLauncher()
	fails := &failures{}
	var logs logtest.Buffer
	h := newHarness(t, func(c *ManagerConfig) {
		c.Launcher, c.Publisher = l, fails
		c.Log = zerolog.New(&logs).Level(zerolog.WarnLevel)
	})
	ids := []string{"s0", "s1", "s2", "s3", "s4"}
	rnd := rand.New(rand.NewPCG(20, 5))
	type call struct {
		op, id string
		short  bool
	}
	calls := make(chan call)
	go func() {
		ops := []string{"create", "create", "delete", "purge", "start", "stop", "restart"}
		for range 200 {
			calls <- call{ops[rnd.IntN(len(ops))], ids[rnd.IntN(len(ids))], rnd.IntN(4) == 0}
		}
		close(calls)
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 50 {
		wg.Go(func() {
			for c := range calls {
				ctx, cancel := context.WithCancel(context.Background())
				if c.short {
					ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
				}
				var err error
				switch c.op {
				case "create":
					_, err = h.m.Create(ctx, c.id, Config{}, true)
				case "delete", "purge":
					err = h.m.Delete(ctx, c.id, c.op == "purge")
				case "start":
					_, err = h.m.Start(ctx, c.id)
				case "stop":
					_, err = h.m.Stop(ctx, c.id)
				case "restart":
					_, err = h.m.Restart(ctx, c.id)
				}
				cancel()
				if _, pending := errors.AsType[*Pending](err); err != nil && !pending &&
					apperr.CodeOf(err) != apperr.SessionNotFound && apperr.CodeOf(err) != apperr.SessionExists &&
					!(c.short && apperr.CodeOf(err) == apperr.Timeout) {
					errs <- fmt.Errorf("%s %s: %w", c.op, c.id, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The last word on s0 and s1 is a purge; the others stay as they are.
	// The storm may have ended them with a plain delete (data kept) or a
	// purge still burying in the background, so they are created again
	// first: the purge then has a session to wipe and is waited for.
	ctx := context.Background()
	for _, id := range ids[:2] {
		if _, err := h.m.Create(ctx, id, Config{}, false); err != nil && apperr.CodeOf(err) != apperr.SessionExists {
			t.Fatalf("create %s before the final purge: %v", id, err)
		}
		if err := h.m.Delete(ctx, id, true); err != nil {
			t.Fatalf("final purge of %s: %v", id, err)
		}
	}
	for _, id := range ids[:2] {
		if n := l.openOn(ProfileDir(h.dir, id)); n != 0 {
			t.Errorf("%s purged with %d browsers open", id, n)
		}
		if _, err := os.Stat(ProfileDir(h.dir, id)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s purged but its profile folder stays: %v", id, err)
		}
		if _, err := h.m.Get(ctx, id); apperr.CodeOf(err) != apperr.SessionNotFound {
			t.Errorf("Get %s after purge = %v", id, err)
		}
	}
	list, err := h.m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range list {
		rec, err := h.reg.Get(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := StatusStopped
		if rec.Running {
			want = StatusStarting
		}
		got := h.wait2(v.ID, want)
		if got.ID != v.ID || got.Config != v.Config || got.CreatedAt != v.CreatedAt {
			t.Errorf("list shows %+v, GET %+v", v, got)
		}
		open := 0
		if rec.Running {
			open = 1
		}
		l.waitOpen(t, ProfileDir(h.dir, v.ID), open)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shared > 0 {
		t.Errorf("%d launches onto a profile another browser had open", l.shared)
	}
	if len(fails.got) > 0 {
		t.Errorf("sessions failed: %v", fails.got)
	}
	if w := logs.String(); w != "" {
		t.Errorf("warnings logged (supervisor, stop or purge trouble):\n%s", w)
	}
	t.Logf("%d browsers launched, %d sessions left", l.started, len(list))
}
