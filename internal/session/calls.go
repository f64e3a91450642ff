package session

import (
	"context"
	"errors"
	"regexp"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Calls: WhatsApp Web cannot answer a call, but it hears one ring
// (wa-js's call.incoming_call) and can reject it (call.reject). A session
// whose reject_calls is on rejects every incoming call at once and, when
// reject_calls_message is set, sends the caller that text.

// Event types of calls (DESIGN §8).
const (
	EventCallReceived = "call.received" // CallEvent
	EventCallRejected = "call.rejected" // CallRejectedEvent
)

// BridgeCall is the bridge event of an incoming call (CallEvent).
const BridgeCall = "call"

// CallEvent is the payload of call.received: a call is ringing.
type CallEvent struct {
	ID        string `json:"id" example:"A1B2C3D4E5F60718293A4B5C6D7E8F90"`
	From      string `json:"from" example:"15551234567@c.us"`       // the caller (a group call: its caller too)
	Phone     string `json:"phone,omitempty" example:"15551234567"` // the caller's number, when known
	IsVideo   bool   `json:"is_video"`
	IsGroup   bool   `json:"is_group"`
	Timestamp int64  `json:"timestamp" example:"1764633600"` // unix seconds of the offer
} // @name CallEvent

// CallRejectedEvent is the payload of call.rejected: we rejected a call,
// by reject_calls (auto) or through the API.
type CallRejectedEvent struct {
	ID        string `json:"id" example:"A1B2C3D4E5F60718293A4B5C6D7E8F90"`
	From      string `json:"from,omitempty" example:"15551234567@c.us"`
	Auto      bool   `json:"auto"`                 // rejected by reject_calls
	MessageID string `json:"message_id,omitempty"` // the text sent to the caller, if any
	Error     string `json:"error,omitempty"`      // why that text could not be sent
} // @name CallRejectedEvent

// DedupeID makes a call's rejection one event however often it is reported.
func (e CallRejectedEvent) DedupeID() string { return e.ID }

// DedupeID makes a ringing call one event (wa-js reports a group call more
// than once; a page reload may report it again).
func (e CallEvent) DedupeID() string { return e.ID }

// RejectResult is what rejecting a call did.
type RejectResult struct {
	ID        string `json:"id"`
	From      string `json:"from,omitempty"`
	MessageID string `json:"message_id,omitempty"` // the text sent to the caller
} // @name RejectResult

// callIDRe is the shape of a WhatsApp call id.
var callIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{4,128}$`)

// MaxRejectMessage bounds the text sent to a rejected caller.
const MaxRejectMessage = 4096

// validateRejectMessage checks the text sent back to a rejected caller.
func validateRejectMessage(field, msg string) error {
	if n := utf8.RuneCountInString(msg); n > MaxRejectMessage {
		return apperr.Field(field, "has %d characters; at most %d", n, MaxRejectMessage)
	}
	return nil
}

// RejectCall rejects a ringing call and, when message is not empty, sends
// it to the caller. A call that is not ringing any more is not_allowed, one
// the session never heard of call_not_found.
func (m *Manager) RejectCall(ctx context.Context, id, callID, message string) (RejectResult, error) {
	if !callIDRe.MatchString(callID) {
		return RejectResult{}, apperr.Field("call", "%q is not a call id", truncate(callID, 40))
	}
	if err := validateRejectMessage("message", message); err != nil {
		return RejectResult{}, err
	}
	page, err := m.workingPage(ctx, id, "rejecting a call")
	if err != nil {
		return RejectResult{}, err
	}
	res, err := m.rejectCall(ctx, id, page, callID, message, false)
	if err != nil {
		return RejectResult{}, callRefusal(err)
	}
	return res, nil
}

// rejectCall rejects callID in page, sends message to the caller and
// publishes call.rejected. A failed send is in the event, not an error:
// the call is rejected either way.
func (m *Manager) rejectCall(ctx context.Context, id string, page Page, callID, message string, auto bool) (RejectResult, error) {
	var res RejectResult
	if err := m.msgCall(ctx, page, "rejectCall", map[string]any{"id": callID}, &res); err != nil {
		return RejectResult{}, err
	}
	ev := CallRejectedEvent{ID: callID, From: res.From, Auto: auto}
	if message != "" && res.From != "" {
		var msg Message
		err := m.msgCall(ctx, page, "sendText", map[string]any{"chat_id": res.From, "text": message}, &msg)
		if err != nil {
			ev.Error = err.Error()
		}
		res.MessageID, ev.MessageID = msg.ID, msg.ID
	}
	m.publish(ctx, id, EventCallRejected, ev)
	return res, nil
}

// callRefusal names the call in a refusal about it.
func callRefusal(err error) error {
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok || e.Field != "" || (e.Code != apperr.CallNotFound && e.Code != apperr.NotAllowed) {
		return err
	}
	return &apperr.Error{Code: e.Code, Field: "call", Detail: "call: " + e.Detail, Err: err}
}

// onCall publishes call.received and, with reject_calls on (read now, so
// a PATCH applies to the next call), rejects it.
func (w *watch) onCall(ctx context.Context, ev PageEvent) {
	s := w.r.s
	c, ok := bridgeEvent(w, ev, func(c CallEvent) bool { return c.ID != "" })
	if !ok {
		return
	}
	s.m.publish(ctx, s.id, EventCallReceived, c)
	cfg := w.cfg
	if rec, err := s.m.cfg.Registry.Get(ctx, s.id); err == nil {
		cfg = s.m.effective(rec)
	}
	if !cfg.RejectCalls {
		return
	}
	if _, err := s.m.rejectCall(ctx, s.id, w.page, c.ID, cfg.RejectCallsMessage, true); err != nil {
		s.log.Warn().Err(err).Str("call", c.ID).Msg("reject_calls: could not reject the call")
	}
}
