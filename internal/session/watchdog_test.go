package session

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The watchdog tests run on testing/synctest: sampling ticks, backoff and
// timeouts take their real values in a fake clock, and "nothing happened
// for a while" is asserted by letting fake time pass, deterministically.

// realTimes gives the manager production-like intervals: a bubble's clock
// makes them cost nothing.
func realTimes(c *ManagerConfig) {
	c.SampleInterval = 10 * time.Second
	c.CloseTimeout = 10 * time.Second
	c.Restart = RestartPolicy{InitialBackoff: time.Second, MaxBackoff: time.Minute, Budget: 3, Window: 10 * time.Minute}
	c.Defaults.AuthTimeout = new(Duration(2 * time.Minute))
}

func TestMemoryLimitRestartsThenFailsNamingTheSetting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, nil)
		h.create("fat", Config{MaxMemory: new(ByteSize(100e6))})
		p := h.page()
		link(p)
		h.wait("fat", StatusWorking)
		p.setUsage(Usage{PSSBytes: 150e6, Processes: 2})
		// The next sample finds it over the limit; the backoff (1 s) holds
		// RESTARTING until fake time moves on.
		v := h.wait2("fat", StatusRestarting)
		if v.Reason != ReasonMemoryLimit || v.Attempt != 1 {
			t.Fatalf("view = %+v", v)
		}
		// Every relaunch is over the limit too: the budget (3) ends it FAILED.
		for range 2 {
			p = h.page()
			p.setUsage(Usage{PSSBytes: 150e6})
			p.emit(BridgeReady, Account{ID: "1@c.us"})
		}
		v = h.wait2("fat", StatusFailed)
		if v.Reason != ReasonMemoryLimit || !strings.Contains(v.Error, "max-session-memory") {
			t.Fatalf("view = %+v", v)
		}
	})
}

func TestResourcesAreShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, nil)
		h.create("res", Config{})
		p := h.page()
		p.setUsage(Usage{PSSBytes: 42e6, CPUSeconds: 1.5, Processes: 3})
		time.Sleep(25 * time.Second) // two samples
		synctest.Wait()
		v, _ := h.m.Get(context.Background(), "res")
		want := Resources{PSSBytes: 42e6, CPUSeconds: 1.5, Processes: 3, UptimeSeconds: 25}
		if v.Resources != want {
			t.Fatalf("resources = %+v, want %+v", v.Resources, want)
		}
	})
}

func TestRecycleOneAtATime(t *testing.T) {
	synctest.Test(t, testRecycleOneAtATime)
}

func testRecycleOneAtATime(t *testing.T) {
	h := newBubbleHarness(t, func(c *ManagerConfig) { c.RecycleAfter = 30 * time.Minute })
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
	time.Sleep(90 * time.Second) // nine samples, each past the age (not past auth_timeout): the other must keep running
	synctest.Wait()
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
		reg.Create(context.Background(), Record{ID: fmt.Sprintf("s%02d", i), Running: true, Config: Config{AuthTimeout: new(Duration(time.Minute))}})
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
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, nil)
		h.create("gone", Config{MaxMemory: new(ByteSize(1))})
		p := h.page()
		p.mu.Lock()
		p.usageErr = errBoom
		p.mu.Unlock()
		link(p)
		h.wait("gone", StatusWorking)
		time.Sleep(10 * time.Minute) // sixty sample intervals: none may restart the session
		synctest.Wait()
		if v, _ := h.m.Get(context.Background(), "gone"); v.Status != StatusWorking || len(v.History) != 3 || v.Resources.Restarts != 0 {
			t.Fatalf("view = %+v", v)
		}
	})
}

// TestLongResumeSyncOutlivesAuthTimeout: once WhatsApp accepted the stored
// auth and syncs, auth_timeout no longer applies (a big account may sync
// longer than it); the session is never purged.
func TestLongResumeSyncOutlivesAuthTimeout(t *testing.T) {
	synctest.Test(t, testLongResumeSyncOutlivesAuthTimeout)
}

func testLongResumeSyncOutlivesAuthTimeout(t *testing.T) {
	h := newBubbleHarness(t, nil)
	h.create("big", Config{AuthTimeout: new(Duration(20 * time.Second))})
	p := h.page()
	link(p)
	h.wait("big", StatusWorking)
	p.crash(ErrBrowserExited)
	p = h.page()
	h.wait("big", StatusResuming)
	p.emit(BridgeState, BridgeStateData{Phase: "syncing", Authenticated: true, StreamMode: "SYNCING"})
	h.wait("big", StatusSyncing)
	time.Sleep(time.Minute) // three auth_timeouts: none may fire now
	synctest.Wait()
	if v, _ := h.m.Get(context.Background(), "big"); v.Status != StatusSyncing {
		t.Fatalf("a minute into the sync the session is %s", v.Status)
	}
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
