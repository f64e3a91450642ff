package wasim

import (
	"fmt"
	"time"
)

// onPageMessage acts on one message from p. An error means the page broke
// the protocol; the caller then closes the page.
func (s *Server) onPageMessage(p *page, m inMsg) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.phase == phaseGone {
		return nil
	}
	switch m.T {
	case msgHello:
		return s.onHelloLocked(p, m)
	case msgStored:
		if p.phase == phaseSyncing && p.awaitStored {
			p.awaitStored = false
			s.setDueLocked(p, time.Now().Add(s.cfg.SyncDelay))
		}
	case msgRotated:
		return s.onRotatedLocked(p, m.Creds)
	case msgRefresh:
		if p.phase == phaseIdle || p.phase == phaseQR {
			s.showRefLocked(p, 1)
		}
		s.replyLocked(p, m.ID, "", nil)
	case msgPairCode:
		code, err := s.pairCodeLocked(p, m.Phone)
		if err != nil {
			s.replyLocked(p, m.ID, "", err)
			break
		}
		exp := p.pairExpires
		s.sendLocked(p, outMsg{T: msgReply, ID: m.ID, OK: true, Code: code, ExpiresAt: &exp})
	case msgLogout:
		if d := p.dev; d != nil {
			d.loggedOut, p.dev = true, nil
			// Other pages on the same credentials (a copied legacy
			// profile) lose them too.
			s.dropDeviceLocked(d, p)
			s.log.Info().Str("page", p.id).Str("device", d.id).Msg("device logged out by the page")
		}
		// The page purges its storage and reloads; until its channel drops
		// it is like a page that never said hello.
		s.clearQRLocked(p)
		s.clearPairLocked(p)
		p.phase = phaseHello
		s.setDueLocked(p, time.Time{})
		s.replyLocked(p, m.ID, "", nil)
	case msgSend:
		if s.hold {
			p.held = append(p.held, m)
			return nil
		}
		s.sendAndReplyLocked(p, m)
	case msgReceived:
		if p.dev != nil && p.dev.page == p {
			p.dev.cursor = max(p.dev.cursor, min(m.Seq, s.seq))
		}
	case msgTakeover:
		s.takeoverLocked(p, m.ID)
	case msgAct:
		r, err := s.onActLocked(p, m.Act)
		r.T, r.ID = msgReply, m.ID
		if err != nil {
			r = outMsg{T: msgReply, ID: m.ID, Error: err.Error()}
		}
		s.sendLocked(p, r)
	case msgGroup:
		r, err := s.onGroupLocked(p, m.Group)
		r.T, r.ID, r.OK = msgReply, m.ID, err == nil
		if err != nil {
			r = outMsg{T: msgReply, ID: m.ID, Error: pageError(err)}
		}
		s.sendLocked(p, r)
	case msgQuery:
		r, err := s.queryLocked(p, m)
		r.T, r.ID, r.OK = msgReply, m.ID, err == nil
		if err != nil {
			r = outMsg{T: msgReply, ID: m.ID, Error: err.Error()}
		}
		s.sendLocked(p, r)
	case msgBiz:
		r, err := s.onBizLocked(p, m.Biz)
		if err != nil {
			s.replyLocked(p, m.ID, "", err)
			break
		}
		s.sendLocked(p, outMsg{T: msgReply, ID: m.ID, OK: true, Biz: r})
	default:
		return fmt.Errorf("unknown message type %q", m.T)
	}
	return nil
}

// onHelloLocked resumes p from its stored credentials or starts its first
// run of QR refs. s.mu must be held.
func (s *Server) onHelloLocked(p *page, m inMsg) error {
	if p.phase != phaseHello {
		return fmt.Errorf("hello in phase %d", p.phase)
	}
	if err := m.Keys.validate(); err != nil {
		return err
	}
	p.keys = *m.Keys
	if m.Legacy != nil {
		if m.Creds != nil {
			return fmt.Errorf("hello with both creds and legacy tokens")
		}
		s.resumeLegacyLocked(p, m.Legacy)
		return nil
	}
	if m.Creds == nil {
		s.showRefLocked(p, 1)
		return nil
	}
	d := s.findDeviceLocked(m.Creds.DeviceID)
	if reason := s.checkResumeLocked(d, m.Creds); reason != "" {
		s.log.Info().Str("page", p.id).Str("device", m.Creds.DeviceID).Str("reason", reason).
			Msg("resume refused")
		// The page purges its storage and says hello again without creds.
		s.sendLocked(p, outMsg{T: msgRefused, Reason: reason})
		return nil
	}
	if old := d.page; old != nil && old != p {
		// The same profile opened twice (a copied profile): the newest wins.
		old.dev = nil
		d.overlaps++
	}
	p.dev = d
	s.becomeLiveLocked(p)
	s.log.Info().Str("page", p.id).Str("device", d.id).Msg("device resumed")
	return nil
}

// pairCodeLocked hands p a fresh pairing code bound to phone, replacing the
// one it had. s.mu must be held.
func (s *Server) pairCodeLocked(p *page, phone string) (string, error) {
	if p.phase != phaseQR && p.phase != phaseIdle {
		return "", fmt.Errorf("cannot_get_code_for_already_authenticated")
	}
	phone, ok := normalizePhone(phone)
	if !ok {
		return "", fmt.Errorf("send_the_phone_number_to_connect: phone must be 6 to 15 digits")
	}
	s.clearPairLocked(p)
	code := newPairCode()
	for s.pairCodes[code] != nil {
		code = newPairCode()
	}
	p.pairCode, p.pairPhone, p.pairExpires = code, phone, time.Now().Add(s.cfg.PairCodeTTL)
	s.pairCodes[code] = p
	return code, nil
}

func (s *Server) replyLocked(p *page, id int, code string, err error) {
	r := outMsg{T: msgReply, ID: id, OK: err == nil, Code: code}
	if err != nil {
		r.Error = err.Error()
	}
	s.sendLocked(p, r)
}

// sendAndReplyLocked records a page's send and answers it with the message
// as recorded (ack SERVER). s.mu must be held.
func (s *Server) sendAndReplyLocked(p *page, m inMsg) {
	v, err := s.routeSendLocked(p, m.Send)
	if err != nil {
		s.replyLocked(p, m.ID, "", err)
		return
	}
	s.sendLocked(p, outMsg{T: msgReply, ID: m.ID, OK: true, Msg: &v})
}

// HoldSends makes the server withhold its answer to every send from now on
// (true), as a network that swallowed them would; false records and answers
// the withheld sends of pages that are still open. Sends withheld by a page
// that closes are dropped: never recorded, never in the outbox. It is a
// fault-injection hook for tests.
func (s *Server) HoldSends(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = hold
	if hold {
		return
	}
	for _, p := range s.pages {
		held := p.held
		p.held = nil
		for _, m := range held {
			s.sendAndReplyLocked(p, m)
		}
	}
}

// HeldSends returns how many sends open pages have waiting under HoldSends.
func (s *Server) HeldSends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.pages {
		n += len(p.held)
	}
	return n
}
