package session

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// TestFailedIsLoggedAsAnError: an operator reading the log sees a session
// the supervisor gave up on at error level, with its reason.
func TestFailedIsLoggedAsAnError(t *testing.T) {
	var buf lockedBuffer
	h := newHarness(t, func(c *ManagerConfig) {
		c.Log = zerolog.New(&buf)
		c.Launcher.(*fakeLauncher).LaunchFn = func(LaunchSpec) error { return ErrNoDisplay }
	})
	h.create("gus", Config{Headful: true})
	h.wait("gus", StatusFailed)
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "status" && m["status"] == string(StatusFailed) {
			if m["level"] != "error" || m["reason"] != string(ReasonNoDisplay) {
				t.Errorf("FAILED logged as %v", m)
			}
			return
		}
	}
	t.Fatalf("no FAILED status line in:\n%s", buf.String())
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
