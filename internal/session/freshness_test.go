package session

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeProfile is a profile whose changes a test makes, with the snapshots
// the refresher took of it.
type fakeProfile struct {
	mu      sync.Mutex
	changed time.Time   // the newest change
	copied  time.Time   // the newest change the latest snapshot holds
	last    time.Time   // when the latest snapshot was taken
	taken   []time.Time // every snapshot
	busy    int         // the next takes that find the profile changing
}

func (f *fakeProfile) change() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changed = time.Now()
}

func (f *fakeProfile) look() (profileState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return profileState{changed: f.changed, last: f.last, dirty: f.changed.After(f.copied)}, nil
}

func (f *fakeProfile) take(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy > 0 {
		f.busy--
		return errProfileBusy
	}
	f.copied, f.last = f.changed, time.Now()
	f.taken = append(f.taken, f.last)
	return nil
}

func (f *fakeProfile) snapshots() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.taken...)
}

// runRefresh starts a refresh loop on f and returns its stop, which
// reports whether the loop ended.
func runRefresh(p RefreshPolicy, f *fakeProfile) (stop func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		refreshLoop(ctx, p, time.Now, f.look, f.take)
	}()
	return func() bool {
		cancel()
		synctest.Wait()
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

func TestRefreshAfterChangesSettle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := RefreshPolicy{Settle: 30 * time.Second, MinInterval: time.Minute, MaxAge: time.Hour}
		start := time.Now()
		f := &fakeProfile{changed: start, copied: start, last: start.Add(-time.Hour / 2)}
		stop := runRefresh(p, f)
		time.Sleep(10 * time.Minute)
		if got := f.snapshots(); len(got) != 0 {
			t.Fatalf("snapshots of an unchanged profile at %v", got)
		}
		// A burst of changes, one every 10 s for a minute: no snapshot until
		// the profile has held still for Settle after the last one.
		for range 6 {
			f.change()
			time.Sleep(10 * time.Second)
		}
		lastChange := time.Now().Add(-10 * time.Second)
		time.Sleep(2 * time.Minute)
		got := f.snapshots()
		if len(got) != 1 {
			t.Fatalf("snapshots after a burst = %v, want one", got)
		}
		if d := got[0].Sub(lastChange); d < p.Settle || d > p.Settle+p.poll() {
			t.Errorf("snapshot %v after the last change, want within a poll (%v) after settle (%v)", d, p.poll(), p.Settle)
		}
		if !stop() {
			t.Error("refresh loop still running after stop")
		}
	})
}

func TestRefreshNeverMoreOftenThanMinInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := RefreshPolicy{Settle: 5 * time.Second, MinInterval: 5 * time.Minute}
		f := &fakeProfile{}
		stop := runRefresh(p, f)
		defer stop()
		// One change every 20 s for half an hour: each settles, but the
		// snapshots keep the minimum interval.
		for range 90 {
			f.change()
			time.Sleep(20 * time.Second)
		}
		got := f.snapshots()
		if len(got) < 5 {
			t.Fatalf("only %d snapshots in 30 minutes of changes", len(got))
		}
		for i := 1; i < len(got); i++ {
			if d := got[i].Sub(got[i-1]); d < p.MinInterval {
				t.Errorf("snapshots %d and %d %v apart, want at least %v", i-1, i, d, p.MinInterval)
			}
		}
	})
}

func TestRefreshAtMaxAgeWhileChangesNeverSettle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := RefreshPolicy{Settle: 30 * time.Second, MinInterval: time.Minute, MaxAge: 10 * time.Minute}
		start := time.Now()
		f := &fakeProfile{changed: start, copied: start, last: start, busy: 2}
		stop := runRefresh(p, f)
		defer stop()
		// A change every 5 s never settles; MaxAge forces a snapshot, tried
		// again at the next looks while the copy finds the profile busy.
		for time.Since(start) < 25*time.Minute {
			f.change()
			time.Sleep(5 * time.Second)
		}
		got := f.snapshots()
		if len(got) != 2 {
			t.Fatalf("snapshots in 25 minutes of unsettled changes = %v, want two (MaxAge %v)", got, p.MaxAge)
		}
		if d := got[0].Sub(start); d < p.MaxAge || d > p.MaxAge+3*p.poll() {
			t.Errorf("first snapshot at %v, want MaxAge %v plus up to three polls (two busy)", d, p.MaxAge)
		}
	})
}

func TestRefreshDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := RefreshPolicy{MinInterval: time.Minute}
		if p.Enabled() {
			t.Fatal("a policy with neither settle nor max age is enabled")
		}
		if p.due(profileState{dirty: true}, time.Now()) {
			t.Error("a disabled policy found a changed profile due")
		}
	})
}

// TestProfileStateFollowsTheLatestSnapshot: a profile is dirty until a
// snapshot holds its newest change, again once a file changes after it,
// and while the store missed the latest snapshot; before this process
// wrote one, the data file on disk is the reference.
func TestProfileStateFollowsTheLatestSnapshot(t *testing.T) {
	dir := t.TempDir()
	m := NewManager(ManagerConfig{Registry: newMemRegistry(), Launcher: newFakeLauncher(), DataPath: dir})
	s := newSess(m, "p")
	prof := ProfileDir(dir, "p")
	file := filepath.Join(prof, "Default", "IndexedDB", "db.log")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	touch := func(path string, at time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(at.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{prof, filepath.Join(prof, "Default"), filepath.Join(prof, "Default", "IndexedDB")} {
		os.Chtimes(d, base, base)
	}
	touch(file, base)
	os.Chtimes(filepath.Dir(file), base, base)
	state := func() profileState {
		t.Helper()
		st, err := s.profileState(prof)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := state(); !st.dirty || !st.last.IsZero() || !st.changed.Equal(base) {
		t.Fatalf("with no data file: %+v, want dirty, changed at %v", st, base)
	}
	touch(DataFilePath(dir, "p"), base.Add(time.Minute))
	if st := state(); st.dirty || !st.last.Equal(base.Add(time.Minute)) {
		t.Errorf("with a newer data file on disk: %+v, want clean", st)
	}
	touch(file, base.Add(2*time.Minute))
	if st := state(); !st.dirty {
		t.Errorf("changed after the data file: %+v, want dirty", st)
	}
	newest := base.Add(2 * time.Minute)
	s.markSnapshot(&newest, base.Add(3*time.Minute), true)
	if st := state(); st.dirty || !st.last.Equal(base.Add(3*time.Minute)) {
		t.Errorf("after a snapshot of the newest change: %+v, want clean", st)
	}
	s.markSnapshot(&newest, base.Add(3*time.Minute), false)
	if st := state(); !st.dirty {
		t.Errorf("after a snapshot the store missed: %+v, want dirty", st)
	}
	s.markSnapshot(&newest, base.Add(3*time.Minute), true)
	touch(file, base.Add(4*time.Minute))
	if st := state(); !st.dirty || !st.changed.Equal(base.Add(4*time.Minute)) {
		t.Errorf("changed after the snapshot: %+v, want dirty", st)
	}
}

// nextData returns the next session.data event with reason.
func (h *harness) nextData(reason string) DataEvent {
	h.t.Helper()
	for {
		if d := h.nextEvent(EventData).Data.(DataEvent); d.Reason == reason {
			return d
		}
	}
}

// TestRefreshWhileWorkingStopsAtLogout: a WORKING session's profile that
// changes and settles is snapshotted again (reason refreshed, marked with
// the change); a logout stops the refresher before the data is forgotten,
// so no snapshot of the logged-out profile survives it.
func TestRefreshWhileWorkingStopsAtLogout(t *testing.T) {
	h := newHarness(t, func(c *ManagerConfig) { c.Refresh = RefreshPolicy{Settle: 200 * time.Millisecond} })
	h.create("r", Config{})
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "2@x"})
	h.wait("r", StatusScanQRCode)
	link(p)
	h.wait("r", StatusWorking)
	h.nextData("linked")

	file := filepath.Join(ProfileDir(h.dir, "r"), "Default", "IndexedDB", "rotated.log")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("new keys"), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	d := h.nextData("refreshed")
	if d.ProfileModified == nil || d.ProfileModified.Before(info.ModTime()) {
		t.Errorf("refreshed snapshot marked %v, want the change at %v or later", d.ProfileModified, info.ModTime())
	}

	p.emit(BridgeLogout, map[string]string{"reason": "device_removed"})
	h.nextData("logout")
	if _, err := os.Stat(DataFilePath(h.dir, "r")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data file after logout: %v, want none", err)
	}
}
