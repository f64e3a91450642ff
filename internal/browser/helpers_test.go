package browser

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/procfs"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/easy-api/easy-api/internal/session"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testConfig is a Config for tests: quiet, fast heartbeats, no display.
func testConfig(t *testing.T) Config {
	t.Helper()
	return Config{
		BrowserPath:       os.Getenv("EASY_API_TEST_BROWSER"),
		WAJS:              WAJSNone,
		HostResolverRules: "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		HeartbeatInterval: time.Second,
		HeartbeatTimeout:  5 * time.Second,
		CloseTimeout:      5 * time.Second,
		LaunchTimeout:     30 * time.Second,
		Log:               zerolog.New(zerolog.NewTestWriter(t)).Level(testLogLevel()),
		Getenv:            func(string) string { return "" },
	}
}

// launch starts a page and registers a Close (and a no-leftover check) for
// the end of the test.
func launch(t *testing.T, cfg Config, url string) (*Page, string) {
	t.Helper()
	return launchSpec(t, cfg, session.LaunchSpec{URL: url})
}

// launchSpec is launch with more of the spec; SessionID and ProfileDir are
// filled in.
func launchSpec(t *testing.T, cfg Config, spec session.LaunchSpec) (*Page, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	dir := filepath.Join(t.TempDir(), "IGNORE_t")
	spec.SessionID, spec.ProfileDir = "t", dir
	p, err := New(cfg).launch(t.Context(), spec)
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Close(ctx)
		assertNoProcesses(t, dir)
	})
	return p, dir
}

// pageDeadline bounds a call, an evaluation or a wait on a page: room for
// Chromium on a loaded 2-core machine. A test whose subject is a timeout
// sets its own short one.
const pageDeadline = 20 * time.Second

// waitEvent reads events until one of type typ arrives and returns its data.
func waitEvent(t *testing.T, p *Page, typ string) json.RawMessage {
	t.Helper()
	timeout := time.After(pageDeadline)
	var seen []string
	for {
		select {
		case ev, ok := <-p.Events():
			if !ok {
				t.Fatalf("events closed waiting for %q (saw %v, err %v)", typ, seen, p.Err())
			}
			if ev.Type == typ {
				return ev.Data
			}
			seen = append(seen, ev.Type+string(ev.Data))
		case <-timeout:
			t.Fatalf("no %q event in %s (saw %v)", typ, pageDeadline, seen)
		}
	}
}

// waitState waits for a state event with the given phase.
func waitState(t *testing.T, p *Page, phase string) session.BridgeStateData {
	t.Helper()
	deadline := time.Now().Add(pageDeadline)
	for time.Now().Before(deadline) {
		var s session.BridgeStateData
		if err := json.Unmarshal(waitEvent(t, p, session.BridgeState), &s); err != nil {
			t.Fatal(err)
		}
		if s.Phase == phase {
			return s
		}
	}
	t.Fatalf("no state %q", phase)
	return session.BridgeStateData{}
}

// waitDone waits for the page to end.
func waitDone(t *testing.T, p *Page) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("page not done after 20s")
	}
}

// evalJSON evaluates expr in the page and decodes its JSON value into v.
func evalJSON(t *testing.T, p *Page, expr string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), pageDeadline)
	defer cancel()
	res, err := p.evaluate(ctx, expr, true)
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	if err := json.Unmarshal(res.Value, v); err != nil {
		t.Fatalf("evaluate %s: decode %s: %v", expr, res.Value, err)
	}
}

// assertNoProcesses fails when a live process still runs on the profile
// dir; it asks pgrep, independent of the package's own /proc scan.
func assertNoProcesses(t *testing.T, dir string) {
	t.Helper()
	if pids := pgrep(t, dir); len(pids) > 0 {
		t.Errorf("processes still running on %s: %v", dir, pids)
	}
}

func pgrep(t *testing.T, dir string) []int {
	t.Helper()
	out, err := exec.Command("pgrep", "-f", "--", "--user-data-dir="+dir).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return nil // nothing matched
		}
		if _, lerr := exec.LookPath("pgrep"); lerr != nil {
			return profileProcesses(dir)
		}
		t.Fatalf("pgrep: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		if p, err := procfs.NewProc(pid); err == nil {
			if st, err := p.Stat(); err == nil && st.State != "Z" {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// writeFile writes a temp file and returns its path.
func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testLogLevel is info, or debug with EASY_API_TEST_DEBUG set.
func testLogLevel() zerolog.Level {
	if os.Getenv("EASY_API_TEST_DEBUG") != "" {
		return zerolog.DebugLevel
	}
	return zerolog.InfoLevel
}
