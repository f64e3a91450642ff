package wasim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Acting on messages: what a linked device does to a message or chat
// after sending (react, edit, revoke, delete for me, star, pin, seen,
// played, chat state, presence, presence subscriptions), recorded in the
// account's action log that the outbox shows, and routed as WhatsApp
// would: to the account's other devices and to the other side when it is
// a simulated account.

// Action is one thing a linked device did, as GET /__sim/outbox lists it.
type Action struct {
	Seq       int       `json:"seq"`
	Type      string    `json:"type"` // react, edit, revoke, delete, star, unstar, pin, unpin, seen, played, chatstate, presence, subscribe, profile_*, call_reject
	MessageID string    `json:"message_id,omitempty"`
	ChatID    string    `json:"chat_id,omitempty"`
	Value     string    `json:"value,omitempty"` // the emoji, new text, pin duration, chat state, presence
	Chats     []string  `json:"chats,omitempty"` // subscribe
	At        time.Time `json:"at"`
}

// actReq is a page's action (the "act" message).
type actReq struct {
	Type     string   `json:"type"`
	Msg      string   `json:"msg,omitempty"`
	Chat     string   `json:"chat,omitempty"`
	Value    string   `json:"value,omitempty"` // emoji, text, duration, chat state
	Flag     bool     `json:"flag,omitempty"`  // star/unstar, pin/unpin, revoke (for everyone), available
	Chats    []string `json:"chats,omitempty"`
	Mentions []string `json:"mentions,omitempty"`
}

// Reaction is a reaction as a page's chat.new_reaction reports it.
type Reaction struct {
	ID        string `json:"id"`     // the reaction's own key
	Msg       string `json:"msg"`    // the message reacted to, as the page's account sees it
	Sender    string `json:"sender"` // a jid
	Text      string `json:"text"`   // empty: removed
	Timestamp int64  `json:"t"`      // unix milliseconds
}

// Vote is a poll vote as a page's chat.poll_response reports it.
type Vote struct {
	Msg       string `json:"msg"`
	Chat      string `json:"chat"`
	Sender    string `json:"sender"`
	Options   []int  `json:"options"`
	Timestamp int64  `json:"t"` // unix milliseconds
}

// Presence is a contact's presence as chat.presence_change reports it.
type Presence struct {
	ID        string `json:"id"`
	Online    bool   `json:"online"`
	State     string `json:"state"` // available, unavailable, composing, recording, paused
	Timestamp int64  `json:"t"`     // unix milliseconds
}

// logLocked appends an action to a's log. s.mu must be held.
func (s *Server) logLocked(a *account, act Action) {
	s.seq++
	act.Seq, act.At = s.seq, time.Now()
	a.actions = append(a.actions, act)
}

// toDevicesLocked sends m to every connected device of a. s.mu must be held.
func (s *Server) toDevicesLocked(a *account, m outMsg) {
	for _, d := range a.devices {
		if p := d.page; p != nil && !d.loggedOut && p.phase == phaseMain {
			s.sendLocked(p, m)
		}
	}
}

// peerLocked returns the simulated account on the other side of m and the
// id of m as that account sees it, or nil.
func (s *Server) peerLocked(a *account, m *message) (*account, *message) {
	other := s.accounts[strings.TrimSuffix(m.ChatID, "@c.us")]
	if other == nil || other == a {
		return nil, nil
	}
	if pm := other.byID[other.sameKeyID(m.Key)]; pm != nil {
		return other, pm
	}
	return nil, nil
}

// sameKeyID returns the id under which a holds the message id (or bare
// key) names: the id itself when a holds it, else a's message with the
// same key (the sender's and recipient's ids differ only in their prefix).
func (a *account) sameKeyID(id string) string {
	if id == "" || a.byID[id] != nil {
		return id
	}
	key := id[strings.LastIndex(id, "_")+1:]
	for _, m := range a.msgs {
		if m.Key == key {
			return m.ID
		}
	}
	return ""
}

// onActLocked performs a page's action and returns what to reply. s.mu
// must be held.
func (s *Server) onActLocked(p *page, r *actReq) (outMsg, error) {
	d := p.dev
	if d == nil || p.phase != phaseMain {
		return outMsg{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	if r == nil {
		return outMsg{}, fmt.Errorf("invalid_action: empty action")
	}
	a := d.acct
	act := Action{Type: r.Type, MessageID: r.Msg, ChatID: r.Chat, Value: r.Value}
	var m *message
	if r.Msg != "" {
		if m = a.byID[r.Msg]; m == nil {
			return outMsg{}, fmt.Errorf("msg_not_found: Message %s not found", r.Msg)
		}
		act.ChatID = m.ChatID
	}
	needMsg := func() error {
		if m == nil {
			return fmt.Errorf("msg_not_found: no message given")
		}
		return nil
	}
	var err error
	switch r.Type {
	case "react":
		if err = needMsg(); err == nil {
			if err = s.checkGroupReactLocked(a, m.ChatID); err == nil {
				s.reactLocked(a, m, a.wid(), r.Value)
			}
		}
	case "edit":
		if err = needMsg(); err == nil {
			err = s.editLocked(a, m, r.Value)
		}
	case "revoke":
		if err = needMsg(); err == nil {
			err = s.revokeOwnLocked(a, m)
		}
	case "delete":
		err = needMsg()
	case "star", "unstar":
		if err = needMsg(); err == nil {
			m.Starred = r.Type == "star"
		}
	case "pin", "unpin":
		if err = needMsg(); err == nil {
			err = pinLocked(m, r.Type == "pin", r.Value)
		}
	case "played":
		if err = needMsg(); err == nil {
			m.Played = true
		}
	case "seen":
		if !slices.ContainsFunc(a.msgs, func(m *message) bool { return m.ChatID == r.Chat }) {
			return outMsg{}, fmt.Errorf("chat_not_found: Chat not found for %s", r.Chat)
		}
		a.seen[r.Chat] = s.seq
		defer s.pushChatLocked(a, r.Chat)
	case "chatstate", "presence":
	case "profile_name", "profile_about", "profile_picture", "profile_picture_remove", "call_reject":
		err = s.profileActLocked(a, &act, r)
	case "subscribe":
		act.Chats = slices.Clone(r.Chats)
		for _, c := range r.Chats {
			d.subscribed[c] = true
		}
	default:
		return s.chatActLocked(a, r)
	}
	if err != nil {
		return outMsg{}, err
	}
	s.logLocked(a, act)
	out := outMsg{OK: true}
	if m != nil {
		v := m.view()
		out.Msg = &v
	}
	return out, nil
}

// reactLocked sets sender's reaction on m (held by a) and tells a's
// devices, and the other side's when it is simulated. s.mu must be held.
func (s *Server) reactLocked(a *account, m *message, sender, text string) {
	set := func(acct *account, msg *message) {
		if msg.Reactions == nil {
			msg.Reactions = map[string]string{}
		}
		if text == "" {
			delete(msg.Reactions, sender)
		} else {
			msg.Reactions[sender] = text
		}
		prefix := "false_"
		if sender == acct.wid() {
			prefix = "true_"
		}
		rc := Reaction{ID: prefix + msg.ChatID + "_" + newKey(), Msg: msg.ID, Sender: sender, Text: text, Timestamp: time.Now().UnixMilli()}
		s.toDevicesLocked(acct, outMsg{T: msgReaction, Reaction: &rc})
	}
	set(a, m)
	if other, om := s.peerLocked(a, m); other != nil {
		set(other, om)
	}
	for _, c := range s.groupCopiesLocked(a, m) {
		set(c.acct, c.msg)
	}
}

// editLocked replaces the text of a's own message m. s.mu must be held.
func (s *Server) editLocked(a *account, m *message, text string) error {
	if !m.FromMe || m.Revoked || (m.Type != "chat" && !mediaTypes[m.Type]) || strings.TrimSpace(text) == "" {
		return fmt.Errorf("edit_message_error: Cannot edit this message")
	}
	if time.Since(time.Unix(m.Timestamp, 0)) > 15*time.Minute {
		return fmt.Errorf("edit_message_error: Cannot edit this message")
	}
	s.applyEditLocked(a, m, text)
	if other, om := s.peerLocked(a, m); other != nil {
		s.applyEditLocked(other, om, text)
	}
	return nil
}

// applyEditLocked replaces the text (or caption) of m, held by a, keeping
// the old one, and tells a's devices. s.mu must be held.
func (s *Server) applyEditLocked(a *account, m *message, text string) Message {
	if m.Type == "chat" {
		m.Edits, m.Body = append(m.Edits, m.Body), text
	} else {
		m.Edits, m.Caption = append(m.Edits, m.Caption), text
	}
	v := m.view()
	s.toDevicesLocked(a, outMsg{T: msgEdit, Msg: &v})
	return v
}

// revokeOwnLocked deletes a's own message m for everyone. s.mu must be held.
func (s *Server) revokeOwnLocked(a *account, m *message) error {
	if !m.FromMe || m.Revoked {
		return fmt.Errorf("revoke_not_allowed: only a message you sent can be deleted for everyone, once")
	}
	s.revokeLocked(a, m)
	if other, om := s.peerLocked(a, m); other != nil {
		s.revokeLocked(other, om)
	}
	return nil
}

// revokeLocked marks m (held by a) revoked and tells a's devices. s.mu
// must be held.
func (s *Server) revokeLocked(a *account, m *message) Message {
	m.Revoked, m.Type, m.Body, m.Caption = true, "revoked", "", ""
	v := m.view()
	rid := strings.TrimSuffix(m.ID, m.Key) + newKey()
	s.toDevicesLocked(a, outMsg{T: msgRevoke, Msg: &v, RID: rid})
	return v
}

// pinDurations are wa-js's PinExpiryDurationOption values.
var pinDurations = []string{"FiveSeconds", "FifteenSeconds", "OneMinute", "OneDay", "SevenDays", "ThirtyDays"}

// pinLocked pins or unpins m with wa-js's checks (pinMsg): a revoked,
// view-once or unsent message cannot be, nor one already in that state.
func pinLocked(m *message, pin bool, duration string) error {
	code := "unpin_error"
	if pin {
		code = "pin_error"
	}
	switch {
	case m.Revoked || m.ViewOnce || m.Ack < AckServer:
		return fmt.Errorf("%s: The msg %s not can be pinned", code, m.ID)
	case pin && m.Pinned != "":
		return fmt.Errorf("%s: The msg %s is already pinned", code, m.ID)
	case !pin && m.Pinned == "":
		return fmt.Errorf("%s: The msg %s is already unpinned", code, m.ID)
	case pin && !slices.Contains(pinDurations, duration):
		return fmt.Errorf("%s: invalid duration %q", code, duration)
	}
	m.Pinned = ""
	if pin {
		m.Pinned = duration
	}
	return nil
}
