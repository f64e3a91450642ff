package metrics

import (
	"context"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// Re-auth outcomes, the values of easy_api_reauth_total{outcome}.
const (
	reauthOK     = "ok"
	reauthFailed = "failed"
)

// tracked is what the metrics remember of one session between its events.
// A zero time means "no measurement running".
type tracked struct {
	status     session.Status
	startingAt time.Time // entered STARTING; cleared by its first QR
	linkedAt   time.Time // entered SYNCING after a scan or pairing code
	resumingAt time.Time // entered RESUMING
}

// Publisher returns a session.Publisher that observes every event and then
// passes it to next (which may be nil: then events are only observed).
//
// From session.status events it maintains easy_api_sessions,
// easy_api_session_status_changes_total, easy_api_session_restarts_total and
// easy_api_reauth_total (an outcome is counted when a session leaves
// RESUMING with reason reauth_ok or reauth_failed), and it times
// easy_api_time_to_qr_seconds (STARTING → first session.qr),
// easy_api_time_to_working_seconds (SYNCING after a scan or pairing →
// WORKING) and easy_api_reauth_seconds (RESUMING → WORKING). A session
// entering STOPPED or FAILED loses its easy_api_session_pss_bytes series:
// it has no browser any more. Status tracking happens even when next fails;
// easy_api_events_published_total counts only the events next accepted.
func (m *Metrics) Publisher(next session.Publisher) session.Publisher {
	return &publisher{m: m, next: next}
}

type publisher struct {
	m    *Metrics
	next session.Publisher
}

// Publish implements session.Publisher.
func (p *publisher) Publish(ctx context.Context, id, typ string, data any) error {
	switch ev := data.(type) {
	case session.StatusEvent:
		p.m.observeStatus(id, ev)
	case *session.StatusEvent:
		if ev != nil {
			p.m.observeStatus(id, *ev)
		}
	case session.QREvent, *session.QREvent:
		p.m.observeQR(id)
	}
	if p.next != nil {
		if err := p.next.Publish(ctx, id, typ, data); err != nil {
			return err
		}
	}
	p.m.published.WithLabelValues(typ).Inc()
	return nil
}

// observeStatus applies one session.status event.
func (m *Metrics) observeStatus(id string, ev session.StatusEvent) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.track(id, ev.Status)

	m.statusChanges.WithLabelValues(string(ev.Status), string(ev.Reason)).Inc()
	if ev.Status == session.StatusRestarting {
		m.restarts.WithLabelValues(string(ev.Reason)).Inc()
	}
	if ev.Previous == session.StatusResuming {
		switch ev.Reason {
		case session.ReasonReauthOK:
			m.reauth.WithLabelValues(reauthOK).Inc()
		case session.ReasonReauthFailed:
			m.reauth.WithLabelValues(reauthFailed).Inc()
		}
	}

	switch ev.Status {
	case session.StatusStarting:
		t.startingAt, t.resumingAt, t.linkedAt = now, time.Time{}, time.Time{}
	case session.StatusResuming:
		t.resumingAt = now
	case session.StatusSyncing:
		if ev.Reason == session.ReasonScanned || ev.Reason == session.ReasonPaired {
			t.linkedAt = now
		}
	case session.StatusWorking:
		if !t.resumingAt.IsZero() && ev.Previous == session.StatusResuming && ev.Reason == session.ReasonReauthOK {
			m.reauthSeconds.Observe(now.Sub(t.resumingAt).Seconds())
		}
		if !t.linkedAt.IsZero() {
			m.timeToWorking.Observe(now.Sub(t.linkedAt).Seconds())
		}
		*t = tracked{status: t.status}
	case session.StatusScanQRCode:
		t.resumingAt = time.Time{}
	default: // RESTARTING, STOPPED, FAILED: whatever was being timed is over
		*t = tracked{status: t.status}
	}
	if !ev.Status.Running() {
		m.pss.DeleteLabelValues(id)
	}
}

// observeQR applies one session.qr event.
func (m *Metrics) observeQR(id string) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tracked[id]
	if !ok || t.startingAt.IsZero() {
		return
	}
	m.timeToQR.Observe(now.Sub(t.startingAt).Seconds())
	t.startingAt = time.Time{}
}

// track moves session id to status st in easy_api_sessions and returns its
// record. The caller holds m.mu.
func (m *Metrics) track(id string, st session.Status) *tracked {
	t, ok := m.tracked[id]
	if !ok {
		t = &tracked{}
		m.tracked[id] = t
	}
	if t.status == st {
		return t
	}
	if t.status != "" {
		m.sessions.WithLabelValues(string(t.status)).Dec()
	}
	m.sessions.WithLabelValues(string(st)).Inc()
	t.status = st
	return t
}

// TrackSession records that session id exists in status st without counting
// a transition. Call it for every known session at boot and for a session
// created without being started (which emits no status event), so that
// easy_api_sessions counts sessions that sit in STOPPED or FAILED.
func (m *Metrics) TrackSession(id string, st session.Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.track(id, st)
}

// DeleteSession forgets session id: it leaves easy_api_sessions and its
// easy_api_session_pss_bytes series is removed. Call it when a session is
// deleted.
func (m *Metrics) DeleteSession(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tracked[id]; ok {
		m.sessions.WithLabelValues(string(t.status)).Dec()
		delete(m.tracked, id)
	}
	m.pss.DeleteLabelValues(id)
}

// SetSessionPSS sets easy_api_session_pss_bytes of session id. A sample that
// arrives after the session reached STOPPED or FAILED is dropped, so a
// sampler racing a stop cannot leave a stale series behind.
func (m *Metrics) SetSessionPSS(id string, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tracked[id]; ok && !t.status.Running() {
		return
	}
	m.pss.WithLabelValues(id).Set(float64(bytes))
}
