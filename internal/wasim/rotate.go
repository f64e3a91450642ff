package wasim

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// Credential rotation. Real WhatsApp does not leave a linked device's
// stored keys alone: the device rotates its signed pre-keys, the server
// hands it new tokens, and what the profile held a while ago stops being
// enough to resume. The simulator models it with one secret per device: a
// rotation replaces it on the live page (which stores the new one in its
// profile) and from then on the old one is refused at resume, the way a
// logged-out device is — so a profile copied before the rotation cannot
// re-auth, and a server that restores stale copies finds out.
//
// The exchange: the server sends the live page rotate {creds}; the page
// stores them (IndexedDB and localStorage, like at link) and answers
// rotated {creds}; only then does the old secret stop working. A page that
// stored the new secret but whose answer was lost presents it at its next
// resume, which completes the rotation.

// rotateTimeout bounds how long POST /__sim/rotate waits for the live
// pages to store their new credentials.
const rotateTimeout = 10 * time.Second

// reasonCredsRotated is the refusal of a resume with credentials that a
// rotation replaced.
const reasonCredsRotated = "credentials_rotated"

// maxRetired bounds how many replaced secrets a device remembers to name
// the refusal (older ones are refused as unknown_device).
const maxRetired = 8

// RotateResult says what a rotation did.
type RotateResult struct {
	Phone   string          `json:"phone"`
	Devices []RotatedDevice `json:"devices"` // the devices whose credentials changed
}

// RotatedDevice is one device whose credentials a rotation replaced.
type RotatedDevice struct {
	ID        string    `json:"id"`
	Rotations int       `json:"rotations"` // rotations of this device so far
	RotatedAt time.Time `json:"rotated_at"`
}

// Rotate replaces the credentials of every device of phone that is live
// (a page open in stream mode MAIN) and returns once each page stored its
// new ones; from then on its old credentials are refused at resume with
// credentials_rotated. Devices that are not live are left alone (the
// phone rotates a device's keys with it). It fails with
// CodeAccountNotFound for a phone that never linked a device, CodeConflict
// when none of its devices is live, and CodeUnavailable when a page did
// not store its credentials within 10 s or ctx ended first.
func (s *Server) Rotate(ctx context.Context, phone string) (RotateResult, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return RotateResult{}, fieldError("phone", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	a := s.accounts[norm]
	if a == nil || len(a.devices) == 0 {
		s.mu.Unlock()
		return RotateResult{}, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	var live []*device
	var waits []chan struct{}
	for _, d := range a.devices {
		if d.loggedOut || d.legacy || d.page == nil || d.page.phase != phaseMain {
			continue
		}
		if d.rotated == nil {
			d.pending = randomString(32, base64.RawURLEncoding)
			d.rotated = make(chan struct{})
			s.sendLocked(d.page, outMsg{T: msgRotate, Creds: &pageCreds{DeviceID: d.id, Secret: d.pending}})
		}
		live, waits = append(live, d), append(waits, d.rotated)
	}
	s.mu.Unlock()
	if len(live) == 0 {
		return RotateResult{}, errorf(CodeConflict, "no device of %s is live (open in stream mode MAIN): a device's credentials rotate while it is connected", norm)
	}
	ctx, cancel := context.WithTimeout(ctx, rotateTimeout)
	defer cancel()
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
			return RotateResult{}, errorf(CodeUnavailable, "a page of %s did not store its new credentials within %s", norm, rotateTimeout)
		}
	}
	res := RotateResult{Phone: norm}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range live {
		res.Devices = append(res.Devices, RotatedDevice{ID: d.id, Rotations: d.rotations, RotatedAt: d.rotatedAt})
	}
	s.log.Info().Str("phone", norm).Int("devices", len(live)).Msg("credentials rotated")
	return res, nil
}

// onRotatedLocked completes the rotation of p's device once the page
// stored the credentials it was given. s.mu must be held.
func (s *Server) onRotatedLocked(p *page, creds *pageCreds) error {
	d := p.dev
	if d == nil || creds == nil || d.pending == "" || creds.DeviceID != d.id {
		return fmt.Errorf("rotated without a rotation under way")
	}
	if !secretIs(d.pending, creds.Secret) {
		return fmt.Errorf("rotated with other credentials than the ones sent")
	}
	s.commitRotationLocked(d)
	return nil
}

// commitRotationLocked makes d's pending secret its secret. s.mu must be
// held.
func (s *Server) commitRotationLocked(d *device) {
	d.retired = append(d.retired, d.secret)
	if len(d.retired) > maxRetired {
		d.retired = d.retired[1:]
	}
	d.secret, d.pending = d.pending, ""
	d.rotations++
	d.rotatedAt = time.Now().UTC()
	close(d.rotated)
	d.rotated = nil
}

// holdsLocked reports whether secret is d's credential: its secret, or the
// one a rotation under way gave the page (which then completes it).
// s.mu must be held.
func (s *Server) holdsLocked(d *device, secret string) bool {
	if d.pending != "" && secretIs(d.pending, secret) {
		s.commitRotationLocked(d)
		return true
	}
	return secretIs(d.secret, secret)
}

// retiredSecret reports whether secret is one a rotation of d replaced.
func (d *device) retiredSecret(secret string) bool {
	for _, old := range d.retired {
		if secretIs(old, secret) {
			return true
		}
	}
	return false
}

func secretIs(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// rotateRequest is the body of POST /__sim/rotate.
type rotateRequest struct {
	Phone string `json:"phone"`
}

func (q rotateRequest) check() error { return required("phone", q.Phone) }

func (s *Server) rotate(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q rotateRequest) (RotateResult, error) { return s.Rotate(r.Context(), q.Phone) })
}
