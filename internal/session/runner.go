package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/thejerf/suture/v4"
)

// outcomeKind says how one browser run ended.
type outcomeKind int

const (
	outCanceled outcomeKind = iota // the runner's context ended (stop or shutdown)
	outCrashed                     // relaunch with backoff, counted against the budget
	outRelaunch                    // relaunch at once, not a failure (stale auth purged)
	outFailed                      // give up: FAILED
	outStopped                     // stop without error: STOPPED
)

// outcome is how one browser run ended.
type outcome struct {
	kind      outcomeKind
	reason    Reason
	detail    string
	purge     bool          // wipe the profile once the browser is closed
	free      bool          // a planned recycle: not counted against the budget
	workedFor time.Duration // time spent WORKING in this run
}

// runner is the suture service that keeps one session's browser alive. Its
// Serve loop is the only writer of the session's live state.
type runner struct {
	s      *sess
	reason Reason // reason of the first transition
	budget *restartBudget
}

// start adds a runner to the session's supervisor unless one is active.
func (s *sess) start(reason Reason) {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	if s.active {
		s.mu.Unlock()
		return
	}
	s.active, s.attempt, s.stopReason, s.logoutByAPI, s.restarts = true, 0, "", false, 0
	s.mu.Unlock()
	s.tok = s.sup.Add(&runner{s: s, reason: reason, budget: newRestartBudget(s.m.cfg.Restart)})
}

// stopBudget bounds a runner's teardown: the graceful close, then the
// snapshot of a large profile into the data file.
func (m *Manager) stopBudget() time.Duration { return m.cfg.CloseTimeout + 30*time.Second }

// stop removes the runner and waits until its browser is closed.
func (s *sess) stop(ctx context.Context, reason Reason) {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.stopLocked(reason)
}

// stopLocked is stop for a caller that holds s.ops.
func (s *sess) stopLocked(reason Reason) {
	s.mu.Lock()
	active := s.active
	s.stopReason = reason
	s.mu.Unlock()
	if !active {
		return
	}
	if err := s.sup.RemoveAndWait(s.tok, s.m.stopBudget()+5*time.Second); err != nil {
		s.log.Warn().Err(err).Msg("stop runner")
	}
}

// String names the runner in suture's logs.
func (r *runner) String() string { return "session/" + r.s.id + "/runner" }

// Serve runs browsers until the session stops, fails or ctx ends.
func (r *runner) Serve(ctx context.Context) error {
	s := r.s
	reason, restarting, restore := r.reason, false, true
	for {
		out := r.runBrowser(ctx, reason, restarting, restore)
		restore = true
		if ctx.Err() != nil {
			s.mu.Lock()
			why := s.stopReason
			s.mu.Unlock()
			if why == "" {
				why = ReasonShutdown
			}
			r.finish(StatusStopped, why, "", false)
			return ctx.Err()
		}
		switch out.kind {
		case outFailed:
			r.finish(StatusFailed, out.reason, out.detail, true)
			return suture.ErrDoNotRestart
		case outStopped:
			r.finish(StatusStopped, out.reason, out.detail, true)
			return suture.ErrDoNotRestart
		case outRelaunch:
			// The stored data was just refused: never restore it into the
			// fresh profile, even if forgetting it failed.
			reason, restarting, restore = out.reason, false, false
		case outCrashed:
			if out.free {
				s.mu.Lock()
				s.restarts++
				s.mu.Unlock()
				s.setStatus(ctx, StatusRestarting, out.reason, out.detail)
				reason, restarting = out.reason, true
				continue
			}
			now := s.m.now()
			if out.workedFor >= s.m.cfg.Restart.Window {
				r.budget.healthy()
			}
			wait, ok := r.budget.fail(now)
			s.mu.Lock()
			s.attempt = r.budget.count()
			s.mu.Unlock()
			if !ok && out.reason == ReasonMemoryLimit {
				r.finish(StatusFailed, ReasonMemoryLimit, fmt.Sprintf(
					"%d restarts within %s, each over the memory limit (%s); raise the session's max_memory or --max-session-memory",
					r.budget.count(), s.m.cfg.Restart.Window, out.detail), true)
				return suture.ErrDoNotRestart
			}
			if !ok {
				r.finish(StatusFailed, ReasonRestartBudget, fmt.Sprintf(
					"%d failures within %s, last: %s (%s); POST /v1/sessions/%s/start tries again",
					r.budget.count(), s.m.cfg.Restart.Window, out.reason, out.detail, s.id), true)
				return suture.ErrDoNotRestart
			}
			s.mu.Lock()
			s.restarts++
			s.mu.Unlock()
			s.setStatus(ctx, StatusRestarting, out.reason, out.detail)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				r.finish(StatusStopped, r.stopReason(), "", false)
				return ctx.Err()
			}
			reason, restarting = out.reason, true
		default:
			reason = out.reason
		}
	}
}

// stopReason is why the runner's context ended: a stop through the API, or
// the server shutting down.
func (r *runner) stopReason() Reason {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.stopReason != "" {
		return r.s.stopReason
	}
	return ReasonShutdown
}

// finish marks the runner inactive and records the final status, in that
// order, so that whoever sees the status can start the session again. With
// persist it first records that the session should not run at the next boot.
func (r *runner) finish(st Status, reason Reason, detail string, persist bool) {
	s := r.s
	s.releaseRecycle()
	if persist {
		r.persistStopped()
	}
	s.mu.Lock()
	s.active = false
	s.mu.Unlock()
	s.setStatus(context.Background(), st, reason, detail)
}

// persistStopped records that the session should not run at the next boot.
func (r *runner) persistStopped() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.s.m.setRunning(ctx, r.s.id, false); err != nil {
		r.s.log.Warn().Err(err).Msg("persist stopped")
	}
}

// runBrowser launches one browser and watches it until it ends.
func (r *runner) runBrowser(ctx context.Context, reason Reason, restarting, restore bool) (out outcome) {
	s, m := r.s, r.s.m
	rec, err := m.cfg.Registry.Get(ctx, s.id)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{kind: outCanceled}
		}
		return outcome{kind: outFailed, reason: ReasonLaunchFailed, detail: "read session record: " + err.Error()}
	}
	prof := profile{dir: ProfileDir(m.cfg.DataPath, s.id)}
	lock, err := prof.lock()
	if err != nil {
		return outcome{kind: outFailed, reason: ReasonLaunchFailed, detail: err.Error()}
	}
	defer lock.unlock()
	var seed map[string]string
	if restore {
		m.restoreIfEmpty(ctx, s.id, prof)
		seed = m.legacySeed(s.id, prof)
	}
	if !restarting {
		s.setStatus(ctx, StatusStarting, reason, "")
	}
	m.publish(ctx, s.id, EventProgress, ProgressEvent{Stage: "launching", Percent: 10})

	select {
	case m.launch <- struct{}{}:
	case <-ctx.Done():
		return outcome{kind: outCanceled}
	}
	held := true
	release := func() {
		if held {
			held = false
			<-m.launch
		}
	}
	defer release()

	page, err := m.cfg.Launcher.Launch(ctx, LaunchSpec{SessionID: s.id, ProfileDir: prof.dir, URL: m.cfg.URL,
		Headful: rec.Config.Headful, LocalStorage: seed})
	if err != nil {
		return launchOutcome(ctx, err)
	}
	s.mu.Lock()
	s.page, s.launched, s.usage = page, m.now(), Usage{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.page, s.launched = nil, time.Time{}
		s.mu.Unlock()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.CloseTimeout)
		if err := page.Close(cctx); err != nil {
			s.log.Warn().Err(err).Msg("close browser")
		}
		cancel()
		if out.kind == outCanceled {
			// A graceful close leaves a consistent profile: keep its data file current.
			m.snapshotStopped(context.WithoutCancel(ctx), s.id, prof)
		}
		if out.purge {
			if err := prof.purge(); err != nil {
				s.log.Error().Err(err).Msg("purge profile")
			}
		}
	}()
	w := &watch{r: r, page: page, cfg: rec.Config, prof: prof, reason: reason, release: release}
	return w.run(ctx)
}

// launchOutcome maps a launch error to an outcome.
func launchOutcome(ctx context.Context, err error) outcome {
	switch {
	case ctx.Err() != nil:
		return outcome{kind: outCanceled}
	case errors.Is(err, ErrNoDisplay):
		return outcome{kind: outFailed, reason: ReasonNoDisplay, detail: err.Error()}
	case errors.Is(err, ErrNoBrowser), errors.Is(err, ErrMissingBundle):
		return outcome{kind: outFailed, reason: ReasonLaunchFailed, detail: err.Error()}
	case errors.Is(err, ErrLoadFailed):
		return outcome{kind: outCrashed, reason: ReasonLoadFailed, detail: err.Error()}
	default:
		return outcome{kind: outCrashed, reason: ReasonLaunchFailed, detail: err.Error()}
	}
}

// crashOutcome maps why a page ended to an outcome.
func crashOutcome(err error) outcome {
	switch {
	case errors.Is(err, ErrRendererCrashed):
		return outcome{kind: outCrashed, reason: ReasonRendererCrashed, detail: err.Error()}
	case errors.Is(err, ErrUnresponsive):
		return outcome{kind: outCrashed, reason: ReasonUnresponsive, detail: err.Error()}
	case err == nil:
		return outcome{kind: outCrashed, reason: ReasonBrowserExited, detail: "browser closed"}
	default:
		return outcome{kind: outCrashed, reason: ReasonBrowserExited, detail: err.Error()}
	}
}

func decode[T any](raw json.RawMessage) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// releaseRecycle frees the manager's recycle slot if this session holds it.
func (s *sess) releaseRecycle() {
	s.mu.Lock()
	held := s.recycling
	s.recycling = false
	s.mu.Unlock()
	if held {
		<-s.m.recycle
	}
}

// tryRecycle takes the manager's recycle slot without waiting.
func (s *sess) tryRecycle() bool {
	select {
	case s.m.recycle <- struct{}{}:
		s.mu.Lock()
		s.recycling = true
		s.mu.Unlock()
		return true
	default:
		return false
	}
}
