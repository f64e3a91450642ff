package e2e

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// statusLog records every session.status event, for tests that must see
// the whole story (the view's history holds only the last five).
type statusLog struct {
	mu  sync.Mutex
	evs []session.StatusEvent
}

func (l *statusLog) Publish(_ context.Context, _, typ string, data any) error {
	if ev, ok := data.(session.StatusEvent); ok && typ == session.EventStatus {
		l.mu.Lock()
		l.evs = append(l.evs, ev)
		l.mu.Unlock()
	}
	return nil
}

func (l *statusLog) has(st session.Status, r session.Reason) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.evs, func(ev session.StatusEvent) bool { return (st == "" || ev.Status == st) && (r == "" || ev.Reason == r) })
}

// TestMemoryLimitSetAtRestartReachesOldSessions: a session created and
// linked under a server without a memory limit is recycled (reason
// memory_limit, no QR) once the server restarts with --max-session-memory
// 20MB: the default is read at every launch, not baked in at creation.
func TestMemoryLimitSetAtRestartReachesOldSessions(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	dir := srv.dir
	srv.create("old", nil)
	if v := srv.link(sm, "old", "15550007001"); v.EffectiveConfig.MaxMemory != 0 || v.Config.MaxMemory != nil {
		t.Fatalf("before: config %+v effective %+v", v.Config, v.EffectiveConfig)
	}
	srv.stop()

	log := &statusLog{}
	srv2 := startServer(t, dir, sm, serverOpts{tee: log, args: []string{"--max-session-memory", "20MB", "--sample-interval", "200ms"},
		restart: session.RestartPolicy{InitialBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Budget: 2, Window: time.Minute}})
	v := srv2.wait("old", session.StatusFailed)
	if v.Reason != session.ReasonMemoryLimit || v.EffectiveConfig.MaxMemory != 20e6 || v.Config.MaxMemory != nil {
		t.Fatalf("after restart: %s (%s) config %+v effective %+v", v.Status, v.Reason, v.Config, v.EffectiveConfig)
	}
	if !log.has(session.StatusRestarting, session.ReasonMemoryLimit) || log.has(session.StatusScanQRCode, "") {
		t.Fatalf("want a recycle (RESTARTING memory_limit) and no QR; got %+v", log.evs)
	}
}

// TestShortAuthTimeoutSurvivesASlowPageLoad: a linked session with a short
// auth_timeout override resumes after a restart while its page takes longer
// than that timeout to load (a slow network): the bound counts from the
// loaded page, so the stored auth is never purged for it.
func TestShortAuthTimeoutSurvivesASlowPageLoad(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	dir := srv.dir
	srv.create("slow", map[string]any{"auth_timeout": "2s"})
	srv.link(sm, "slow", "15550007002")
	srv.stop()

	sm.assetDelay.Store(int64(4 * time.Second)) // twice the auth_timeout
	log := &statusLog{}
	srv2 := startServer(t, dir, sm, serverOpts{tee: log})
	v := srv2.wait("slow", session.StatusWorking)
	if v.Reason != session.ReasonReauthOK || log.has("", session.ReasonReauthFailed) || log.has(session.StatusScanQRCode, "") {
		t.Fatalf("resume under a slow load: %s (%s), events %+v", v.Status, v.Reason, log.evs)
	}
	if !log.has(session.StatusResuming, "") {
		t.Fatalf("never RESUMING: %+v", log.evs)
	}
}
