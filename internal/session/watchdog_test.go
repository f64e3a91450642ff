package session

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMemoryLimitRestartsThenFailsNamingTheSetting(t *testing.T) {
	h := newHarness(t, nil)
	h.create("fat", Config{MaxMemory: 100e6})
	p := h.page()
	link(p)
	h.wait("fat", StatusWorking)
	p.setUsage(Usage{PSSBytes: 150e6, Processes: 2})
	h.wait("fat", StatusRestarting)
	v, _ := h.m.Get(context.Background(), "fat")
	if v.Reason != ReasonMemoryLimit {
		t.Fatalf("reason = %s", v.Reason)
	}
	// Every relaunch is over the limit too: the budget (3) ends it FAILED.
	for range 2 {
		p = h.page()
		p.setUsage(Usage{PSSBytes: 150e6})
		p.emit(BridgeReady, Account{ID: "1@c.us"})
	}
	h.wait("fat", StatusFailed)
	v, _ = h.m.Get(context.Background(), "fat")
	if v.Reason != ReasonMemoryLimit || !strings.Contains(v.Error, "max-session-memory") {
		t.Fatalf("view = %+v", v)
	}
}

func TestResourcesAreShown(t *testing.T) {
	h := newHarness(t, nil)
	h.create("res", Config{})
	p := h.page()
	p.setUsage(Usage{PSSBytes: 42e6, CPUSeconds: 1.5, Processes: 3})
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := h.m.Get(context.Background(), "res")
		if v.Resources.PSSBytes == 42e6 && v.Resources.Processes == 3 && v.Resources.UptimeSeconds > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("resources = %+v", v.Resources)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRecycleOneAtATime(t *testing.T) {
	h := newHarness(t, func(c *ManagerConfig) { c.RecycleAfter = 50 * time.Millisecond })
	h.create("r1", Config{})
	h.create("r2", Config{})
	pages := map[string]*fakePage{}
	for range 2 {
		p := h.page()
		pages[p.spec.SessionID] = p
		link(p)
	}
	// The first to be recycled holds the slot until it is WORKING again, so
	// the other cannot be recycled meanwhile.
	first := h.page()
	other := "r1"
	if first.spec.SessionID == "r1" {
		other = "r2"
	}
	v, _ := h.m.Get(context.Background(), first.spec.SessionID)
	if v.Status != StatusRestarting && v.Status != StatusResuming {
		t.Fatalf("%s = %s, want it being recycled", first.spec.SessionID, v.Status)
	}
	if v.Reason != ReasonRecycle && v.Status == StatusRestarting {
		t.Fatalf("reason = %s", v.Reason)
	}
	time.Sleep(200 * time.Millisecond) // several sample intervals: the other must keep running
	if ov, _ := h.m.Get(context.Background(), other); ov.Status != StatusWorking {
		t.Fatalf("%s = %s while %s was being recycled", other, ov.Status, first.spec.SessionID)
	}
	first.emit(BridgeReady, Account{ID: "1@c.us"})
	// The slot is free again: the other one, long past the age, goes next.
	if second := h.page(); second.spec.SessionID != other {
		t.Fatalf("relaunched %s, want %s's turn", second.spec.SessionID, other)
	}
	if ov := h.wait2(other, StatusResuming); !historyHasReason(ov, StatusRestarting, ReasonRecycle) {
		t.Fatalf("%s history %+v, want RESTARTING(recycle)", other, ov.History)
	}
	v, _ = h.m.Get(context.Background(), first.spec.SessionID)
	if v.Attempt != 0 {
		t.Errorf("a recycle counted against the budget: attempt %d", v.Attempt)
	}
}

// TestBootStaggersLaunches boots 50 stored running sessions with at most 2
// launches at a time: a launch slot is held until the page has booted.
func TestBootStaggersLaunches(t *testing.T) {
	reg := newMemRegistry()
	for i := range 50 {
		reg.Create(context.Background(), Record{ID: fmt.Sprintf("s%02d", i), Running: true, Config: Config{AuthTimeout: Duration(time.Minute)}})
	}
	var mu sync.Mutex
	inFlight, peak := 0, 0
	h := newHarness(t, func(c *ManagerConfig) {
		c.Registry = reg
		c.MaxConcurrentLaunches = 2
		c.Launcher.(*fakeLauncher).LaunchFn = func(LaunchSpec) error {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			return nil
		}
	})
	for range 50 {
		p := h.page()
		mu.Lock()
		inFlight--
		mu.Unlock()
		p.emit(BridgeBoot, map[string]any{}) // frees the slot
	}
	for i := range 50 {
		h.wait(fmt.Sprintf("s%02d", i), StatusStarting)
	}
	if peak > 2 {
		t.Fatalf("%d launches at once, want at most 2", peak)
	}
}

// TestSamplingFailureIsNotACrash: a sample of a gone process is skipped.
func TestSamplingFailureIsNotACrash(t *testing.T) {
	h := newHarness(t, nil)
	h.create("gone", Config{MaxMemory: 1})
	p := h.page()
	p.mu.Lock()
	p.usageErr = errBoom
	p.mu.Unlock()
	link(p)
	h.wait("gone", StatusWorking)
	time.Sleep(100 * time.Millisecond) // ten sample intervals: none may restart the session
	if v, _ := h.m.Get(context.Background(), "gone"); v.Status != StatusWorking || len(v.History) != 3 || v.Resources.Restarts != 0 {
		t.Fatalf("view = %+v", v)
	}
}

// TestLongResumeSyncOutlivesAuthTimeout: once WhatsApp accepted the stored
// auth and syncs, auth_timeout no longer applies (a big account may sync
// longer than it); the session is never purged.
func TestLongResumeSyncOutlivesAuthTimeout(t *testing.T) {
	h := newHarness(t, nil)
	h.create("big", Config{AuthTimeout: Duration(50 * time.Millisecond)})
	p := h.page()
	link(p)
	h.wait("big", StatusWorking)
	p.crash(ErrBrowserExited)
	p = h.page()
	h.wait("big", StatusResuming)
	p.emit(BridgeState, BridgeStateData{Phase: "syncing", Authenticated: true, StreamMode: "SYNCING"})
	h.wait("big", StatusSyncing)
	time.Sleep(200 * time.Millisecond) // four auth_timeouts: none may fire now
	p.emit(BridgeReady, Account{ID: "1@c.us"})
	v := h.wait2("big", StatusWorking)
	if v.Reason != ReasonReauthOK || !(profile{dir: ProfileDir(h.dir, "big")}).hasAuth() {
		t.Fatalf("view = %+v", v)
	}
	for _, tr := range v.History {
		if tr.Status == StatusScanQRCode || tr.Reason == ReasonReauthFailed {
			t.Fatalf("re-scan asked: %+v", v.History)
		}
	}
}

func historyHasReason(v View, st Status, r Reason) bool {
	for _, h := range v.History {
		if h.Status == st && h.Reason == r {
			return true
		}
	}
	return false
}
