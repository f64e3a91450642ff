package session

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/logtest"
)

// TestFailedIsLoggedAsAnError: an operator reading the log sees a session
// the supervisor gave up on at error level, with its reason.
func TestFailedIsLoggedAsAnError(t *testing.T) {
	var buf logtest.Buffer
	h := newHarness(t, func(c *ManagerConfig) {
		c.Log = zerolog.New(&buf)
		c.Launcher.(*fakeLauncher).LaunchFn = func(LaunchSpec) error { return ErrNoDisplay }
	})
	h.create("gus", Config{Headful: new(true)})
	h.wait("gus", StatusFailed)
	// The line is written just after the status changes: wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(buf.String()) {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "status" && m["status"] == string(StatusFailed) {
				if m["level"] != "error" || m["reason"] != string(ReasonNoDisplay) {
					t.Errorf("FAILED logged as %v", m)
				}
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no FAILED status line in:\n%s", buf.String())
}
