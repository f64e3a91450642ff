package metrics

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// scrape drives one of every kind of observation through m and returns the
// text exposition a Prometheus server would scrape.
func scrape(t *testing.T, m *Metrics) []byte {
	t.Helper()
	pub := m.Publisher(nil)
	ctx := context.Background()
	for _, ev := range []session.StatusEvent{
		{Status: session.StatusStarting, Previous: session.StatusStopped, Reason: session.ReasonAPI},
		{Status: session.StatusResuming, Previous: session.StatusStarting, Reason: session.ReasonAPI},
		{Status: session.StatusWorking, Previous: session.StatusResuming, Reason: session.ReasonReauthOK},
		{Status: session.StatusRestarting, Previous: session.StatusWorking, Reason: session.ReasonMemoryLimit},
	} {
		if err := pub.Publish(ctx, "alice", session.EventStatus, ev); err != nil {
			t.Fatal(err)
		}
	}
	_ = pub.Publish(ctx, "alice", session.EventQR, session.QREvent{Code: "2@x"})
	m.SetSessionPSS("alice", 70<<20)
	m.IncStreamClients(StreamSSE)
	m.ObserveWebhookDelivery(WebhookDead, time.Second)
	m.HTTP(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func TestExpositionHasEveryMetric(t *testing.T) {
	body := string(scrape(t, New(Config{Version: "v1.2.3"})))
	for _, want := range []string{
		`easy_api_build_info{goversion="go`,
		`easy_api_sessions{status="RESTARTING"} 1`,
		`easy_api_sessions{status="WORKING"} 0`,
		`easy_api_session_status_changes_total{reason="memory_limit",status="RESTARTING"} 1`,
		`easy_api_session_restarts_total{reason="memory_limit"} 1`,
		`easy_api_reauth_total{outcome="ok"} 1`,
		`easy_api_reauth_total{outcome="failed"} 0`,
		`easy_api_time_to_qr_seconds_count 0`,
		`easy_api_time_to_working_seconds_count 0`,
		`easy_api_reauth_seconds_count 1`,
		`easy_api_events_published_total{type="session.qr"} 1`,
		`easy_api_session_pss_bytes{session="alice"} 7.340032e+07`,
		`easy_api_stream_clients{kind="sse"} 1`,
		`easy_api_stream_clients{kind="ws"} 0`,
		`easy_api_webhook_deliveries_total{result="dead"} 1`,
		`easy_api_webhook_delivery_seconds_count 1`,
		`easy_api_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`easy_api_http_request_seconds_count{method="GET",route="unmatched"} 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("exposition:\n%s", body)
	}
}

// TestPromtoolCheckMetrics lints the exposition with promtool, as the issue
// asks. CI installs promtool (scripts/setup.sh tools, run by make test), so a
// missing promtool fails the test; only -short skips it.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if testing.Short() {
			t.Skip("promtool not installed (scripts/setup.sh tools)")
		}
		t.Fatal("promtool not found: run scripts/setup.sh tools (Debian package prometheus)")
	}
	body := scrape(t, New(Config{Version: "test"}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		t.Logf("promtool: %s", s)
	}
}
