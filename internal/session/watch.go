package session

import (
	"context"
	"fmt"
	"time"
)

// watch follows one running page and applies the re-auth rules of DESIGN §3.
type watch struct {
	r       *runner
	page    Page
	cfg     EffectiveConfig
	prof    profile
	reason  Reason // reason of the next meaningful transition
	release func() // frees the launch slot once the page has booted

	resuming   bool      // stored auth is being restored
	linkReason Reason    // scanned or paired once a fresh link happened
	qrCount    int       // codes shown in this SCAN_QR_CODE spell
	lastQRAt   time.Time // to estimate when the next code replaces this one
	workingAt  time.Time

	authTimer, qrTimer *time.Timer
	snapTimer          *time.Timer // writes the data file once a fresh link settles
	snapTries          int
	refresh            *refresher // keeps the snapshot fresh while WORKING (freshness.go)
}

// timerC returns t's channel, or nil (blocks forever) for a nil timer.
func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

func stopTimer(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// run is the event loop; it returns how the run ended.
func (w *watch) run(ctx context.Context) outcome {
	s := w.r.s
	defer stopTimer(&w.authTimer)
	defer stopTimer(&w.qrTimer)
	defer stopTimer(&w.snapTimer)
	defer w.stopRefresh() // before the browser closes and the stop snapshot
	if w.prof.hasAuth() {
		// auth_timeout bounds WhatsApp's restore, not the page's load: it
		// is armed once the page has loaded (see armAuthTimer), so a slow
		// network never costs a linked session its auth.
		w.resuming = true
		s.setStatus(ctx, StatusResuming, w.reason, "")
	}
	events := w.page.Events()
	sample := time.NewTicker(w.r.s.m.cfg.SampleInterval)
	defer sample.Stop()
	for {
		select {
		case <-sample.C:
			if out, done := w.sample(ctx); done {
				out.workedFor = w.worked()
				return out
			}
		case <-ctx.Done():
			return outcome{kind: outCanceled}
		case <-w.page.Done():
			out := crashOutcome(w.page.Err())
			out.workedFor = w.worked()
			return out
		case <-timerC(w.authTimer):
			// WhatsApp never confirmed the stored auth: forget it and relaunch
			// on an empty profile, which shows a QR (rule 2).
			w.authTimer = nil
			_ = w.prof.clearAuth()
			w.r.s.m.forgetData(ctx, w.r.s.id, "reauth_failed")
			return outcome{kind: outRelaunch, reason: ReasonReauthFailed, purge: true,
				detail: fmt.Sprintf("stored auth not restored within auth_timeout (%s)", w.cfg.AuthTimeout.D())}
		case <-timerC(w.snapTimer):
			w.snapTimer = nil
			w.snapshotLinked(ctx)
		case <-timerC(w.qrTimer):
			w.qrTimer = nil
			return outcome{kind: outFailed, reason: ReasonQRTimeout,
				detail: fmt.Sprintf("no scan within qr_timeout (%s); POST /v1/sessions/%s/start shows a new QR", w.cfg.QRTimeout.D(), s.id)}
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if out, done := w.handle(ctx, ev); done {
				out.workedFor = w.worked()
				return out
			}
		}
	}
}

func (w *watch) worked() time.Duration {
	if w.workingAt.IsZero() {
		return 0
	}
	return w.r.s.m.now().Sub(w.workingAt)
}

// handle applies one bridge event; done reports that the run is over.
func (w *watch) handle(ctx context.Context, ev PageEvent) (outcome, bool) {
	s, m := w.r.s, w.r.s.m
	switch ev.Type {
	case BridgeBoot:
		w.release()
		if out, done := w.sample(ctx); done { // a first sample as soon as the page is up
			return out, true
		}
		m.publish(ctx, s.id, EventProgress, ProgressEvent{Stage: "loading", Percent: 30})
	case BridgeState:
		st, err := decode[BridgeStateData](ev.Data)
		if err == nil && st.Phase != "loading" {
			w.armAuthTimer()
		}
		if err == nil && st.Phase == "syncing" {
			if w.resuming && st.Authenticated && !st.Conflict {
				// WhatsApp accepted the stored auth: a long sync must not
				// run into auth_timeout and purge a valid session.
				w.resuming = false
				stopTimer(&w.authTimer)
				s.setStatus(ctx, StatusSyncing, ReasonReauthOK, "")
			}
			m.publish(ctx, s.id, EventProgress, ProgressEvent{Stage: "syncing", Percent: max(st.Percent, 50)})
		}
	case BridgeQR:
		return w.onQR(ctx, ev)
	case BridgeQRIdle:
		if w.cfg.QRMax > 0 && w.qrCount >= w.cfg.QRMax {
			return outcome{kind: outFailed, reason: ReasonQRTimeout,
				detail: fmt.Sprintf("%d QR codes shown without a scan (qr_max)", w.qrCount)}, true
		}
		cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
		if err := w.page.Call(cctx, "refreshQR", nil, nil); err != nil {
			s.log.Warn().Err(err).Msg("refresh idle QR")
		}
		cancel()
	case BridgeAuthenticated:
		d, _ := decode[struct{ Method string }](ev.Data)
		w.linkReason = ReasonScanned
		if d.Method == "pairing" {
			w.linkReason = ReasonPaired
		}
		stopTimer(&w.qrTimer)
		s.setStatus(ctx, StatusSyncing, w.linkReason, "")
		m.publish(ctx, s.id, EventProgress, ProgressEvent{Stage: "syncing", Percent: 50})
	case BridgeReady:
		w.onReady(ctx, ev)
	case BridgeFatal:
		return w.onFatal(ev)
	case BridgePairingCode, BridgePairingExpired, BridgePairingError:
		w.onPairing(ctx, ev)
	case BridgeLogout:
		return w.onLogout(ctx, ev)
	case BridgeConflict:
		return w.onConflict(ctx)
	case BridgePhone:
		w.onPhone(ctx, ev)
	case BridgeMessage:
		w.onMessage(ctx, ev)
	case BridgeAck:
		w.onAck(ctx, ev)
	case BridgeRevoke:
		w.onRevoke(ctx, ev)
	case BridgeCall:
		w.onCall(ctx, ev)
	case BridgeError:
		s.log.Warn().RawJSON("data", ev.Data).Msg("bridge error")
	default:
		if !w.onMessagingEvent(ctx, ev) && !w.onGroupEvent(ctx, ev) && ev.Type == BridgeStatus {
			publishBridge[StatusUpdate](ctx, w, ev, EventStatusReceived, func(s StatusUpdate) bool { return s.ID != "" })
		}
	}
	return outcome{}, false
}

// armAuthTimer starts the auth_timeout bound of a resume, once.
func (w *watch) armAuthTimer() {
	if w.resuming && w.authTimer == nil {
		w.authTimer = time.NewTimer(w.cfg.AuthTimeout.D())
	}
}

// onQR handles a new auth code from the page.
func (w *watch) onQR(ctx context.Context, ev PageEvent) (outcome, bool) {
	s, m := w.r.s, w.r.s.m
	d, err := decode[*struct{ Code string }](ev.Data)
	if err != nil || d == nil || d.Code == "" {
		return outcome{}, false
	}
	w.release()
	if w.resuming {
		// A QR before MAIN: WhatsApp refused the stored auth (rule 2).
		w.resuming = false
		stopTimer(&w.authTimer)
		_ = w.prof.clearAuth()
		m.forgetData(ctx, s.id, "reauth_failed")
		w.reason = ReasonReauthFailed
	}
	st, _, _, _, _ := s.snapshot()
	entering := st != StatusScanQRCode
	if entering {
		w.qrCount, w.lastQRAt = 0, time.Time{}
	}
	w.qrCount++
	if w.cfg.QRMax > 0 && w.qrCount > w.cfg.QRMax {
		return outcome{kind: outFailed, reason: ReasonQRTimeout,
			detail: fmt.Sprintf("%d QR codes shown without a scan (qr_max)", w.cfg.QRMax)}, true
	}
	// WhatsApp shows the first code for about 60 s and the next ones for 20 s;
	// after two codes the observed interval is a better guess.
	now := m.now()
	life := 60 * time.Second
	if w.qrCount > 1 {
		life = 20 * time.Second
		if !w.lastQRAt.IsZero() {
			life = now.Sub(w.lastQRAt)
		}
	}
	w.lastQRAt = now
	qr := QR{Code: d.Code, Index: w.qrCount, ExpiresAt: now.Add(life)}
	// The code is in place before the status says SCAN_QR_CODE, so a client
	// reacting to the status always finds it.
	s.mu.Lock()
	s.qr = &qr
	s.mu.Unlock()
	if entering {
		w.enterScan(ctx, w.reason)
	}
	m.publish(ctx, s.id, EventQR, QREvent(qr))
	return outcome{}, false
}

// enterScan moves to SCAN_QR_CODE and arms qr_timeout.
func (w *watch) enterScan(ctx context.Context, reason Reason) {
	w.linkReason = ""
	w.r.s.setStatus(ctx, StatusScanQRCode, reason, "")
	stopTimer(&w.qrTimer)
	if w.cfg.QRTimeout > 0 {
		w.qrTimer = time.NewTimer(w.cfg.QRTimeout.D())
	}
}

// onReady handles the page reaching MAIN while authenticated.
func (w *watch) onReady(ctx context.Context, ev PageEvent) {
	s, m := w.r.s, w.r.s.m
	acc, err := decode[Account](ev.Data)
	if err != nil {
		s.log.Warn().Err(err).Msg("decode ready event")
	}
	reason := w.linkReason
	if reason == "" {
		reason = ReasonReauthOK
	}
	w.resuming = false
	stopTimer(&w.authTimer)
	stopTimer(&w.qrTimer)
	if err := w.prof.markAuth(acc.ID, m.now()); err != nil {
		s.log.Error().Err(err).Msg("write auth marker")
	}
	if _, err := m.cfg.Registry.Update(ctx, s.id, func(r *Record) error { r.Me = &acc; return nil }); err != nil {
		s.log.Warn().Err(err).Msg("store account")
	}
	w.workingAt = m.now()
	s.releaseRecycle()
	m.publish(ctx, s.id, EventProgress, ProgressEvent{Stage: "ready", Percent: 100})
	s.setStatus(ctx, StatusWorking, reason, "")
	w.catchUpMessages(ctx)
	switch {
	case w.cfg.legacy() || acc.MultiDevice != nil && !*acc.MultiDevice:
		// Legacy auth lives in four localStorage tokens: save them now.
		if err := m.saveLegacy(ctx, s.id, w.page, "linked"); err != nil {
			s.log.Warn().Err(err).Msg("save legacy tokens")
		}
	case w.linkReason != "":
		w.snapTries = 0
		w.snapTimer = time.NewTimer(linkSnapshotDelay)
		w.startRefresh(ctx)
	default:
		w.startRefresh(ctx)
	}
}

// onConflict handles another browser being live on this legacy account.
func (w *watch) onConflict(ctx context.Context) (outcome, bool) {
	s, m := w.r.s, w.r.s.m
	if !w.cfg.TakeoverOnConflict {
		return outcome{kind: outFailed, reason: ReasonConflict,
			detail: "WhatsApp is open in another browser for this account; set takeover_on_conflict to take over, or close the other one and start again"}, true
	}
	s.log.Info().Msg("conflict: taking over (takeover_on_conflict)")
	if err := m.call(ctx, w.page, "takeover", nil, nil); err != nil {
		s.log.Warn().Err(err).Msg("takeover")
	}
	return outcome{}, false
}

// onPhone reports a legacy account's phone going offline or coming back:
// the status stays, a session.status event carries the reason.
func (w *watch) onPhone(ctx context.Context, ev PageEvent) {
	s := w.r.s
	d, err := decode[struct{ Online bool }](ev.Data)
	if err != nil {
		return
	}
	s.mu.Lock()
	changed := s.phoneOff == d.Online
	s.phoneOff = !d.Online
	st := s.status
	s.mu.Unlock()
	if !changed {
		return
	}
	reason, detail := ReasonPhoneOnline, "the phone is connected again"
	if !d.Online {
		reason, detail = ReasonPhoneOffline, "the phone is offline; a legacy session cannot send or receive until it is back"
	}
	s.setStatus(ctx, st, reason, detail)
}

// onLogout handles the host device logging the session out (rule 4).
func (w *watch) onLogout(ctx context.Context, ev PageEvent) (outcome, bool) {
	s, m := w.r.s, w.r.s.m
	d, _ := decode[struct{ Reason string }](ev.Data)
	// No snapshot of the logged-out profile may land after it is forgotten.
	w.stopRefresh()
	_ = w.prof.clearAuth()
	stopTimer(&w.snapTimer)
	m.forgetData(ctx, s.id, "logout")
	if _, err := m.cfg.Registry.Update(ctx, s.id, func(r *Record) error { r.Me = nil; return nil }); err != nil {
		s.log.Warn().Err(err).Msg("clear account")
	}
	w.workingAt = time.Time{}
	s.mu.Lock()
	byAPI := w.r.logoutByAPI
	s.mu.Unlock()
	if byAPI || !w.cfg.RelinkOnLogout {
		return outcome{kind: outStopped, reason: ReasonLoggedOut, detail: d.Reason, purge: true}, true
	}
	w.resuming = false
	stopTimer(&w.authTimer)
	w.reason = ReasonLoggedOut
	w.qrCount, w.lastQRAt = 0, time.Time{}
	w.enterScan(ctx, ReasonLoggedOut)
	return outcome{}, false
}

// sample records the browser's resources and enforces the memory limit and
// the recycle age (DESIGN §3 rule 3, issue 7). A failed sample is skipped: a
// gone browser is reported through Done.
func (w *watch) sample(ctx context.Context) (outcome, bool) {
	s, m := w.r.s, w.r.s.m
	u, err := w.page.Usage(ctx)
	if err != nil {
		return outcome{}, false
	}
	s.mu.Lock()
	s.usage = u
	s.mu.Unlock()
	if m.cfg.OnUsage != nil {
		m.cfg.OnUsage(s.id, u)
	}
	if limit := w.cfg.MaxMemory; limit > 0 && u.PSSBytes > int64(limit) {
		return outcome{kind: outCrashed, reason: ReasonMemoryLimit,
			detail: fmt.Sprintf("browser PSS %dMB is over max_memory %dMB", u.PSSBytes/1e6, int64(limit)/1e6)}, true
	}
	if age := m.cfg.RecycleAfter; age > 0 && !w.workingAt.IsZero() && m.now().Sub(w.workingAt) >= age && s.tryRecycle() {
		return outcome{kind: outCrashed, reason: ReasonRecycle, free: true,
			detail: fmt.Sprintf("browser recycled after %s (--recycle-after)", age)}, true
	}
	return outcome{}, false
}
