package session

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// How lifecycle calls stay consistent when many arrive at once:
//
//   - Create, Start, Stop, Restart, Delete and Logout on one id run one at a
//     time: each holds the id's lifecycle lock (lockID) while it changes the
//     record and the session's runner, so the state a call leaves is the
//     state the next one starts from. The lock is never held while a browser
//     closes, except by Logout, which must purge a closed profile.
//   - A session has at most one live runner. A new runner (a start after a
//     stop, or a session created again after a delete) waits until the
//     previous one is done, browser closed and profile unlocked, before it
//     does anything, so two browsers never share a profile and statuses
//     follow each other in order.
//   - A runner is stopped by canceling its own context, never through a
//     suture token: the runner ends itself and suture forgets it. The only
//     token used is the session supervisor's, issued by the root, and it is
//     removed once, after the session's last runner is done.
//   - Delete removes the record and the live state at once, then a burial
//     goroutine waits for the runner, purges the profile and removes the
//     supervisor. Stop, Restart and Delete always take effect (changeContext)
//     and then wait for the graceful close as long as their request's
//     context allows; past it they answer with a *Pending error and the
//     runner finishes on its own.

// Pending is what Stop, Restart and Delete return when their request's
// context ended before the browser finished closing: the call took effect
// and the session's runner finishes the close by itself. View is the
// session as it was when the context ended. The API answers 202 Accepted
// with it.
type Pending struct {
	View View
}

// Error says the call took effect and the browser is still closing.
func (p *Pending) Error() string {
	return fmt.Sprintf("session %q is %s; its browser is still closing", p.View.ID, p.View.Status)
}

// Start starts a stopped or failed session; starting a running one does
// nothing. A session whose browser is still closing starts once it closed.
func (m *Manager) Start(ctx context.Context, id string) (View, error) {
	_, s, unlock, err := m.lockSession(ctx, id)
	if err != nil {
		return View{}, err
	}
	defer unlock()
	rec, err := m.startRunning(ctx, s, ReasonAPI)
	if err != nil {
		return View{}, err
	}
	return m.view(rec, s), nil
}

// startRunning starts s's runner and records that it should run. The runner
// goes first (see persistStopped); when the record cannot be written, a
// runner it started is stopped again so the answer stays true.
func (m *Manager) startRunning(ctx context.Context, s *sess, reason Reason) (Record, error) {
	r := s.start(reason)
	rec, err := m.setRunning(ctx, s.id, true)
	if err != nil && r != nil {
		s.stopRunner(ReasonAPI)
	}
	return rec, err
}

// Stop closes a session's browser gracefully. ctx bounds only the wait for
// the close (the stop itself always happens, see changeContext): when ctx
// ends first it returns a *Pending with the view of that moment, and the
// runner finishes the close by itself.
func (m *Manager) Stop(ctx context.Context, id string) (View, error) {
	cctx, cancel := m.changeContext(ctx)
	defer cancel()
	_, s, unlock, err := m.lockSession(cctx, id)
	if err != nil {
		return View{}, err
	}
	rec, err := m.setRunning(cctx, id, false)
	if err != nil {
		unlock()
		return View{}, err
	}
	r := s.stopRunner(ReasonAPI)
	unlock()
	if !awaitRunner(ctx, r) {
		return View{}, &Pending{View: m.view(rec, s)}
	}
	return m.view(rec, s), nil
}

// Restart stops a session (when running) and starts it again; stored auth
// makes it resume without a QR. It waits for the old browser to close like
// Stop, answering *Pending when ctx ends first; the new browser launches
// once the old one closed either way.
func (m *Manager) Restart(ctx context.Context, id string) (View, error) {
	cctx, cancel := m.changeContext(ctx)
	defer cancel()
	_, s, unlock, err := m.lockSession(cctx, id)
	if err != nil {
		return View{}, err
	}
	old := s.stopRunner(ReasonAPI)
	rec, err := m.startRunning(cctx, s, ReasonAPI)
	unlock()
	if err != nil {
		return View{}, err
	}
	if !awaitRunner(ctx, old) {
		return View{}, &Pending{View: m.view(rec, s)}
	}
	return m.view(rec, s), nil
}

// Delete removes a session's record and stops its browser; purge also wipes
// its profile folder and session data. The id is gone at once (a Create of
// it may follow; its browser launches after this one closed). Delete waits
// for the close and the purge as long as ctx allows, else returns a *Pending
// and they finish by themselves.
func (m *Manager) Delete(ctx context.Context, id string, purge bool) error {
	cctx, cancel := m.changeContext(ctx)
	defer cancel()
	rec, s, unlock, err := m.lockSession(cctx, id)
	if err != nil {
		return err
	}
	s.markDeleted(true, purge)
	if err := m.cfg.Registry.Delete(cctx, id); err != nil {
		s.markDeleted(false, false)
		unlock()
		return err
	}
	last := s.stopRunner(ReasonAPI)
	gone := make(chan struct{})
	var buryErr error
	m.mu.Lock()
	delete(m.sessions, id)
	m.graves[id] = gone
	m.mu.Unlock()
	m.burials.Add(1)
	go m.bury(s, last, purge, gone, &buryErr)
	unlock()
	select {
	case <-gone:
		return buryErr
	case <-ctx.Done():
		return &Pending{View: m.view(rec, s)}
	}
}

// lockSession takes id's lifecycle lock and finds the session under it. On
// success the caller holds the lock and must call unlock.
func (m *Manager) lockSession(ctx context.Context, id string) (Record, *sess, func(), error) {
	unlock, err := m.lockID(ctx, id)
	if err != nil {
		return Record{}, nil, nil, err
	}
	rec, s, err := m.lookupLocked(ctx, id)
	if err != nil {
		unlock()
		return Record{}, nil, nil, err
	}
	return rec, s, unlock, nil
}

// idLock is one id's lifecycle lock: a one-slot channel, so waiting for it
// can honour a context. refs counts holders and waiters; the last one out
// removes it from the manager.
type idLock struct {
	slot chan struct{}
	refs int
}

// lockID takes id's lifecycle lock, waiting at most until ctx ends. It also
// waits for Serve to have registered the stored sessions.
func (m *Manager) lockID(ctx context.Context, id string) (unlock func(), err error) {
	if err := m.waitServing(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	l := m.locks[id]
	if l == nil {
		l = &idLock{slot: make(chan struct{}, 1)}
		m.locks[id] = l
	}
	l.refs++
	m.mu.Unlock()
	release := func() {
		m.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(m.locks, id)
		}
		m.mu.Unlock()
	}
	unlock = func() { <-l.slot; release() }
	select {
	case l.slot <- struct{}{}: // a free lock wins over a context that just ended
		return unlock, nil
	default:
	}
	select {
	case l.slot <- struct{}{}:
		return unlock, nil
	case <-ctx.Done():
		release()
		return nil, apperr.Wrap(ctx.Err(), apperr.Timeout, "another lifecycle call on session %q did not finish in time", id)
	}
}

// waitServing waits until Serve has registered the stored sessions.
func (m *Manager) waitServing(ctx context.Context) error {
	select {
	case <-m.serving:
		return nil
	default:
	}
	select {
	case <-m.serving:
		return nil
	case <-ctx.Done():
		return apperr.Wrap(ctx.Err(), apperr.Unavailable, "the sessions supervisor is not started yet")
	}
}

// changeContext is the context of the part of Stop, Restart and Delete that
// changes state: waiting for the id's lock and writing the record. Their
// request's deadline bounds only the wait for the browser to close, so even
// a zero one takes effect; this is bounded instead by what the lock's holder
// may take (a Logout waiting for a close) plus a record write.
func (m *Manager) changeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), m.stopBudget()+m.cfg.CallTimeout)
}

// stopBudget bounds a runner's teardown: the graceful close, then the
// snapshot of a large profile into the data file.
func (m *Manager) stopBudget() time.Duration { return m.cfg.CloseTimeout + 30*time.Second }

// start adds a runner to the session's supervisor unless a live one exists
// or the session is deleted; it returns the runner it added, or nil. The
// caller holds the id's lifecycle lock (or is Serve at boot).
func (s *sess) start(reason Reason) *runner {
	s.mu.Lock()
	last := s.runner
	if s.deleted || last != nil && last.liveLocked() {
		s.mu.Unlock()
		return nil
	}
	r := newRunner(s, reason)
	if last != nil {
		r.after = last.done
	} else {
		r.after = s.after
	}
	s.runner = r
	s.mu.Unlock()
	s.sup.Add(r)
	return r
}

// stopRunner asks the live runner to stop with reason and returns the
// session's latest runner (stopping, or already ending by itself), or nil
// when it never ran. Wait for its done channel to know the browser closed.
func (s *sess) stopRunner(reason Reason) *runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runner
	if r != nil && r.liveLocked() {
		r.stopReason = reason
		r.cancel()
	}
	return r
}

// markDeleted makes the session refuse new runners (and a runner that finds
// its record gone end quietly), or, with deleted false, undoes that after
// the record could not be removed.
func (s *sess) markDeleted(deleted, purge bool) {
	s.mu.Lock()
	s.deleted, s.purge = deleted, purge
	s.mu.Unlock()
}

// isDeleted reports whether Delete took the session.
func (s *sess) isDeleted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted
}

// awaitRunner waits until r (which may be nil) is done or ctx ends; it
// reports whether r is done.
func awaitRunner(ctx context.Context, r *runner) bool {
	if r == nil {
		return true
	}
	return awaitClosed(ctx, r.done)
}

// awaitClosed waits until ch (which may be nil) is closed or ctx ends; it
// reports whether ch is closed.
func awaitClosed(ctx context.Context, ch <-chan struct{}) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// bury finishes a deleted session: it waits for its last runner, purges its
// profile and data when asked, removes its supervisor from the root and
// closes gone. Any later session with the same id waits for gone before it
// launches. A purge failure is stored in *errp before gone closes.
func (m *Manager) bury(s *sess, last *runner, purge bool, gone chan struct{}, errp *error) {
	defer m.burials.Done()
	defer close(gone)
	defer func() {
		m.mu.Lock()
		if m.graves[s.id] == (<-chan struct{})(gone) {
			delete(m.graves, s.id)
		}
		m.mu.Unlock()
	}()
	if last != nil {
		select {
		case <-last.done:
		case <-m.serveCtx.Done():
			// Shutting down: the root cancels the runner, which still closes
			// its browser; wait for that, but not forever if it never ran.
			t := time.NewTimer(m.stopBudget())
			select {
			case <-last.done:
			case <-t.C:
			}
			t.Stop()
		}
	}
	if purge {
		*errp = m.purgeDeleted(s.id)
	}
	// The session's runners are all done: this token, issued by the root
	// for this very supervisor, is the one thing left to remove.
	if err := m.root.Remove(s.supTok); err != nil {
		s.log.Warn().Err(err).Msg("remove session supervisor")
	}
}

// purgeDeleted wipes a deleted session's profile folder and data file.
func (m *Manager) purgeDeleted(id string) error {
	prof := profile{dir: ProfileDir(m.cfg.DataPath, id)}
	lock, err := prof.lock()
	if err != nil {
		return fmt.Errorf("purge session data: %w", lockError(err))
	}
	err = os.RemoveAll(prof.dir)
	lock.unlock()
	if err != nil {
		return fmt.Errorf("purge session data: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.forgetData(ctx, id, "logout")
	return nil
}
