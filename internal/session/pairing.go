package session

import (
	"context"
	"fmt"
)

// Bridge events of the pairing-code flow and of fatal stream states
// (docs/bridge.md); the other bridge types are in bridge.go.
const (
	// BridgePairingCode {code, phone}: WhatsApp replaced the pairing code
	// (the first one is the pairing-code call's answer).
	BridgePairingCode = "pairing_code"
	// BridgePairingExpired {phone}: the code expired and WhatsApp will not
	// make another by itself.
	BridgePairingExpired = "pairing_code_expired"
	// BridgePairingError {phone, message}: the pairing flow failed.
	BridgePairingError = "pairing_code_error"
	// BridgeFatal {reason, stream_mode, detail}: WhatsApp will not serve this
	// account (reason account_blocked) or this WhatsApp Web (update_required).
	BridgeFatal = "fatal"
)

// onPairing publishes a session.pairing_code event for a replaced code, or
// for the end of the flow.
func (w *watch) onPairing(ctx context.Context, ev PageEvent) {
	s, m := w.r.s, w.r.s.m
	d, err := decode[struct{ Code, Phone, Message string }](ev.Data)
	if err != nil {
		return
	}
	out := PairingCodeEvent{Code: d.Code, Phone: d.Phone, State: "active"}
	switch ev.Type {
	case BridgePairingExpired:
		out = PairingCodeEvent{Phone: d.Phone, State: "expired",
			Detail: fmt.Sprintf("the pairing code expired; POST /v1/sessions/%s/pairing-code for a new one, or scan the QR", s.id)}
	case BridgePairingError:
		out = PairingCodeEvent{Phone: d.Phone, State: "error",
			Detail: fmt.Sprintf("WhatsApp ended pairing by phone number (%s); POST /v1/sessions/%s/pairing-code to try again, or scan the QR", d.Message, s.id)}
	case BridgePairingCode:
		if d.Code == "" {
			return
		}
	}
	m.publish(ctx, s.id, EventPairingCode, out)
}

// onFatal ends the run FAILED: retrying cannot help until a person acts.
func (w *watch) onFatal(ev PageEvent) (outcome, bool) {
	d, err := decode[struct{ Reason, Detail string }](ev.Data)
	if err != nil {
		return outcome{}, false
	}
	reason := ReasonAccountBlocked
	if d.Reason == string(ReasonUpdateRequired) {
		reason = ReasonUpdateRequired
	}
	return outcome{kind: outFailed, reason: reason, detail: d.Detail}, true
}
