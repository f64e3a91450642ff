package session

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

// RefreshPolicy says when the snapshot of a WORKING multi-device session is
// taken again (ManagerConfig.Refresh), so that a node that restores it
// after a crash or a failover finds what WhatsApp stored last, not what it
// stored at link time: once its profile changed and then held still for
// Settle; never sooner than MinInterval after the previous snapshot; and,
// while the profile keeps changing, once MaxAge after the previous one.
type RefreshPolicy struct {
	Settle      time.Duration // quiet time after a change; 0 = never on settle
	MinInterval time.Duration // 0 = no minimum
	MaxAge      time.Duration // 0 = no bound
}

// Enabled reports whether the policy ever refreshes a snapshot.
func (p RefreshPolicy) Enabled() bool { return p.Settle > 0 || p.MaxAge > 0 }

// poll is how often the profile is looked at: a fraction of the settle
// time, so a refresh follows the quiet period closely.
func (p RefreshPolicy) poll() time.Duration {
	d := p.Settle / 4
	if p.Settle <= 0 {
		d = p.MaxAge / 10
	}
	return min(max(d, 100*time.Millisecond), 5*time.Second)
}

// profileState is what a refresh decision needs to know of a profile.
type profileState struct {
	changed time.Time // the newest change in the snapshot set
	dirty   bool      // it holds changes the stored snapshot lacks
	last    time.Time // when the stored snapshot was written; zero when none
}

// due reports whether a snapshot of st should be taken now.
func (p RefreshPolicy) due(st profileState, now time.Time) bool {
	if !st.dirty {
		return false
	}
	age := now.Sub(st.last)
	if !st.last.IsZero() && age < p.MinInterval {
		return false
	}
	settled := p.Settle > 0 && now.Sub(st.changed) >= p.Settle
	old := p.MaxAge > 0 && (st.last.IsZero() || age >= p.MaxAge)
	return settled || old
}

// refreshLoop looks at a profile through look every poll and takes its
// snapshot through take when p says so, until ctx ends. A snapshot that
// found the profile busy is tried again at the next look; one that failed
// otherwise (a full disk, say) waits ten looks or MinInterval.
func refreshLoop(ctx context.Context, p RefreshPolicy, now func() time.Time,
	look func() (profileState, error), take func(context.Context) error) {
	t := time.NewTicker(p.poll())
	defer t.Stop()
	var retryAt time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := look()
		if err != nil || now().Before(retryAt) || !p.due(st, now()) {
			continue
		}
		if err := take(ctx); err != nil && !errors.Is(err, errProfileBusy) && ctx.Err() == nil {
			retryAt = now().Add(max(10*p.poll(), p.MinInterval))
		}
	}
}

// snapMark is what a session remembers of the latest data file written in
// this process; zero before the first.
type snapMark struct {
	newest time.Time // the newest change in the profile when it was copied; zero for legacy tokens
	at     time.Time // when it was written
	stale  bool      // the snapshot store did not take it
}

// markSnapshot records a data file just written.
func (s *sess) markSnapshot(newest *time.Time, at time.Time, stored bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snap = snapMark{at: at, stale: !stored}
	if newest != nil {
		s.snap.newest = *newest
	}
}

// profileState reads the state of the session's profile in dir against
// the latest data file: the one this process wrote, else the one on disk
// (its modification time standing for what it holds).
func (s *sess) profileState(dir string) (profileState, error) {
	newest, err := newestChange(dir)
	if err != nil {
		return profileState{}, err
	}
	s.mu.Lock()
	mark := s.snap
	s.mu.Unlock()
	st := profileState{changed: newest, last: mark.at}
	switch {
	case !mark.at.IsZero():
		st.dirty = mark.stale || newest.After(mark.newest)
	default:
		info, err := os.Stat(DataFilePath(s.m.cfg.DataPath, s.id))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return profileState{}, err
		}
		if err == nil {
			st.last = info.ModTime()
		}
		st.dirty = err != nil || newest.After(st.last)
	}
	return st, nil
}

// newestChange returns the latest modification time of the snapshot set
// of the profile in dir (folders included: a file removed changes its
// folder), in UTC.
func newestChange(dir string) (time.Time, error) {
	var newest time.Time
	err := walkSnapshot(dir, func(_ string, info fs.FileInfo) error {
		if t := info.ModTime(); t.After(newest) {
			newest = t
		}
		return nil
	})
	return newest.UTC(), err
}

// linkSnapshotDelay lets WhatsApp Web finish writing its storage after a
// fresh link before the data file is written.
const linkSnapshotDelay = 2 * time.Second

// snapshotLinked writes the data file of a freshly linked session from its
// live profile, retrying while the storage is still changing.
func (w *watch) snapshotLinked(ctx context.Context) {
	s, m := w.r.s, w.r.s.m
	rec, err := m.cfg.Registry.Get(ctx, s.id)
	if err != nil {
		return
	}
	err = m.saveProfile(ctx, rec, w.prof.dir, true, "linked")
	if errors.Is(err, errProfileBusy) {
		if w.snapTries++; w.snapTries < 5 {
			w.snapTimer = time.NewTimer(linkSnapshotDelay)
		}
	}
}

// refresher is the goroutine that keeps one WORKING session's snapshot
// fresh; the watch that starts it stops it.
type refresher struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startRefresh starts the refresher of the watched session, unless the
// policy disables it or it runs already.
func (w *watch) startRefresh(ctx context.Context) {
	m := w.r.s.m
	if w.refresh != nil || !m.cfg.Refresh.Enabled() || w.cfg.legacy() {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	rf := &refresher{cancel: cancel}
	rf.done.Go(func() {
		refreshLoop(ctx, m.cfg.Refresh, m.now, func() (profileState, error) { return w.r.s.profileState(w.prof.dir) }, w.refreshSnapshot)
	})
	w.refresh = rf
}

// stopRefresh stops the refresher and waits for it: a snapshot under way
// is abandoned (its write fails on the canceled context; the previous data
// file stays).
func (w *watch) stopRefresh() {
	if w.refresh == nil {
		return
	}
	w.refresh.cancel()
	w.refresh.done.Wait()
	w.refresh = nil
}

// refreshSnapshot takes one snapshot of the running profile, while the
// session is WORKING with stored auth and this node owns it.
func (w *watch) refreshSnapshot(ctx context.Context) error {
	s, m := w.r.s, w.r.s.m
	if st, _, _, _, _ := s.snapshot(); st != StatusWorking || !w.prof.hasAuth() || !s.leaseValid() {
		return nil
	}
	rec, err := m.cfg.Registry.Get(ctx, s.id)
	if err != nil {
		return err
	}
	return m.saveProfile(ctx, rec, w.prof.dir, true, "refreshed")
}

// ctxWriter fails writes once ctx ends, so that a long copy stops soon
// after its caller gave up.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
