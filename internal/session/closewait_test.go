package session

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Stop, delete and import while a graceful close outlasts the request:
// the answer comes at the deadline, the runner finishes the close, and what
// follows waits for it.

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
