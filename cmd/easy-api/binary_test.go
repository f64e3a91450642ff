package main

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds easy-api the plain Go way (`go build`, no make, no
// npm step) into a folder of its own and returns the binary's path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "easy-api")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe starts the built binary as `serve` with args, in its own
// process group (a SIGKILL of the group takes its browsers too), waits for
// base/healthz and kills the group at cleanup.
func startServe(t *testing.T, bin, base string, stderr io.Writer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	poll(t, 30*time.Second, "server up", func() bool { return get(base+"/healthz") == http.StatusOK })
	return cmd
}

// createAndLink creates session id on the server at base and links it by
// scanning its QR with phone on the simulator at sim, then waits for WORKING.
func createAndLink(t *testing.T, base, sim, id, phone string) {
	t.Helper()
	post(t, base+"/v1/sessions", fmt.Sprintf(`{"id":%q}`, id))
	var code string
	poll(t, 30*time.Second, "QR", func() bool {
		resp, err := http.Get(base + "/v1/sessions/" + id + "/qr?format=raw")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		code = string(b)
		return resp.StatusCode == http.StatusOK
	})
	post(t, sim+"/__sim/scan", fmt.Sprintf(`{"code":%q,"phone":%q}`, code, phone))
	poll(t, 30*time.Second, "WORKING", func() bool {
		return strings.Contains(getBody(base+"/v1/sessions/"+id), `"status":"WORKING"`)
	})
}
