package session

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
)

// sess is one session: its live state and its lifecycle.
//
// The one rule: the live fields (status through phoneOff) are written only by
// the session's runner, the goroutine that owns its browser; the lifecycle
// fields (runner, deleted, purge) only by lifecycle calls holding the id's
// lifecycle lock (see lifecycle.go). Every write and read takes mu; code
// outside the runner reads through the methods below, never the fields.
type sess struct {
	id     string
	m      *Manager
	log    zerolog.Logger
	sup    *suture.Supervisor  // the session's child supervisor
	supTok suture.ServiceToken // sup's token in the root, issued by the root
	after  <-chan struct{}     // closed once a deleted session of the same id is buried; may be nil

	mu      sync.Mutex
	runner  *runner // the latest runner: live, stopping or done; nil before the first start
	deleted bool    // Delete took it: no runner starts again
	purge   bool    // and its profile is wiped once the runner is done

	status  Status
	reason  Reason
	errMsg  string
	attempt int
	history []Transition
	qr      *QR
	page    Page
	changed chan struct{} // closed and replaced on every status change

	usage     Usage     // latest sample of the running browser
	launched  time.Time // when the current browser launched; zero when none
	restarts  int       // relaunches since the last start
	recycling bool      // holds the manager's recycle slot
	phoneOff  bool      // legacy: the phone is offline
	snap      snapMark  // the latest data file this process wrote (freshness.go)

	snapMu sync.Mutex // one data file write at a time (saveDataFile)
}

func newSess(m *Manager, id string) *sess {
	s := &sess{
		id:      id,
		m:       m,
		log:     m.log.With().Str("session", id).Logger(),
		status:  StatusStopped,
		changed: make(chan struct{}),
	}
	s.sup = suture.New("session/"+id, suture.Spec{
		EventHook: func(e suture.Event) { s.log.Warn().Str("suture", e.String()).Msg("supervisor event") },
		Timeout:   m.stopBudget() + 5*time.Second,
	})
	return s
}

// setStatus records a transition, logs it and publishes session.status.
func (s *sess) setStatus(ctx context.Context, st Status, reason Reason, detail string) {
	prev, ev := s.record(st, reason, detail)
	s.report()

	// An operator must notice a session the supervisor gave up on (error)
	// or relaunches after a crash, hang or memory limit (warn); the rest,
	// planned recycling included, is the normal life of a session.
	lvl := zerolog.InfoLevel
	switch {
	case st == StatusFailed:
		lvl = zerolog.ErrorLevel
	case st == StatusRestarting && reason != ReasonRecycle:
		lvl = zerolog.WarnLevel
	}
	s.log.WithLevel(lvl).Str("status", string(st)).Str("previous", string(prev)).
		Str("reason", string(reason)).Int("attempt", ev.Attempt).Str("detail", detail).Msg("status")
	// A stop cancels the runner's context; its last transitions must still be told.
	s.m.publish(context.WithoutCancel(ctx), s.id, EventStatus, ev)
}

// record records a transition in the live state only and returns the
// previous status and the event telling it.
func (s *sess) record(st Status, reason Reason, detail string) (Status, StatusEvent) {
	s.mu.Lock()
	prev := s.status
	s.status, s.reason = st, reason
	if st == StatusFailed {
		s.errMsg = detail
	} else if st != StatusStopped {
		s.errMsg = ""
	}
	if st != StatusScanQRCode {
		s.qr = nil
	}
	if !st.Running() {
		s.phoneOff = false
	}
	s.history = append(s.history, Transition{Status: st, Reason: reason, At: s.m.now()})
	if len(s.history) > historyLen {
		s.history = s.history[len(s.history)-historyLen:]
	}
	ev := StatusEvent{Status: st, Previous: prev, Reason: reason, Detail: detail,
		Attempt: s.attempt, History: append([]Transition(nil), s.history...)}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return prev, ev
}

// snapshot returns the live part of the view.
func (s *sess) snapshot() (Status, Reason, string, int, []Transition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status, s.reason, s.errMsg, s.attempt, append([]Transition{}, s.history...)
}

// currentQR returns the status and the code shown (nil when none).
func (s *sess) currentQR() (Status, *QR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status, s.qr
}

// purging reports whether the session is deleted with its data.
func (s *sess) purging() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted && s.purge
}

// expectLogout tells the live runner whether a logout asked through the API
// is under way (it then ends STOPPED whatever relink_on_logout says) and
// returns it; nil when no runner is live.
func (s *sess) expectLogout(on bool) *runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner == nil || !s.runner.liveLocked() {
		return nil
	}
	s.runner.logoutByAPI = on
	return s.runner
}

// currentPage returns the running page, or nil.
func (s *sess) currentPage() Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.page
}

// waitChange returns a channel closed at the next status change, and the
// current status.
func (s *sess) waitChange() (<-chan struct{}, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed, s.status
}

// String names the session's runner for suture's logs.
func (s *sess) String() string { return "session/" + s.id }
