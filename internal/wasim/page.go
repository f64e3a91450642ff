package wasim

import (
	"encoding/base64"
	"errors"
	"strconv"
	"time"
)

// transport carries one page's channel. The WebSocket implements it; unit
// tests use an in-memory one.
type transport interface {
	// send writes one message; it is called from the page's loop only.
	send(outMsg) error
	// close ends the channel so that the reader of incoming messages stops.
	// It may be called more than once and from any goroutine.
	close()
}

// phase is where a page connection is, as the server sees it.
type phase int

const (
	phaseHello    phase = iota // waiting for hello
	phaseQR                    // showing p.ref
	phaseIdle                  // the run ended: "click to reload"
	phaseSyncing               // linked or resumed, waiting for "stored" and SyncDelay
	phaseMain                  // linked and ready
	phaseConflict              // legacy: linked, but another page is live on the account
	phaseGone                  // closed
)

// outBuffer bounds the messages queued for a page; a page that falls this
// far behind is disconnected rather than allowed to block the server.
const outBuffer = 64

// page is one open page connection. Its loop goroutine owns the timer and is
// the only writer to tr; every other field is guarded by the Server's mutex.
type page struct {
	seq   int
	id    string
	tr    transport
	out   chan outMsg
	done  chan struct{}
	timer *time.Timer

	phase       phase
	keys        pageKeys
	ref         string // the ref shown in phaseQR
	index       int    // its 1-based index in the run
	expires     time.Time
	due         time.Time // when the timer should act; zero = no timer
	pairCode    string
	pairPhone   string
	pairExpires time.Time // when pairCode stops pairing (Config.PairCodeTTL)
	dev         *device
	awaitStored bool
	held        []inMsg // sends withheld by HoldSends, dropped with the page
}

// fullCode is what the page's WPP.conn.getAuthCode() returns as fullCode.
func (p *page) fullCode() string {
	return p.ref + "," + p.keys.Static + "," + p.keys.Identity + "," + p.keys.Secret
}

var errClosed = errors.New("wasim: server closed")

// openPage registers a page on tr and starts its loop.
func (s *Server) openPage(tr transport) (*page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	s.nextPage++
	t := time.NewTimer(time.Hour)
	t.Stop()
	p := &page{seq: s.nextPage, id: "p" + strconv.Itoa(s.nextPage), tr: tr, out: make(chan outMsg, outBuffer),
		done: make(chan struct{}), timer: t}
	s.pages[p.id] = p
	s.wg.Add(1)
	go s.pageLoop(p)
	s.log.Debug().Str("page", p.id).Msg("page connected")
	return p, nil
}

// closePage forgets p, stops its loop and closes its transport. It is safe
// to call more than once.
func (s *Server) closePage(p *page) {
	s.mu.Lock()
	if p.phase == phaseGone {
		s.mu.Unlock()
		return
	}
	s.clearQRLocked(p)
	s.clearPairLocked(p)
	if p.dev != nil && p.dev.page == p {
		p.dev.page = nil
	}
	p.phase = phaseGone
	p.timer.Stop()
	delete(s.pages, p.id)
	close(p.done)
	s.mu.Unlock()
	p.tr.close()
	s.log.Debug().Str("page", p.id).Msg("page disconnected")
}

// pageLoop writes p's queued messages and acts on its timer until p closes.
func (s *Server) pageLoop(p *page) {
	defer s.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case m := <-p.out:
			if err := p.tr.send(m); err != nil {
				// The reader sees the closed channel and closes the page.
				p.tr.close()
			}
		case <-p.timer.C:
			s.onTimer(p)
		}
	}
}

// sendLocked queues m for p. s.mu must be held.
func (s *Server) sendLocked(p *page, m outMsg) {
	if p.phase == phaseGone {
		return
	}
	select {
	case p.out <- m:
	default:
		s.log.Warn().Str("page", p.id).Msg("page too slow; disconnecting")
		p.tr.close()
	}
}

// setDueLocked arms p's timer for t (zero disarms it). s.mu must be held.
func (s *Server) setDueLocked(p *page, t time.Time) {
	p.due = t
	if t.IsZero() {
		p.timer.Stop()
		return
	}
	p.timer.Reset(time.Until(t))
}

// onTimer runs when p's timer fires: the shown ref expired, or syncing is
// done.
func (s *Server) onTimer(p *page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.due.IsZero() || p.phase == phaseGone {
		return
	}
	if now := time.Now(); now.Before(p.due) {
		// The timer was re-armed while this tick was on its way.
		p.timer.Reset(p.due.Sub(now))
		return
	}
	switch p.phase {
	case phaseQR:
		if p.index >= s.cfg.QRMax {
			s.goIdleLocked(p)
			return
		}
		s.showRefLocked(p, p.index+1)
	case phaseSyncing:
		p.phase = phaseMain
		s.setDueLocked(p, time.Time{})
		s.sendLocked(p, outMsg{T: msgMain})
		s.flushLocked(p)
	}
}

// showRefLocked shows a new ref, the index-th of its run. s.mu must be held.
func (s *Server) showRefLocked(p *page, index int) {
	s.clearQRLocked(p)
	life := s.cfg.QRInterval
	if index == 1 {
		life = s.cfg.QRFirst
	}
	p.phase, p.ref, p.index, p.expires = phaseQR, newRef(), index, time.Now().Add(life)
	s.refs[p.ref] = p
	s.setDueLocked(p, p.expires)
	exp := p.expires
	s.sendLocked(p, outMsg{T: msgQR, Ref: p.ref, Index: index, ExpiresAt: &exp})
}

// goIdleLocked ends p's run of refs. s.mu must be held.
func (s *Server) goIdleLocked(p *page) {
	s.clearQRLocked(p)
	p.phase = phaseIdle
	s.setDueLocked(p, time.Time{})
	s.sendLocked(p, outMsg{T: msgIdle})
}

func (s *Server) clearQRLocked(p *page) {
	if p.ref != "" {
		delete(s.refs, p.ref)
		p.ref, p.index, p.expires = "", 0, time.Time{}
	}
}

func (s *Server) clearPairLocked(p *page) {
	if p.pairCode != "" {
		delete(s.pairCodes, p.pairCode)
		p.pairCode, p.pairPhone, p.pairExpires = "", "", time.Time{}
	}
}

// linkLocked links a new device of phone's account to p, as after a scan
// (method "qr") or a pairing code ("pairing"); legacy links a legacy device
// (the caller checked the account's kind with kindErrLocked). A legacy link
// to an account that already has another live page leaves p in CONFLICT.
// s.mu must be held.
func (s *Server) linkLocked(p *page, phone, name, method string, legacy bool) *device {
	a := s.accountLocked(phone, name)
	setKind(a, legacy)
	// A new device starts with no history to deliver, as WhatsApp's does.
	d := &device{id: deviceID(a), secret: randomString(32, base64.RawURLEncoding), acct: a, subscribed: map[string]bool{},
		linkedAt: time.Now().UTC(), cursor: s.seq}
	var tokens *legacyTokens
	if legacy {
		tokens = newLegacyDevice(d)
	}
	a.next++
	a.devices = append(a.devices, d)
	s.clearQRLocked(p)
	s.clearPairLocked(p)
	p.dev = d
	s.setDueLocked(p, time.Time{})
	s.sendLocked(p, outMsg{T: msgLinked, Creds: &pageCreds{DeviceID: d.id, Secret: d.secret}, Legacy: tokens,
		Wid: a.wid(), PushName: a.name, Platform: platform, Method: method})
	if legacy && s.livePageLocked(a, p) != nil {
		s.conflictLocked(p)
	} else {
		d.page, p.phase, p.awaitStored = p, phaseSyncing, true
		s.phoneStateLocked(p)
	}
	s.log.Info().Str("page", p.id).Str("device", d.id).Str("method", method).Bool("legacy", legacy).
		Bool("conflict", p.phase == phaseConflict).Msg("device linked")
	return d
}

// becomeLiveLocked makes p, whose device is accepted, the live page of it:
// syncing now, MAIN after SyncDelay. A legacy page learns its device id.
// s.mu must be held.
func (s *Server) becomeLiveLocked(p *page) {
	d := p.dev
	d.page, p.phase, p.awaitStored = p, phaseSyncing, false
	s.setDueLocked(p, time.Now().Add(s.cfg.SyncDelay))
	m := outMsg{T: msgResumed, Wid: d.acct.wid(), PushName: d.acct.name, Platform: platform}
	if d.legacy {
		m.Creds = &pageCreds{DeviceID: d.id, Secret: d.secret}
	}
	s.sendLocked(p, m)
	s.phoneStateLocked(p)
}
