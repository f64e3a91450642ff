package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/easy-api/easy-api/internal/apperr"
)

// outcomeKind says how one browser run ended.
type outcomeKind int

const (
	outCanceled outcomeKind = iota // the runner's context ended (stop or shutdown)
	outCrashed                     // relaunch with backoff, counted against the budget
	outRelaunch                    // relaunch at once, not a failure (stale auth purged)
	outFailed                      // give up: FAILED
	outStopped                     // stop without error: STOPPED
	outYield                       // cluster: this node cannot run it now; release the lease for another
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

// runner is the suture service that keeps one session's browser alive. It is
// the only writer of the session's live state (see sess) and ends itself:
// stopping it means canceling its own context (stopRunner), after which it
// closes its browser, records the final status, closes done and returns
// ErrDoNotRestart, so suture forgets it.
type runner struct {
	s      *sess
	reason Reason // reason of the first transition
	budget *restartBudget
	after  <-chan struct{} // closed once the session's previous runner is done; may be nil

	stopCtx context.Context // canceled to stop the runner
	cancel  context.CancelFunc
	done    chan struct{} // closed once the browser is closed and the final status set

	// Guarded by s.mu.
	stopReason  Reason // why the runner is being stopped
	finished    bool   // the final status is being recorded
	logoutByAPI bool   // a logout asked through the API ends STOPPED
	lease       Lease  // in a cluster, this node's hold on the session
	leaseLost   bool   // the lease was lost: the browser is killed, the end is quiet
	handover    bool   // stopping to hand the session to another node (drain)
	stale       bool   // another node ran it since this one did: drop the local profile
}

func newRunner(s *sess, reason Reason) *runner {
	stopCtx, cancel := context.WithCancel(context.Background())
	return &runner{s: s, reason: reason, budget: newRestartBudget(s.m.cfg.Restart),
		stopCtx: stopCtx, cancel: cancel, done: make(chan struct{})}
}

// liveLocked reports whether the runner neither ends nor was asked to stop.
// The caller holds s.mu.
func (r *runner) liveLocked() bool { return !r.finished && r.stopCtx.Err() == nil }

// String names the runner in suture's logs.
func (r *runner) String() string { return "session/" + r.s.id + "/runner" }

// Serve runs the session until it is stopped, fails or ctx (the supervisor
// tree's) ends. done is closed only on a normal return: after a panic suture
// calls Serve again and the runner goes on.
func (r *runner) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(r.stopCtx, cancel)()
	// The previous runner's statuses and browser come first, even when this
	// one is stopped before it began: it always ends quickly (its own
	// context is canceled or it is finishing).
	if r.after != nil {
		<-r.after
	}
	if ctx.Err() == nil {
		r.run(ctx)
	} else {
		r.finish(StatusStopped, r.whyStopped(), "", false)
	}
	r.cancel()
	close(r.done)
	return suture.ErrDoNotRestart
}

// run launches browsers until the session stops, fails or ctx ends.
func (r *runner) run(ctx context.Context) {
	s := r.s
	lease, ok := r.takeLease(ctx)
	if !ok {
		r.finish(StatusStopped, ReasonAPI, "", false)
		return
	}
	if lease != nil {
		var cancel func()
		ctx, cancel = r.watchLease(ctx, lease)
		defer cancel()
		defer lease.Release(context.WithoutCancel(ctx))
	}
	s.mu.Lock()
	s.attempt, s.restarts = 0, 0
	s.mu.Unlock()
	reason, restarting, restore := r.reason, false, true
	for {
		out := r.runBrowser(ctx, reason, restarting, restore)
		restore = true
		if ctx.Err() != nil {
			r.finish(StatusStopped, r.whyStopped(), "", false)
			return
		}
		switch out.kind {
		case outFailed:
			r.finish(StatusFailed, out.reason, out.detail, true)
			return
		case outStopped:
			r.finish(StatusStopped, out.reason, out.detail, true)
			return
		case outYield:
			s.log.Warn().Str("detail", out.detail).Msg("yielding the session to another node")
			s.mu.Lock()
			r.handover = true
			s.mu.Unlock()
			r.finish(StatusStopped, out.reason, out.detail, false)
			return
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
				return
			}
			if !ok {
				r.finish(StatusFailed, ReasonRestartBudget, fmt.Sprintf(
					"%d failures within %s, last: %s (%s); POST /v1/sessions/%s/start tries again",
					r.budget.count(), s.m.cfg.Restart.Window, out.reason, out.detail, s.id), true)
				return
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
				r.finish(StatusStopped, r.whyStopped(), "", false)
				return
			}
			reason, restarting = out.reason, true
		default:
			reason = out.reason
		}
	}
}

// whyStopped is why the runner's context ended: a stop through the API, or
// the server shutting down.
func (r *runner) whyStopped() Reason {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.stopReason != "" {
		return r.stopReason
	}
	return ReasonShutdown
}

// finish marks the runner finished and records the final status, in that
// order, so that whoever sees the status can start the session again. With
// persist it first records that the session should not run at the next boot.
//
// A quiet end (no lease, lease lost, hand-over) records STOPPED here only:
// the session goes on, on another node, and must still run at its boot.
func (r *runner) finish(st Status, reason Reason, detail string, persist bool) {
	s := r.s
	s.releaseRecycle()
	quiet := r.quiet() || r.lease == nil && s.m.cfg.Leases != nil
	if persist && !quiet {
		r.persistStopped()
	}
	s.mu.Lock()
	r.finished = true
	s.mu.Unlock()
	if quiet {
		s.record(StatusStopped, reason, "")
		return
	}
	s.setStatus(context.Background(), st, reason, detail)
}

// persistStopped records that the session should not run at the next boot,
// unless a later start took over (or the session is deleted): the check runs
// inside the record's compare-and-set, and Start swaps the runner before it
// writes Running, so whichever write lands last is right.
func (r *runner) persistStopped() {
	s := r.s
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.m.cfg.Registry.Update(ctx, s.id, func(rec *Record) error {
		s.mu.Lock()
		current := s.runner == r && !s.deleted
		s.mu.Unlock()
		if current {
			rec.Running = false
		}
		return nil
	})
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		s.log.Warn().Err(err).Msg("persist stopped")
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
		if s.isDeleted() { // Delete removed the record and is about to stop us
			return outcome{kind: outStopped, reason: ReasonAPI, detail: "session deleted"}
		}
		if m.cfg.Leases != nil && !errors.Is(err, apperr.ErrNotFound) {
			// A shared store briefly without a leader: let a node that
			// reads it take the session, never give up on it.
			return outcome{kind: outYield, reason: ReasonLaunchFailed, detail: "read session record: " + err.Error()}
		}
		return outcome{kind: outFailed, reason: ReasonLaunchFailed, detail: "read session record: " + err.Error()}
	}
	cfg := m.effective(rec)
	prof := profile{dir: ProfileDir(m.cfg.DataPath, s.id)}
	lock, err := prof.lock()
	if err != nil {
		return outcome{kind: outFailed, reason: ReasonLaunchFailed, detail: err.Error()}
	}
	defer lock.unlock()
	var seed map[string]string
	if restore {
		r.dropStale(prof)
		if err := m.restoreIfEmpty(ctx, s.id, prof); err != nil && m.cfg.Leases != nil {
			// The replicated store is electing a leader, say: a QR now
			// would ask for a re-scan the snapshot makes needless. The
			// lease goes back; placement retries, here or elsewhere.
			return outcome{kind: outYield, reason: ReasonLaunchFailed, detail: "read the session's snapshot: " + err.Error()}
		}
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
		Headful: cfg.Headful, LocalStorage: seed})
	if err != nil {
		return launchOutcome(ctx, err)
	}
	s.mu.Lock()
	s.page, s.launched, s.usage = page, m.now(), Usage{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.page, s.launched = nil, time.Time{}
		lost := r.leaseLost
		s.mu.Unlock()
		closeTimeout := m.cfg.CloseTimeout
		if lost {
			closeTimeout = min(closeTimeout, leaseCloseTimeout)
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		if err := page.Close(cctx); err != nil {
			s.log.Warn().Err(err).Msg("close browser")
		}
		cancel()
		if out.kind == outCanceled && !s.purging() && !lost {
			// A graceful close leaves a consistent profile: keep its data file current.
			m.snapshotStopped(context.WithoutCancel(ctx), s.id, prof)
		}
		if out.purge {
			if err := prof.purge(); err != nil {
				s.log.Error().Err(err).Msg("purge profile")
			}
		}
	}()
	w := &watch{r: r, page: page, cfg: cfg, prof: prof, reason: reason, release: release}
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
