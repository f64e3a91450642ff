package browser

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// TestBrowserKilled: SIGKILL of the browser ends the page with
// ErrBrowserExited (carrying the exit status) and leaves no child behind.
// The profile starts with a crashed run's stale Singleton locks.
func TestBrowserKilled(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(t)
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	dir := filepath.Join(t.TempDir(), "IGNORE_t")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range singletonFiles {
		if err := os.Symlink("otherhost-4242", filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := New(cfg).launch(t.Context(), session.LaunchSpec{SessionID: "t", ProfileDir: dir, URL: srv.URL})
	if err != nil {
		t.Fatalf("launch on a profile with stale locks: %v", err)
	}
	waitEvent(t, p, session.BridgeBoot)
	if len(p.ProcessTree()) < 2 {
		t.Fatalf("process tree = %v, want the browser and its children", p.ProcessTree())
	}

	if err := syscall.Kill(p.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	err = p.Err()
	if !errors.Is(err, session.ErrBrowserExited) {
		t.Errorf("Err = %v, want ErrBrowserExited", err)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(ee.Error(), "killed") {
		t.Errorf("Err = %v, want an *exec.ExitError for the SIGKILL", err)
	}
	assertNoProcesses(t, dir)
	if err := p.Close(t.Context()); err != nil || p.Err() == nil {
		t.Errorf("Close after exit = %v, Err = %v; want nil and the exit kept", err, p.Err())
	}
}

// TestRendererCrash: a crashed renderer ends the page with
// ErrRendererCrashed and the browser is closed.
func TestRendererCrash(t *testing.T) {
	srv := newFakeServer(t)
	p, dir := launch(t, testConfig(t), srv.URL)
	waitEvent(t, p, session.BridgeBoot)
	if err := p.CrashRenderer(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if !errors.Is(p.Err(), session.ErrRendererCrashed) {
		t.Errorf("Err = %v, want ErrRendererCrashed", p.Err())
	}
	assertNoProcesses(t, dir)
}

// TestHang: a page whose main thread spins fails the heartbeat and the
// browser is killed with ErrUnresponsive.
func TestHang(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(t)
	cfg.HeartbeatInterval = 200 * time.Millisecond
	cfg.HeartbeatTimeout = time.Second
	p, dir := launch(t, cfg, srv.URL)
	waitEvent(t, p, session.BridgeBoot)
	if err := p.Eval(t.Context(), "setTimeout(() => { for (;;) {} }, 0)"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitDone(t, p)
	if !errors.Is(p.Err(), session.ErrUnresponsive) {
		t.Errorf("Err = %v, want ErrUnresponsive", p.Err())
	}
	t.Logf("hang detected and browser gone in %v", time.Since(start).Round(time.Millisecond))
	assertNoProcesses(t, dir)
}

// TestContextEnd: the end of Launch's context closes the page (Err nil).
func TestContextEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	srv := newFakeServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	dir := filepath.Join(t.TempDir(), "IGNORE_t")
	p, err := New(testConfig(t)).launch(ctx, session.LaunchSpec{SessionID: "t", ProfileDir: dir, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, session.BridgeBoot)
	cancel()
	waitDone(t, p)
	if p.Err() != nil {
		t.Errorf("Err = %v, want nil", p.Err())
	}
	assertNoProcesses(t, dir)
}

// TestLaunchRefused: launches that cannot work fail at once with a clear
// error and start nothing.
func TestLaunchRefused(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		spec   func(*session.LaunchSpec)
		want   error
		detail string
	}{
		{
			name:   "headful without display",
			spec:   func(s *session.LaunchSpec) { s.Headful = true },
			want:   session.ErrNoDisplay,
			detail: "DISPLAY",
		},
		{
			name:   "missing binary",
			cfg:    func(c *Config) { c.BrowserPath = "/nonexistent/chromium" },
			want:   session.ErrNoBrowser,
			detail: "--browser-path",
		},
		{
			name:   "missing wa-js bundle",
			cfg:    func(c *Config) { c.WAJS = "/nonexistent/wppconnect-wa.js" },
			want:   session.ErrMissingBundle,
			detail: "make assets",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			dir := filepath.Join(t.TempDir(), "IGNORE_t")
			spec := session.LaunchSpec{SessionID: "t", ProfileDir: dir, URL: "http://127.0.0.1:1/"}
			if tt.spec != nil {
				tt.spec(&spec)
			}
			p, err := New(cfg).Launch(t.Context(), spec)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("Launch = %v, %v; want an error wrapping %v that mentions %q", p, err, tt.want, tt.detail)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("profile dir was created: a browser may have started")
			}
			assertNoProcesses(t, dir)
		})
	}
}

// TestLaunchTimeout: a launch cut short by Config.LaunchTimeout fails and
// leaves no browser behind.
func TestLaunchTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	srv := newFakeServer(t)
	cfg := testConfig(t)
	cfg.LaunchTimeout = 100 * time.Millisecond
	dir := filepath.Join(t.TempDir(), "IGNORE_t")
	_, err := New(cfg).Launch(t.Context(), session.LaunchSpec{SessionID: "t", ProfileDir: dir, URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Launch = %v, want DeadlineExceeded", err)
	}
	assertNoProcesses(t, dir)
}
