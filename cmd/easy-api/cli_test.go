package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/logtest"
)

// TestSessionIDPrintsQRFromTheBus runs `easy-api serve --simulator
// --session-id cli` through run(), as main does: the API is up before login,
// and the terminal shows the status changes and the QR code as they come
// from the bus; scanning it shows WORKING.
func TestSessionIDPrintsQRFromTheBus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser; runs in make test")
	}
	apiPort, simPort := freePort(t), freePort(t)
	var out logtest.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--port", apiPort, "--simulator", "--simulator-addr", "127.0.0.1:" + simPort,
			"--session-data-path", t.TempDir(), "--session-id", "cli", "--log-level", "error"},
			func(string) string { return "" }, &out, io.Discard)
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not return after cancel")
		}
	}()
	poll(t, 30*time.Second, "the QR in the terminal", func() bool {
		s := out.String()
		return strings.Contains(s, "[cli] SCAN_QR_CODE (api)") && strings.Contains(s, "scan this QR code with WhatsApp (code 1") && strings.Contains(s, "█")
	})
	code := getBody("http://127.0.0.1:" + apiPort + "/v1/sessions/cli/qr?format=raw")
	post(t, "http://127.0.0.1:"+simPort+"/__sim/scan", `{"code":"`+code+`","phone":"15550009999"}`)
	poll(t, 30*time.Second, "WORKING in the terminal", func() bool { return strings.Contains(out.String(), "[cli] WORKING (scanned)") })
}
