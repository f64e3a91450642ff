package wasim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Calls: someone (from) calls the account of phone, POST /__sim/call. Its
// connected devices hear it ring (call.incoming_call in the page); a device
// that rejects it logs a call_reject action, which the caller sees in the
// outbox's action log, with any text message the device sends after it.

// Call is an incoming call as the page channel carries it.
type Call struct {
	ID        string `json:"id"`
	From      string `json:"from"` // the caller's jid
	IsVideo   bool   `json:"is_video"`
	IsGroup   bool   `json:"is_group"`
	OfferTime int64  `json:"offer_time"` // unix seconds, as CallModel.offerTime
	State     string `json:"state"`      // ringing, rejected, ended
}

// Call states.
const (
	callRinging  = "ringing"
	callRejected = "rejected"
)

// msgCall is the server → page message of a call: {call}.
const msgCall = "call"

// maxCalls bounds the calls an account remembers.
const maxCalls = 200

// callRequest is the body of POST /__sim/call.
type callRequest struct {
	Phone string `json:"phone"`
	From  string `json:"from"`
	Video bool   `json:"video"`
	Group bool   `json:"group"`
}

func (q callRequest) check() error { return required("phone", q.Phone, "from", q.From) }

func (s *Server) call(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q callRequest) (Call, error) { return s.PlaceCall(q.Phone, q.From, q.Video, q.Group) })
}

// PlaceCall is from (a phone number) calling the account of phone: its
// connected devices hear the call ring. It returns the call.
func (s *Server) PlaceCall(phone, from string, video, group bool) (Call, error) {
	caller, ok := normalizePhone(from)
	if !ok {
		return Call{}, fieldError("from", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return Call{}, err
	}
	c := &Call{ID: callID(), From: caller + "@c.us", IsVideo: video, IsGroup: group,
		OfferTime: time.Now().Unix(), State: callRinging}
	if a.calls == nil {
		a.calls = map[string]*Call{}
	}
	if len(a.calls) >= maxCalls {
		clear(a.calls)
	}
	a.calls[c.ID] = c
	v := *c
	s.toDevicesLocked(a, outMsg{T: msgCall, Call: &v})
	return v, nil
}

// callID is an id shaped like WhatsApp's call ids: 32 upper-case hex digits.
func callID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// rejectCallLocked is a device of a rejecting the call id: the caller is
// told (the action log) and the account's other devices stop ringing.
// s.mu must be held.
func (s *Server) rejectCallLocked(a *account, act *Action, id string) error {
	c := a.calls[id]
	if c == nil {
		return fmt.Errorf("call_not_found: Call %s not found", id)
	}
	if c.State != callRinging && !c.IsGroup {
		return fmt.Errorf("call_is_not_incoming_ring: Call %s is not incoming ring", id)
	}
	c.State = callRejected
	act.ChatID = c.From
	v := *c
	s.toDevicesLocked(a, outMsg{T: msgCall, Call: &v})
	return nil
}
