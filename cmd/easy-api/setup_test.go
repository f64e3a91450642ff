package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/easy-api/easy-api/cmd/easy-api/app"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/logtest"
)

func writeBundle(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("/* wa-js */"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindWAJSOrder(t *testing.T) {
	exe, data, wd := t.TempDir(), t.TempDir(), t.TempDir()
	dirs := []string{exe, data, wd}
	missing := filepath.Join(t.TempDir(), "nope.js")
	explicit := filepath.Join(t.TempDir(), "my-wa.js")
	writeBundle(t, explicit)
	check := func(name, flag, want string, wantErr bool) {
		t.Helper()
		got, err := app.FindWAJS(flag, dirs)
		if (err != nil) != wantErr || (!wantErr && got != want) {
			t.Errorf("%s: app.FindWAJS(%q) = %q, %v; want %q (error %v)", name, flag, got, err, want, wantErr)
		}
		if err != nil && (!strings.Contains(err.Error(), "easy-api setup") || !strings.Contains(err.Error(), "make assets")) {
			t.Errorf("%s: error %q does not say how to get the bundle", name, err)
		}
	}
	check("none injects none", browser.WAJSNone, browser.WAJSNone, false)
	check("nothing anywhere", "", "", true)
	check("--wajs that does not exist", missing, "", true)
	check("--wajs wins", explicit, explicit, false)

	inCheckout := filepath.Join(wd, app.WAJSInCheckout)
	writeBundle(t, inCheckout)
	check("a checkout's node_modules in the working directory", "", inCheckout, false)
	inData := filepath.Join(data, app.WAJSFile)
	writeBundle(t, inData)
	check("the session data path before the working directory", "", inData, false)
	nextToExe := filepath.Join(exe, app.WAJSFile)
	writeBundle(t, nextToExe)
	check("next to the executable first", "", nextToExe, false)
	check("--wajs still wins", explicit, explicit, false)
}

// TestWAJSPinMatchesTheLockFile: setup fetches the version and integrity
// `make assets` installs.
func TestWAJSPinMatchesTheLockFile(t *testing.T) {
	b, err := os.ReadFile("../../package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct{ Version, Integrity string }
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	got := lock.Packages["node_modules/"+app.WAJSPackage]
	if got.Version != app.WAJSVersion || got.Integrity != app.WAJSIntegrity {
		t.Errorf("package-lock.json pins %s %s (%s); setup.go pins %s (%s)", app.WAJSPackage, got.Version, got.Integrity, app.WAJSVersion, app.WAJSIntegrity)
	}
}

// TestSetupFetchesThePinnedBundle runs `easy-api setup` as a user would:
// npm fetches the pinned package (from its cache after `make assets`), and
// the bundle lands in the session data path, where serve finds it.
func TestSetupFetchesThePinnedBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs npm; runs in make test")
	}
	dir := filepath.Join(t.TempDir(), "data")
	var out, errs logtest.Buffer
	if err := run(t.Context(), []string{"setup", "--session-data-path", dir}, func(string) string { return "" }, &out, &errs); err != nil {
		t.Fatalf("setup: %v\n%s", err, errs.String())
	}
	got, err := os.ReadFile(filepath.Join(dir, app.WAJSFile))
	if err != nil {
		t.Fatal(err)
	}
	if want, err := os.ReadFile(filepath.Join("../..", app.WAJSInCheckout)); err == nil && !bytes.Equal(got, want) {
		t.Errorf("setup wrote %d bytes, make assets installed %d: not the same bundle", len(got), len(want))
	}
	if !bytes.Contains(got, []byte("WPP")) {
		t.Errorf("%s does not look like the wa-js bundle", app.WAJSFile)
	}
	if lic, err := os.ReadFile(filepath.Join(dir, app.WAJSLicense)); err != nil || !bytes.Contains(lic, []byte("Apache License")) {
		t.Errorf("licence beside the bundle: %v", err)
	}
	if p, err := app.FindWAJS("", []string{dir}); err != nil || p != filepath.Join(dir, app.WAJSFile) {
		t.Errorf("serve would use %q, %v", p, err)
	}
	if !strings.Contains(out.String(), filepath.Join(dir, app.WAJSFile)) {
		t.Errorf("setup printed %q, want where it wrote", out.String())
	}
}

// TestPlainGoBuild builds the binary the plain Go way (no make, no npm
// step) and runs it away from any checkout: /api-docs/ works, the bridge
// and the simulator's page scripts compile from the embedded TypeScript,
// and the missing wa-js bundle is reported at boot, in the log and in
// /readyz, naming how to get it, until one is there.
func TestPlainGoBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; runs in make test")
	}
	bin := buildBinary(t)
	binDir := filepath.Dir(bin)
	start := func(dataPath string, flags ...string) (string, *logtest.Buffer) {
		t.Helper()
		port := freePort(t)
		logs := &logtest.Buffer{}
		cmd := exec.Command(bin, append([]string{"serve", "--port", port, "--session-data-path", dataPath, "--log-format", "json"}, flags...)...)
		cmd.Dir = t.TempDir() // no node_modules here
		cmd.Stdout, cmd.Stderr = io.Discard, logs
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(cmd.Process.Pid, syscall.SIGTERM); cmd.Wait() })
		base := "http://127.0.0.1:" + port
		poll(t, 30*time.Second, "server up", func() bool { return get(base+"/healthz") == http.StatusOK })
		return base, logs
	}
	readyz := func(base string) (int, string) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct{ Detail string }
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return resp.StatusCode, p.Detail
	}

	data := t.TempDir()
	base, logs := start(data)
	if page := getBody(base + "/api-docs/"); !strings.Contains(page, `<script src="swagger-ui-bundle.js"></script>`) {
		t.Errorf("/api-docs/: %q", page)
	}
	if js := getBody(base + "/api-docs/swagger-ui-bundle.js"); !strings.Contains(js, "SwaggerUIBundle") {
		t.Errorf("/api-docs/swagger-ui-bundle.js: %d bytes, not Swagger UI", len(js))
	}
	if !strings.Contains(logs.String(), "easy-api setup") || !strings.Contains(logs.String(), `"level":"warn"`) {
		t.Errorf("boot log does not warn how to get the bundle:\n%s", logs.String())
	}
	if code, detail := readyz(base); code != http.StatusServiceUnavailable || !strings.Contains(detail, "easy-api setup") {
		t.Errorf("/readyz without a bundle: %d %q, want 503 naming easy-api setup", code, detail)
	}
	writeBundle(t, filepath.Join(data, app.WAJSFile)) // as `easy-api setup` would
	if code, detail := readyz(base); code != http.StatusOK {
		t.Errorf("/readyz once the bundle is in the session data path: %d %q", code, detail)
	}

	nextToExe := filepath.Join(binDir, app.WAJSFile)
	writeBundle(t, nextToExe)
	base, logs = start(t.TempDir())
	if code, detail := readyz(base); code != http.StatusOK {
		t.Errorf("/readyz with the bundle next to the executable: %d %q", code, detail)
	}
	if !strings.Contains(logs.String(), nextToExe) {
		t.Errorf("boot log does not name the bundle next to the executable:\n%s", logs.String())
	}

	simAddr := "127.0.0.1:" + freePort(t)
	_, logs = start(t.TempDir(), "--simulator", "--simulator-addr", simAddr)
	for _, line := range []string{"page bridge compiled", "simulator page scripts compiled"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("boot log lacks %q:\n%s", line, logs.String())
		}
	}
	page := getBody("http://" + simAddr + "/")
	for _, script := range []string{"wpp.js", "chat.js", "core.js", "ui.js"} {
		if !strings.Contains(page, "/__page/assets/"+script) {
			t.Errorf("the simulator page does not load %s", script)
		}
		if js := getBody("http://" + simAddr + "/__page/assets/" + script); !strings.Contains(js, "(() => {") {
			t.Errorf("/__page/assets/%s: %.200q, not a compiled script", script, js)
		}
	}
}
