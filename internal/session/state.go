package session

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
)

// sess is one session's live state. Its fields are written only by its
// runner goroutine (and by the manager while no runner exists); readers
// take snapshots under mu.
type sess struct {
	id     string
	m      *Manager
	log    zerolog.Logger
	sup    *suture.Supervisor  // the session's child supervisor
	supTok suture.ServiceToken // sup's token in the root
	tok    suture.ServiceToken // the runner's token in sup

	// ops serialises lifecycle commands (start, stop, delete) on this session.
	ops sync.Mutex

	mu      sync.Mutex
	active  bool // a runner is added to sup
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

	stopReason  Reason // why the runner's context is being canceled
	logoutByAPI bool   // a logout asked through the API ends STOPPED
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

	s.log.Info().Str("status", string(st)).Str("previous", string(prev)).
		Str("reason", string(reason)).Int("attempt", ev.Attempt).Str("detail", detail).Msg("status")
	s.m.publish(ctx, s.id, EventStatus, ev)
}

// snapshot returns the live part of the view.
func (s *sess) snapshot() (Status, Reason, string, int, []Transition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status, s.reason, s.errMsg, s.attempt, append([]Transition{}, s.history...)
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
