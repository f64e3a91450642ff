package session

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// QR returns the code a session in SCAN_QR_CODE shows; any other status (or
// no code yet) is a not_scan_qr_code conflict naming the status.
func (m *Manager) QR(ctx context.Context, id string) (QR, error) {
	_, s, err := m.lookup(ctx, id)
	if err != nil {
		return QR{}, err
	}
	st, qr := s.currentQR()
	if st == StatusScanQRCode && qr == nil {
		return QR{}, &apperr.Error{Code: apperr.NotScanQRCode,
			Detail: fmt.Sprintf("session %q is %s but WhatsApp has not shown a code yet; it appears within seconds (or watch session.qr events)", id, st)}
	}
	if st != StatusScanQRCode {
		return QR{}, &apperr.Error{Code: apperr.NotScanQRCode,
			Detail: fmt.Sprintf("session %q is %s; a QR code exists only in %s", id, st, StatusScanQRCode)}
	}
	return *qr, nil
}

var phonePattern = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)

// NormalizePhone strips '+', spaces and dashes from a phone number and checks
// that what remains is an international number of 7 to 15 digits.
func NormalizePhone(phone string) (string, error) {
	p := strings.NewReplacer("+", "", " ", "", "-", "", "(", "", ")", "").Replace(phone)
	if !phonePattern.MatchString(p) {
		return "", apperr.Field("phone", "%q is not an international phone number (digits with country code, e.g. 15551234567)", truncate(phone, 40))
	}
	return p, nil
}

// PairingCode asks WhatsApp for a code the phone can type instead of scanning
// the QR. The session must be in SCAN_QR_CODE.
func (m *Manager) PairingCode(ctx context.Context, id, phone string) (PairingCodeEvent, error) {
	_, s, err := m.lookup(ctx, id)
	if err != nil {
		return PairingCodeEvent{}, err
	}
	phone, err = NormalizePhone(phone)
	if err != nil {
		return PairingCodeEvent{}, err
	}
	st, _, _, _, _ := s.snapshot()
	page := s.currentPage()
	if st != StatusScanQRCode || page == nil {
		return PairingCodeEvent{}, &apperr.Error{Code: apperr.NotScanQRCode,
			Detail: fmt.Sprintf("session %q is %s; pairing needs %s", id, st, StatusScanQRCode)}
	}
	var res struct{ Code string }
	if err := m.call(ctx, page, "pairingCode", map[string]string{"phone": phone}, &res); err != nil {
		return PairingCodeEvent{}, err
	}
	ev := PairingCodeEvent{Code: res.Code, Phone: phone, State: "active"}
	m.publish(ctx, id, EventPairingCode, ev)
	return ev, nil
}

// Logout unlinks the session from the host account and leaves it STOPPED
// with its stored auth purged. A running linked session logs out through
// WhatsApp (the phone sees the device go); a stopped one only forgets its
// local auth.
func (m *Manager) Logout(ctx context.Context, id string) (View, error) {
	_, s, unlock, err := m.lockSession(ctx, id)
	if err != nil {
		return View{}, err
	}
	defer unlock()
	st, _, _, _, _ := s.snapshot()
	page := s.currentPage()
	if r := s.expectLogout(true); r != nil && page != nil && (st == StatusWorking || st == StatusSyncing) {
		if err := m.call(ctx, page, "logout", nil, nil); err != nil {
			s.expectLogout(false)
			return View{}, err
		}
		wctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout+m.cfg.CloseTimeout)
		ended := awaitRunner(wctx, r)
		cancel()
		if !ended {
			s.expectLogout(false) // a later phone logout must follow relink_on_logout again
			return View{}, apperr.Wrap(wctx.Err(), apperr.Timeout, "the page did not confirm the logout")
		}
	} else {
		s.expectLogout(false)
		// The profile can be purged only once no browser uses it: this
		// session's, or that of a deleted one of the same id.
		if !awaitRunner(ctx, s.stopRunner(ReasonAPI)) || !awaitClosed(ctx, s.after) {
			return View{}, apperr.Wrap(ctx.Err(), apperr.Timeout, "session %q's browser did not close in time", id)
		}
		prof := profile{dir: ProfileDir(m.cfg.DataPath, id)}
		lock, err := prof.lock()
		if err != nil {
			return View{}, lockError(err)
		}
		err = prof.purge()
		lock.unlock()
		if err != nil {
			return View{}, err
		}
		m.forgetData(ctx, id, "logout")
	}
	rec, err := m.cfg.Registry.Update(ctx, id, func(r *Record) error {
		r.Me, r.Running, r.UpdatedAt = nil, false, m.now()
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return m.view(rec, s), nil
}
