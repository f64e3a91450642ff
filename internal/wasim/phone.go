package wasim

import (
	"sort"
	"strings"
	"time"
)

// Error codes of the simulator's control API, besides the generic ones of problem.go.
const (
	// CodeUnknownCode: no open page shows that QR code or pairing code; it
	// never existed, expired, or its page closed or linked.
	CodeUnknownCode Code = "unknown_code"
	// CodeCodeExpired: the pairing code was the page's, but its lifetime
	// (Config.PairCodeTTL) is over; WhatsApp refuses it, and the page is
	// unaffected (its managed flow shows a new code, or has ended).
	CodeCodeExpired Code = "code_expired"
	// CodeAccountNotFound: no simulated phone with that number linked a device.
	CodeAccountNotFound Code = "account_not_found"
	// CodeNotImplemented: a simulator feature that is planned but not built.
	CodeNotImplemented Code = "not_implemented"
)

// QRCode is the QR code one open page currently displays.
type QRCode struct {
	Page      string    `json:"page"`
	Code      string    `json:"code"` // the AuthCode's fullCode
	Index     int       `json:"index"`
	ExpiresAt time.Time `json:"expires_at"`
}

// QRCodes returns the code each open page currently displays, oldest page
// first. Pages that are idle, linked, or whose code just expired are left out.
func (s *Server) QRCodes() []QRCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var shown []*page
	for _, p := range s.pages {
		if p.phase == phaseQR && now.Before(p.expires) {
			shown = append(shown, p)
		}
	}
	sort.Slice(shown, func(i, j int) bool { return shown[i].seq < shown[j].seq })
	out := make([]QRCode, 0, len(shown))
	for _, p := range shown {
		out = append(out, QRCode{Page: p.id, Code: p.fullCode(), Index: p.index, ExpiresAt: p.expires.UTC()})
	}
	return out
}

// Linked is what a successful scan or pairing returns.
type Linked struct {
	DeviceID string `json:"device_id"`
	Phone    string `json:"phone"`
	Wid      string `json:"wid"`
	Name     string `json:"name"`
	Page     string `json:"page"`
	Method   string `json:"method"` // "qr" or "pairing"
}

// Scan is the phone of phone scanning code, which may be a page's full QR
// code or just its ref. The page is told at once and links a new device; the
// account is created on first use and named name when name is not empty. It
// fails with CodeUnknownCode when no open page shows code now, with
// CodeAccountKind when phone has legacy devices linked, and with
// CodeInvalid for a malformed phone.
func (s *Server) Scan(code, phone, name string) (Linked, error) {
	return s.scanAs(code, phone, name, false)
}

// ScanLegacy is Scan linking a legacy device (legacy.go): the account
// becomes legacy, the page stores WhatsApp's legacy localStorage tokens, and
// when another page is live on the account the scanned one stays in stream
// mode CONFLICT. It fails with CodeAccountKind when phone has multi-device
// devices linked.
func (s *Server) ScanLegacy(code, phone, name string) (Linked, error) {
	return s.scanAs(code, phone, name, true)
}

func (s *Server) scanAs(code, phone, name string, legacy bool) (Linked, error) {
	phone, ok := normalizePhone(phone)
	if !ok {
		return Linked{}, fieldError("phone", "must be 6 to 15 digits")
	}
	ref, _, full := strings.Cut(code, ",")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.refs[ref]
	if p == nil || p.phase != phaseQR || !time.Now().Before(p.expires) || full && code != p.fullCode() {
		return Linked{}, errorf(CodeUnknownCode, "no open page shows this QR code (unknown or expired)")
	}
	if err := s.kindErrLocked(phone, legacy); err != nil {
		return Linked{}, err
	}
	d := s.linkLocked(p, phone, name, "qr", legacy)
	return linkedOf(p, d, "qr"), nil
}

// Pair is the phone entering a pairing code that a page got from
// WPP.conn.startLinkDeviceCodeForPhoneNumber; the device links to the phone
// number given there. Dashes, spaces and case are ignored. It fails with
// CodeUnknownCode when no open, unlinked page holds code (it never existed
// or was replaced), with CodeCodeExpired when its lifetime is over, and with
// CodeAccountKind when the phone is a legacy account (legacy WhatsApp Web had
// no pairing codes).
func (s *Server) Pair(code, name string) (Linked, error) {
	code = normalizePairCode(code)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pairCodes[code]
	if p == nil || (p.phase != phaseQR && p.phase != phaseIdle) {
		return Linked{}, errorf(CodeUnknownCode, "no open page holds this pairing code")
	}
	if !time.Now().Before(p.pairExpires) {
		return Linked{}, errorf(CodeCodeExpired, "pairing code %s-%s expired at %s; get a new one on the device",
			code[:4], code[4:], p.pairExpires.UTC().Format(time.RFC3339))
	}
	if err := s.kindErrLocked(p.pairPhone, false); err != nil {
		return Linked{}, err
	}
	d := s.linkLocked(p, p.pairPhone, name, "pairing", false)
	return linkedOf(p, d, "pairing"), nil
}

func linkedOf(p *page, d *device, method string) Linked {
	return Linked{DeviceID: d.id, Phone: d.acct.phone, Wid: d.acct.wid(), Name: d.acct.name,
		Page: p.id, Method: method}
}

// LogoutResult says what a phone logout did.
type LogoutResult struct {
	Phone     string `json:"phone"`
	LoggedOut int    `json:"logged_out"` // devices logged out by this call
	Live      int    `json:"live"`       // open pages told at once (live or in CONFLICT)
}

// Logout is the phone of phone logging out every device it linked. A
// connected page is told at once (it purges its storage and reloads to a
// fresh QR); a device that is offline is refused at its next resume. It fails
// with CodeAccountNotFound for a phone that never linked a device.
func (s *Server) Logout(phone string) (LogoutResult, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return LogoutResult{}, fieldError("phone", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[norm]
	if a == nil {
		return LogoutResult{}, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	res := LogoutResult{Phone: norm}
	for _, d := range a.devices {
		if d.loggedOut {
			continue
		}
		d.loggedOut = true
		res.LoggedOut++
		res.Live += s.dropDeviceLocked(d, nil)
	}
	s.log.Info().Str("phone", norm).Int("devices", res.LoggedOut).Int("live", res.Live).Msg("phone logout")
	return res, nil
}
