package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
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

// gatedWorking returns a harness whose browsers close only once gate is
// closed (a slow graceful close), with session id linked and WORKING on
// the page it returns.
func gatedWorking(t *testing.T, id string) (*harness, chan struct{}, *fakePage) {
	t.Helper()
	gate := make(chan struct{})
	h := newHarness(t, func(c *ManagerConfig) {
		c.CloseTimeout = time.Minute
		c.Launcher.(*fakeLauncher).CloseGate = gate
	})
	h.create(id, Config{})
	p := h.page()
	link(p)
	h.wait(id, StatusWorking)
	return h, gate, p
}

// purgePending purges id with a deadline shorter than its browser's close
// and checks that the answer is Pending.
func purgePending(h *harness, id string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := h.m.Delete(ctx, id, true)
	if _, ok := errors.AsType[*Pending](err); !ok {
		h.t.Fatalf("Delete = %v, want Pending", err)
	}
}

// TestStopAnswersPendingThenFinishes: a stop whose deadline is shorter than
// the graceful close answers at its deadline with the current status; the
// runner finishes the close, and a start meanwhile launches only after it.
func TestStopAnswersPendingThenFinishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, gate, p := gatedWorking(t, "slow")

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		v, err := h.m.Stop(ctx, "slow")
		cancel()
		pending, ok := errors.AsType[*Pending](err)
		if !ok || v.ID != "" || pending.View.Status != StatusWorking {
			t.Fatalf("Stop = %+v, %v; want a Pending showing WORKING", v, err)
		}
		if _, err := h.m.Start(context.Background(), "slow"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case <-h.l.pages:
			t.Fatal("a second browser launched while the first was closing")
		default:
		}
		close(gate)
		p2 := h.page()
		if !p.closed {
			t.Fatal("relaunched before the old browser closed")
		}
		v2 := h.wait2("slow", StatusResuming)
		if !historyHasReason(v2, StatusStopped, ReasonAPI) {
			t.Errorf("history %+v lacks the stop", v2.History)
		}
		_ = p2
	})
}

// TestDeletePendingThenCreateWaitsForTheBurial: a purge whose deadline ends
// while the browser closes answers Pending; the id is gone at once, and a
// session created again with it launches only once the old profile is
// purged, on a fresh profile.
func TestDeletePendingThenCreateWaitsForTheBurial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, gate, _ := gatedWorking(t, "dup")
		purgePending(h, "dup")
		if _, err := h.m.Get(context.Background(), "dup"); apperr.CodeOf(err) != apperr.SessionNotFound {
			t.Fatalf("Get while burying = %v, want not found", err)
		}
		if list, _ := h.m.List(context.Background()); len(list) != 0 {
			t.Fatalf("list while burying = %+v", list)
		}
		h.create("dup", Config{})
		synctest.Wait()
		if len(h.l.pages) != 0 {
			t.Fatal("the new session launched while the deleted one's browser was closing")
		}
		close(gate)
		p := h.page()
		if (profile{dir: p.spec.ProfileDir}).hasAuth() {
			t.Fatal("the new session launched on the purged session's stored auth")
		}
		v := h.wait2("dup", StatusStarting)
		if historyHas(v, StatusWorking) {
			t.Errorf("new session's history %+v carries the old one's", v.History)
		}
	})
}

// TestDeleteWaitsForTheCloseAndPurges: with time enough, a purge answers
// once the browser closed and the folder is gone, and nothing re-creates
// the session's state afterwards.
func TestDeleteWaitsForTheCloseAndPurges(t *testing.T) {
	h := newHarness(t, nil)
	h.create("gone", Config{})
	p := h.page()
	link(p)
	h.wait("gone", StatusWorking)
	if err := h.m.Delete(context.Background(), "gone", true); err != nil {
		t.Fatal(err)
	}
	if !p.closed {
		t.Error("Delete answered before the browser closed")
	}
	if _, err := os.Stat(ProfileDir(h.dir, "gone")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile folder after purge: %v", err)
	}
	for _, call := range []func() error{
		func() error { _, err := h.m.Start(context.Background(), "gone"); return err },
		func() error { _, err := h.m.Stop(context.Background(), "gone"); return err },
		func() error { _, err := h.m.QR(context.Background(), "gone"); return err },
		func() error { return h.m.Delete(context.Background(), "gone", true) },
	} {
		if err := call(); apperr.CodeOf(err) != apperr.SessionNotFound {
			t.Errorf("call on a deleted session = %v, want not found", err)
		}
	}
	if s := h.m.live("gone"); s != nil {
		t.Error("a call re-created the deleted session's state")
	}
}

func historyHas(v View, st Status) bool {
	for _, h := range v.History {
		if h.Status == st {
			return true
		}
	}
	return false
}

// TestRecordMissedAtBootIsAdopted: a record the boot listing did not see (a
// store hiccup) still answers, in the list and by id, and can start; only a
// deleted session's record stays gone.
func TestRecordMissedAtBootIsAdopted(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.reg.Create(ctx, Record{ID: "late"}); err != nil {
		t.Fatal(err)
	}
	if list, err := h.m.List(ctx); err != nil || len(list) != 1 || list[0].ID != "late" || list[0].Status != StatusStopped {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if _, err := h.m.Start(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	h.page()
	h.wait("late", StatusStarting)
}

// TestImportWaitsForTheBurial: an import right after a purge that is still
// closing the browser waits for the burial, so the purge cannot wipe the
// imported profile, and the session resumes from what was imported.
func TestImportWaitsForTheBurial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, gate, _ := gatedWorking(t, "imp")
		purgePending(h, "imp")
		b := dataFile(t, DataFile{Version: DataFileVersion, Session: "imp", Kind: KindMD, WID: "1@c.us"}, profileSnapshot(t, "imported"))
		imported := make(chan error, 1)
		go func() {
			_, err := h.m.ImportData(context.Background(), "imp", bytes.NewReader(b))
			imported <- err
		}()
		synctest.Wait()
		select {
		case err := <-imported:
			t.Fatalf("import answered (%v) while the deleted session's browser was still closing", err)
		default:
		}
		close(gate)
		if err := <-imported; err != nil {
			t.Fatalf("import after the burial: %v", err)
		}
		h.wait("imp", StatusResuming)
		got, err := os.ReadFile(filepath.Join(ProfileDir(h.dir, "imp"), "Default", "Local Storage", "x"))
		if err != nil || string(got) != "imported" {
			t.Fatalf("profile after import = %q, %v; want the imported data", got, err)
		}
	})
}
