package wasim

import (
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// Legacy accounts simulate WhatsApp Web before multi-device (DESIGN §5):
//
//   - POST /__sim/scan with legacy: true links a legacy device. Its page keeps
//     its credentials only in localStorage, under WhatsApp's legacy keys
//     WABrowserId, WASecretBundle, WAToken1 and WAToken2 (JSON-encoded, as
//     the real site did), and resumes from them; WPP.conn.isMultiDevice() is
//     false there. An account is legacy or multi-device: linking the other
//     kind while a device of one kind is still linked (not logged out) is a
//     409 (CodeAccountKind); once all are logged out the kind may change.
//   - One live page per account: a page that links or resumes while another
//     page is live on the account gets stream mode CONFLICT and stays
//     unusable; the live one keeps working. WPP.whatsapp.Socket.takeover() on the
//     CONFLICT page makes it the live one and puts the other in CONFLICT. A
//     CONFLICT page is never promoted by itself: it resumes normally only
//     when it reloads (or reconnects) while no other page is live.
//   - The phone must stay online: POST /__sim/phone-online takes it offline;
//     the live page stays in MAIN, but WPP.conn.isOnline() turns false (with
//     conn.online), incoming messages wait, and sends stay PENDING (ack 0)
//     until the phone is back, when they advance as usual.

// Error codes of legacy accounts.
const (
	// CodeAccountKind: the phone has devices of the other kind linked
	// (legacy vs multi-device); log them out first.
	CodeAccountKind Code = "account_kind_mismatch"
	// CodeNotLegacy: the call applies to legacy accounts only.
	CodeNotLegacy Code = "not_legacy"
)

// legacyTokens are a legacy device's credentials. The server hands them
// out in "linked" (with Secret); the page stores them under the legacy
// localStorage keys and presents them in "hello" (without Secret).
type legacyTokens struct {
	BrowserID   string        `json:"browser_id"`              // WABrowserId
	ClientToken string        `json:"client_token"`            // WAToken1
	ServerToken string        `json:"server_token"`            // WAToken2
	Secret      *secretBundle `json:"secret_bundle,omitempty"` // WASecretBundle
}

// secretBundle is the WASecretBundle object of legacy WhatsApp Web: the
// keys the browser encrypted its traffic with. The simulator only stores it.
type secretBundle struct {
	Key    string `json:"key"`
	EncKey string `json:"encKey"`
	MacKey string `json:"macKey"`
}

// newLegacyDevice makes d a legacy device with fresh tokens, shaped like
// the real ones, and returns them for the page.
func newLegacyDevice(d *device) *legacyTokens {
	d.legacy = true
	d.browserID = randomString(16, base64.StdEncoding)
	d.clientToken = randomString(32, base64.StdEncoding)
	d.secret = "1@" + randomString(90, base64.StdEncoding)
	return &legacyTokens{BrowserID: d.browserID, ClientToken: d.clientToken, ServerToken: d.secret,
		Secret: &secretBundle{Key: randomString(32, base64.StdEncoding),
			EncKey: randomString(32, base64.StdEncoding), MacKey: randomString(32, base64.StdEncoding)}}
}

// setKind makes a legacy or multi-device; a switch starts with the phone
// online and nothing pending.
func setKind(a *account, legacy bool) {
	if a.legacy != legacy {
		a.legacy, a.online, a.pending = legacy, true, nil
	}
}

// kindErrLocked refuses to link a device of the other kind to phone's
// account while one of its devices is still linked. s.mu must be held.
func (s *Server) kindErrLocked(phone string, legacy bool) error {
	a := s.accounts[phone]
	if a == nil {
		return nil
	}
	for _, d := range a.devices {
		if d.loggedOut || d.legacy == legacy {
			continue
		}
		if legacy {
			return errorf(CodeAccountKind, "phone %s has multi-device devices linked; log them out before linking a legacy one", phone)
		}
		return errorf(CodeAccountKind, "phone %s is a legacy account with devices linked; log them out before linking a multi-device one", phone)
	}
	return nil
}

// findLegacyLocked returns the legacy device with browserID, or nil.
// s.mu must be held.
func (s *Server) findLegacyLocked(browserID string) *device {
	for _, a := range s.accounts {
		for _, d := range a.devices {
			if d.legacy && d.browserID == browserID {
				return d
			}
		}
	}
	return nil
}

// checkLegacyResume reports why t may not resume d, or "" when it may.
func checkLegacyResume(d *device, t *legacyTokens) string {
	if d == nil || subtle.ConstantTimeCompare([]byte(d.clientToken), []byte(t.ClientToken)) != 1 ||
		subtle.ConstantTimeCompare([]byte(d.secret), []byte(t.ServerToken)) != 1 {
		return reasonUnknownDevice
	}
	if d.loggedOut {
		return reasonDeviceRemoved
	}
	return ""
}

// resumeLegacyLocked resumes p from legacy tokens: refused (the page purges
// them), in CONFLICT when another page is live on the account, or live.
// s.mu must be held.
func (s *Server) resumeLegacyLocked(p *page, t *legacyTokens) {
	d := s.findLegacyLocked(t.BrowserID)
	if reason := checkLegacyResume(d, t); reason != "" {
		s.log.Info().Str("page", p.id).Str("reason", reason).Msg("legacy resume refused")
		s.sendLocked(p, outMsg{T: msgRefused, Reason: reason})
		return
	}
	p.dev = d
	if s.livePageLocked(d.acct, p) != nil {
		s.conflictLocked(p)
		s.log.Info().Str("page", p.id).Str("device", d.id).Msg("legacy resume in conflict")
		return
	}
	s.becomeLiveLocked(p)
	s.log.Info().Str("page", p.id).Str("device", d.id).Msg("legacy device resumed")
}

// livePageLocked returns the page live on account a other than except, or
// nil. s.mu must be held.
func (s *Server) livePageLocked(a *account, except *page) *page {
	for _, d := range a.devices {
		if d.page != nil && d.page != except && !d.loggedOut {
			return d.page
		}
	}
	return nil
}

// conflictLocked puts p, which holds its device but is not live, in
// CONFLICT and tells it who it is. s.mu must be held.
func (s *Server) conflictLocked(p *page) {
	d := p.dev
	p.phase, p.awaitStored = phaseConflict, false
	s.setDueLocked(p, time.Time{})
	s.sendLocked(p, outMsg{T: msgConflict, Wid: d.acct.wid(), PushName: d.acct.name, Platform: platform,
		Creds: &pageCreds{DeviceID: d.id, Secret: d.secret}})
}

// takeoverLocked answers WPP.whatsapp.Socket.takeover: a CONFLICT page becomes the
// live one and the live one goes to CONFLICT. The reply's code is
// "taken_over", or empty when p was not in CONFLICT (nothing done).
// s.mu must be held.
func (s *Server) takeoverLocked(p *page, id int) {
	if p.phase != phaseConflict || p.dev == nil {
		s.replyLocked(p, id, "", nil)
		return
	}
	if old := s.livePageLocked(p.dev.acct, p); old != nil {
		old.dev.page = nil
		s.conflictLocked(old)
		s.log.Info().Str("page", old.id).Str("by", p.id).Msg("legacy page taken over")
	}
	s.becomeLiveLocked(p)
	s.replyLocked(p, id, "taken_over", nil)
}

// dropDeviceLocked tells every open page holding d but except that d was
// logged out; they purge their storage and reload. It returns how many it
// told. s.mu must be held.
func (s *Server) dropDeviceLocked(d *device, except *page) int {
	n := 0
	for _, p := range s.pages {
		if p == except || p.dev != d {
			continue
		}
		p.dev, p.phase = nil, phaseHello
		s.setDueLocked(p, time.Time{})
		s.sendLocked(p, outMsg{T: msgLogout, Reason: reasonDeviceRemoved})
		n++
	}
	d.page = nil
	return n
}

// phoneStateLocked tells p, which just became live, that its legacy
// account's phone is offline. Pages assume it online when they become live.
// s.mu must be held.
func (s *Server) phoneStateLocked(p *page) {
	if a := p.dev.acct; a.legacy && !a.online {
		off := false
		s.sendLocked(p, outMsg{T: msgPhone, Online: &off})
	}
}

// PhoneState is the answer of SetPhoneOnline.
type PhoneState struct {
	Phone  string `json:"phone"`
	Online bool   `json:"online"`
	// Live says whether a page was live on the account (and was told).
	Live bool `json:"live"`
	// Released counts the pending sends that went out when the phone came
	// back online.
	Released int `json:"released"`
}

// SetPhoneOnline takes the phone of a legacy account offline or back
// online. The live page is told (WPP.conn.isOnline, conn.online) and stays in
// MAIN; while offline, incoming messages wait and sends stay PENDING; back
// online, both go through. Setting the state it already has changes nothing.
// It fails with CodeAccountNotFound for an unknown phone and with
// CodeNotLegacy for a multi-device account (whose phone may be offline
// anyway).
func (s *Server) SetPhoneOnline(phone string, online bool) (PhoneState, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return PhoneState{}, fieldError("phone", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[norm]
	if a == nil {
		return PhoneState{}, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	if !a.legacy {
		return PhoneState{}, errorf(CodeNotLegacy, "phone %s is a multi-device account: its devices work with the phone offline", norm)
	}
	live := s.livePageLocked(a, nil)
	res := PhoneState{Phone: norm, Online: online, Live: live != nil}
	if a.online == online {
		return res, nil
	}
	a.online = online
	if live != nil {
		s.sendLocked(live, outMsg{T: msgPhone, Online: &online})
	}
	if online {
		res.Released = s.releasePendingLocked(a)
		if live != nil && live.phase == phaseMain {
			s.flushLocked(live)
		}
	}
	s.log.Info().Str("phone", norm).Bool("online", online).Msg("phone online state")
	return res, nil
}

// releasePendingLocked sends out the sends that waited for a's phone and
// returns how many. s.mu must be held.
func (s *Server) releasePendingLocked(a *account) int {
	pending := a.pending
	a.pending = nil
	for _, m := range pending {
		if m.Ack != AckPending {
			continue
		}
		s.setAckLocked(m, AckServer)
		s.routeSentLocked(m)
	}
	return len(pending)
}

// phoneOffline reports whether a is a legacy account whose phone is
// offline: nothing reaches its devices and its sends wait.
func (a *account) phoneOffline() bool { return a.legacy && !a.online }
