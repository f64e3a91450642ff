package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/easy-api/easy-api/internal/session"
)

// clock is a settable time source for the duration histograms.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// recorder is a session.Publisher that keeps what it was given and fails
// when err is set.
type recorder struct {
	types []string
	err   error
}

func (r *recorder) Publish(_ context.Context, _, typ string, _ any) error {
	r.types = append(r.types, typ)
	return r.err
}

// driver publishes synthetic session events through the decorator.
type driver struct {
	t   *testing.T
	pub session.Publisher
}

func (d driver) status(id string, prev, st session.Status, reason session.Reason) {
	d.t.Helper()
	ev := session.StatusEvent{Status: st, Previous: prev, Reason: reason}
	if err := d.pub.Publish(context.Background(), id, session.EventStatus, ev); err != nil {
		d.t.Fatalf("publish %s: %v", st, err)
	}
}

func (d driver) qr(id string) {
	d.t.Helper()
	if err := d.pub.Publish(context.Background(), id, session.EventQR, session.QREvent{Code: "2@x"}); err != nil {
		d.t.Fatalf("publish qr: %v", err)
	}
}

func newTestMetrics() (*Metrics, *clock) {
	c := &clock{t: time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)}
	return New(Config{Version: "test", Now: c.now}), c
}

// histogram returns the sample count and sum of a histogram metric.
func histogram(t *testing.T, m *Metrics, name string) (uint64, float64) {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0, 0
}

// sessionsByStatus reads easy_api_sessions for every status.
func sessionsByStatus(m *Metrics) map[session.Status]float64 {
	out := map[session.Status]float64{}
	for _, st := range session.Statuses {
		if v := testutil.ToFloat64(m.sessions.WithLabelValues(string(st))); v != 0 {
			out[st] = v
		}
	}
	return out
}

func TestPublisherFirstLink(t *testing.T) {
	m, c := newTestMetrics()
	next := &recorder{}
	d := driver{t, m.Publisher(next)}

	d.status("alice", session.StatusStopped, session.StatusStarting, session.ReasonAPI)
	c.advance(time.Second)
	d.status("alice", session.StatusStarting, session.StatusScanQRCode, session.ReasonAPI)
	c.advance(time.Second)
	d.qr("alice")
	c.advance(20 * time.Second)
	d.qr("alice") // a rotation is not a first QR
	c.advance(5 * time.Second)
	d.status("alice", session.StatusScanQRCode, session.StatusSyncing, session.ReasonScanned)
	c.advance(3 * time.Second)
	d.status("alice", session.StatusSyncing, session.StatusWorking, session.ReasonScanned)

	if n, sum := histogram(t, m, "easy_api_time_to_qr_seconds"); n != 1 || sum != 2 {
		t.Errorf("time to QR: %d samples, sum %v; want 1 sample of 2s", n, sum)
	}
	if n, sum := histogram(t, m, "easy_api_time_to_working_seconds"); n != 1 || sum != 3 {
		t.Errorf("time to WORKING: %d samples, sum %v; want 1 sample of 3s (scan → WORKING)", n, sum)
	}
	if n, _ := histogram(t, m, "easy_api_reauth_seconds"); n != 0 {
		t.Errorf("re-auth timed %d times on a first link", n)
	}
	if diff := cmp.Diff(map[session.Status]float64{session.StatusWorking: 1}, sessionsByStatus(m)); diff != "" {
		t.Errorf("easy_api_sessions (-want +got):\n%s", diff)
	}
	if got := testutil.ToFloat64(m.statusChanges.WithLabelValues("WORKING", "scanned")); got != 1 {
		t.Errorf("status changes{WORKING,scanned} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.published.WithLabelValues(session.EventStatus)); got != 4 {
		t.Errorf("events published{session.status} = %v, want 4", got)
	}
	if got := testutil.ToFloat64(m.published.WithLabelValues(session.EventQR)); got != 2 {
		t.Errorf("events published{session.qr} = %v, want 2", got)
	}
	if len(next.types) != 6 {
		t.Errorf("next got %d events, want all 6", len(next.types))
	}
}

func TestPublisherCrashAndReauth(t *testing.T) {
	m, c := newTestMetrics()
	d := driver{t, m.Publisher(nil)} // no next: events are only observed

	d.status("alice", session.StatusStopped, session.StatusStarting, session.ReasonBoot)
	d.status("alice", session.StatusStarting, session.StatusResuming, session.ReasonBoot)
	c.advance(4 * time.Second)
	d.status("alice", session.StatusResuming, session.StatusWorking, session.ReasonReauthOK)
	d.status("alice", session.StatusWorking, session.StatusRestarting, session.ReasonRendererCrashed)
	c.advance(time.Second)
	d.status("alice", session.StatusRestarting, session.StatusResuming, session.ReasonRendererCrashed)
	c.advance(2 * time.Second)
	d.status("alice", session.StatusResuming, session.StatusWorking, session.ReasonReauthOK)

	if got := testutil.ToFloat64(m.restarts.WithLabelValues("renderer_crashed")); got != 1 {
		t.Errorf("restarts{renderer_crashed} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.reauth.WithLabelValues(reauthOK)); got != 2 {
		t.Errorf("reauth{ok} = %v, want 2", got)
	}
	if n, sum := histogram(t, m, "easy_api_reauth_seconds"); n != 2 || sum != 6 {
		t.Errorf("re-auth: %d samples, sum %v; want 2 samples summing 4s+2s", n, sum)
	}
	if n, _ := histogram(t, m, "easy_api_time_to_qr_seconds"); n != 0 {
		t.Errorf("time to QR observed %d times with no QR", n)
	}
}

// A failed re-auth counts once on each path: a QR before MAIN (RESUMING →
// SCAN_QR_CODE) and auth_timeout (RESUMING → STARTING, then SCAN_QR_CODE
// with the same reason).
func TestPublisherReauthFailed(t *testing.T) {
	m, c := newTestMetrics()
	d := driver{t, m.Publisher(nil)}

	d.status("qr", session.StatusStopped, session.StatusStarting, session.ReasonBoot)
	d.status("qr", session.StatusStarting, session.StatusResuming, session.ReasonBoot)
	c.advance(time.Second)
	d.status("qr", session.StatusResuming, session.StatusScanQRCode, session.ReasonReauthFailed)
	d.qr("qr")

	d.status("timeout", session.StatusStopped, session.StatusStarting, session.ReasonBoot)
	d.status("timeout", session.StatusStarting, session.StatusResuming, session.ReasonBoot)
	c.advance(60 * time.Second)
	d.status("timeout", session.StatusResuming, session.StatusStarting, session.ReasonReauthFailed)
	c.advance(500 * time.Millisecond)
	d.status("timeout", session.StatusStarting, session.StatusScanQRCode, session.ReasonReauthFailed)
	d.qr("timeout")

	if got := testutil.ToFloat64(m.reauth.WithLabelValues(reauthFailed)); got != 2 {
		t.Errorf("reauth{failed} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.reauth.WithLabelValues(reauthOK)); got != 0 {
		t.Errorf("reauth{ok} = %v, want 0", got)
	}
	// "qr": STARTING → QR took 1 s; "timeout": the relaunch's STARTING → QR 0.5 s.
	if n, sum := histogram(t, m, "easy_api_time_to_qr_seconds"); n != 2 || sum != 1.5 {
		t.Errorf("time to QR: %d samples, sum %v; want 2 summing 1.5s", n, sum)
	}
	if diff := cmp.Diff(map[session.Status]float64{session.StatusScanQRCode: 2}, sessionsByStatus(m)); diff != "" {
		t.Errorf("easy_api_sessions (-want +got):\n%s", diff)
	}
}

func TestSessionPSS(t *testing.T) {
	m, _ := newTestMetrics()
	d := driver{t, m.Publisher(nil)}

	d.status("alice", session.StatusStopped, session.StatusStarting, session.ReasonAPI)
	m.SetSessionPSS("alice", 70<<20)
	m.SetSessionPSS("bob", 80<<20) // unknown to the tracker: kept
	if got := testutil.ToFloat64(m.pss.WithLabelValues("alice")); got != 70<<20 {
		t.Errorf("pss{alice} = %v, want %v", got, 70<<20)
	}

	d.status("alice", session.StatusStarting, session.StatusStopped, session.ReasonAPI)
	m.SetSessionPSS("alice", 71<<20) // a sample racing the stop
	m.DeleteSession("bob")
	if n := testutil.CollectAndCount(m.pss); n != 0 {
		t.Errorf("%d PSS series left after stop and delete, want 0", n)
	}
}

func TestTrackAndDeleteSession(t *testing.T) {
	m, _ := newTestMetrics()
	d := driver{t, m.Publisher(nil)}

	m.TrackSession("idle", session.StatusStopped)
	m.TrackSession("broken", session.StatusFailed)
	d.status("idle", session.StatusStopped, session.StatusStarting, session.ReasonAPI)
	want := map[session.Status]float64{session.StatusStarting: 1, session.StatusFailed: 1}
	if diff := cmp.Diff(want, sessionsByStatus(m)); diff != "" {
		t.Errorf("easy_api_sessions (-want +got):\n%s", diff)
	}
	if got := testutil.ToFloat64(m.statusChanges.WithLabelValues("FAILED", "")); got != 0 {
		t.Errorf("TrackSession counted a transition")
	}

	m.DeleteSession("idle")
	m.DeleteSession("broken")
	m.DeleteSession("never-seen")
	if diff := cmp.Diff(map[session.Status]float64{}, sessionsByStatus(m)); diff != "" {
		t.Errorf("easy_api_sessions after delete (-want +got):\n%s", diff)
	}
}

func TestPublisherNextFails(t *testing.T) {
	m, _ := newTestMetrics()
	boom := errors.New("bus down")
	d := m.Publisher(&recorder{err: boom})

	err := d.Publish(context.Background(), "alice", session.EventStatus,
		&session.StatusEvent{Status: session.StatusStarting, Previous: session.StatusStopped, Reason: session.ReasonAPI})
	if !errors.Is(err, boom) {
		t.Fatalf("Publish error = %v, want the next publisher's", err)
	}
	if got := testutil.ToFloat64(m.published.WithLabelValues(session.EventStatus)); got != 0 {
		t.Errorf("a failed publish was counted as published")
	}
	if diff := cmp.Diff(map[session.Status]float64{session.StatusStarting: 1}, sessionsByStatus(m)); diff != "" {
		t.Errorf("the status change still happened (-want +got):\n%s", diff)
	}
}
