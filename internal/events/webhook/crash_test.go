package webhook_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/store"
)

const (
	crashChildEnv = "EASY_API_WEBHOOK_CRASH_DIR"
	crashURLEnv   = "EASY_API_WEBHOOK_CRASH_URL"
	crashSecret   = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	crashBurst    = 1000
)

// crashChild is the process TestCrashLosesNoEvent kills: it serves a global
// webhook to url and publishes a burst of events, printing each stored id,
// then waits to be killed.
func crashChild(dir, url string) {
	ctx := context.Background()
	fail := func(err error) { fmt.Fprintln(os.Stderr, err); os.Exit(2) }
	st, err := store.Open(ctx, store.Config{Dir: dir})
	if err != nil {
		fail(err)
	}
	bus, err := events.NewBus(ctx, events.BusConfig{JS: st.JetStream()})
	if err != nil {
		fail(err)
	}
	o, err := webhook.New(ctx, webhook.Config{Bus: bus, Timeout: time.Second})
	if err != nil {
		fail(err)
	}
	if _, err := o.EnsureGlobal(ctx, []string{url}, crashSecret); err != nil {
		fail(err)
	}
	for i := range crashBurst {
		ev, err := bus.PublishEvent(ctx, "alice", events.MessageReceived, map[string]int{"i": i})
		if err != nil {
			fail(err)
		}
		fmt.Println(ev.ID)
		time.Sleep(time.Millisecond) // a burst that lasts long enough to be interrupted
	}
	select {}
}

// TestCrashLosesNoEvent SIGKILLs a server in the middle of a burst of 1,000
// events with a webhook attached, restarts on the same store and checks
// that every event reaches the receiver (duplicates allowed, deduplicated by
// webhook-id; loss not).
func TestCrashLosesNoEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a server process")
	}
	r := newReceiver(t)
	r.set(crashSecret, nil)
	dir := t.TempDir()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashURLEnv+"="+r.URL+"/hook")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var last uint64
	for lines.Scan() {
		last, _ = strconv.ParseUint(lines.Text(), 10, 64)
		if last >= 300 {
			break
		}
	}
	r.waitN(t, 1, 10*time.Second) // deliveries are under way too
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if last < 300 {
		t.Fatalf("child stopped after id %d", last)
	}

	e := newEnv(t, dir, webhook.Config{Timeout: time.Second})
	if created, err := e.outbox.EnsureGlobal(context.Background(), []string{r.URL + "/hook"}, crashSecret); err != nil || len(created) != 0 {
		t.Fatalf("EnsureGlobal after restart: created %d, %v; want the existing webhook", len(created), err)
	}
	stored := e.bus.LastID()
	if stored < last || stored >= crashBurst {
		t.Fatalf("after restart %d events are stored; the child reported %d and was to publish %d", stored, last, crashBurst)
	}
	t.Logf("killed after %d stored events (%d reported); publishing the rest", stored, last)
	e.publish(t, "alice", crashBurst-int(stored))

	got := r.waitN(t, crashBurst, 60*time.Second)
	seen := map[uint64]bool{}
	for _, id := range got {
		seen[id] = true
	}
	for id := uint64(1); id <= crashBurst; id++ {
		if !seen[id] {
			t.Fatalf("event %d never reached the receiver", id)
		}
	}
}
