package wasim

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// The phone side of messaging beyond plain messages: someone sends the
// account any kind of message, reacts to, edits or votes on its messages,
// or shows presence. Connected devices see each at once.

// IncomingKind is a message of any kind someone sends an account:
// Type is a wa-js message type (chat, image, ptt, location, vcard,
// multi_vcard, poll_creation, ...); media types need Media.
type IncomingKind struct {
	Type  string
	Text  string
	Media *IncomingMedia
	Content
}

// linkedAccountLocked returns the account of phone, or the error the control API
// answers. s.mu must be held.
func (s *Server) linkedAccountLocked(phone string) (*account, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return nil, fieldError("phone", "must be 6 to 15 digits")
	}
	a := s.accounts[norm]
	if a == nil {
		return nil, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	return a, nil
}

// DeliverKind is someone (from, a phone number) sending the account of
// phone a message of any kind. The quoted id is as the account sees it.
func (s *Server) DeliverKind(phone, from, fromName string, in IncomingKind) (Message, error) {
	sender, ok := normalizePhone(from)
	if !ok {
		return Message{}, fieldError("from", "must be 6 to 15 digits")
	}
	if in.Type == "" {
		in.Type = "chat"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return Message{}, err
	}
	src := Message{Key: newKey(), Type: in.Type, Content: in.Content}
	r := &sendReq{Type: in.Type, Content: in.Content}
	switch {
	case in.Type == "chat":
		if strings.TrimSpace(in.Text) == "" || utf8.RuneCountInString(in.Text) > maxText {
			return Message{}, fieldError("text", "must be 1 to %d characters", maxText)
		}
		src.Body = in.Text
	case mediaTypes[in.Type]:
		if in.Media == nil {
			return Message{}, fieldError("media", "is required for a %s message", in.Type)
		}
		md := s.storeMediaLocked(in.Media.Data, in.Media.Mimetype)
		src.Caption, src.Mimetype, src.Filename = in.Media.Caption, md.mimetype, in.Media.Filename
		src.MediaID, src.Size = md.id, len(md.data)
	case contentTypes[in.Type]:
		if in.Type == "vcard" || in.Type == "multi_vcard" {
			r.Type = "vcard"
			if len(in.VCards) > 1 {
				r.Type = "multi_vcard"
			}
			src.Type = r.Type
		}
	default:
		return Message{}, fieldError("type", "%q is not a message type the simulator sends (chat, image, video, ptv, audio, ptt, document, sticker, location, vcard, poll_creation)", in.Type)
	}
	if err := s.validateContentLocked(a, r); err != nil {
		return Message{}, fieldError("type", "%s", strings.TrimPrefix(err.Error(), "invalid_message: "))
	}
	return s.incomingLocked(a, sender+"@c.us", fromName, src).view(), nil
}

// React is from (a phone number) setting, or with an empty reaction
// removing, a reaction to message id of phone's account.
func (s *Server) React(phone, from, id, reaction string) (Message, error) {
	sender, ok := normalizePhone(from)
	if !ok {
		return Message{}, fieldError("from", "must be 6 to 15 digits")
	}
	if utf8.RuneCountInString(reaction) > 16 {
		return Message{}, fieldError("reaction", "must be one emoji, or empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, m, err := s.messageLocked(phone, id)
	if err != nil {
		return Message{}, err
	}
	s.reactLocked(a, m, sender+"@c.us", reaction)
	return m.view(), nil
}

// EditIncoming is the sender of incoming message id of phone's account
// editing its text (or caption).
func (s *Server) EditIncoming(phone, id, text string) (Message, error) {
	if strings.TrimSpace(text) == "" {
		return Message{}, fieldError("text", "must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, m, err := s.messageLocked(phone, id)
	if err != nil {
		return Message{}, err
	}
	if m.FromMe || m.Revoked {
		return Message{}, errorf(CodeConflict, "%s is not an incoming message the sender can edit", id)
	}
	return s.applyEditLocked(a, m, text), nil
}

// Vote is voter (a phone number) choosing options (indexes; none withdraws
// the vote) in poll id of phone's account.
func (s *Server) Vote(phone, voter, id string, options []int) (Message, error) {
	who, ok := normalizePhone(voter)
	if !ok {
		return Message{}, fieldError("from", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, m, err := s.messageLocked(phone, id)
	if err != nil {
		return Message{}, err
	}
	if err := m.vote(who+"@c.us", options); err != nil {
		return Message{}, fieldError("options", "%v", err)
	}
	v := Vote{Msg: m.ID, Chat: m.ChatID, Sender: who + "@c.us", Options: m.Votes[who+"@c.us"], Timestamp: time.Now().UnixMilli()}
	s.toDevicesLocked(a, outMsg{T: msgVote, Vote: &v})
	return m.view(), nil
}

// PresenceStates are the states SetPresence takes, as WhatsApp's
// chatstate types.
var PresenceStates = []string{"available", "unavailable", "composing", "recording", "paused"}

// SetPresence is contact from showing a presence state to phone's account.
// Only devices that subscribed to from's presence hear it, as with
// WhatsApp; it returns how many did.
func (s *Server) SetPresence(phone, from, state string) (int, error) {
	who, ok := normalizePhone(from)
	if !ok {
		return 0, fieldError("from", "must be 6 to 15 digits")
	}
	valid := false
	for _, p := range PresenceStates {
		valid = valid || p == state
	}
	if !valid {
		return 0, fieldError("state", "must be one of %s", strings.Join(PresenceStates, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return 0, err
	}
	jid := who + "@c.us"
	pr := Presence{ID: jid, Online: state != "unavailable", State: state, Timestamp: time.Now().UnixMilli()}
	n := 0
	for _, d := range a.devices {
		if p := d.page; p != nil && !d.loggedOut && p.phase == phaseMain && d.subscribed[jid] {
			s.sendLocked(p, outMsg{T: msgPresence, Presence: &pr})
			n++
		}
	}
	return n, nil
}

// messageLocked finds message id in phone's account. s.mu must be held.
func (s *Server) messageLocked(phone, id string) (*account, *message, error) {
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return nil, nil, err
	}
	m := a.byID[id]
	if m == nil {
		return nil, nil, errorf(CodeNotFound, "account %s has no message %q", a.phone, id)
	}
	return a, m, nil
}

// Actions returns what the linked devices of phone did to messages and
// chats, oldest first.
func (s *Server) Actions(phone string) ([]Action, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return nil, err
	}
	return append([]Action{}, a.actions...), nil
}

// reactionRequest is the body of POST /__sim/reaction.
type reactionRequest struct {
	Phone    string `json:"phone"`
	From     string `json:"from"`
	ID       string `json:"id"`
	Reaction string `json:"reaction"`
}

func (q reactionRequest) check() error { return required("phone", q.Phone, "from", q.From, "id", q.ID) }

func (s *Server) reaction(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q reactionRequest) (Message, error) { return s.React(q.Phone, q.From, q.ID, q.Reaction) })
}

// editRequest is the body of POST /__sim/edit.
type editRequest struct {
	Phone string `json:"phone"`
	ID    string `json:"id"`
	Text  string `json:"text"`
}

func (q editRequest) check() error { return required("phone", q.Phone, "id", q.ID, "text", q.Text) }

func (s *Server) edit(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q editRequest) (Message, error) { return s.EditIncoming(q.Phone, q.ID, q.Text) })
}

// voteRequest is the body of POST /__sim/vote.
type voteRequest struct {
	Phone   string `json:"phone"`
	From    string `json:"from"`
	ID      string `json:"id"`
	Options []int  `json:"options"`
}

func (q voteRequest) check() error { return required("phone", q.Phone, "from", q.From, "id", q.ID) }

func (s *Server) vote(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q voteRequest) (Message, error) { return s.Vote(q.Phone, q.From, q.ID, q.Options) })
}

// presenceRequest is the body of POST /__sim/presence.
type presenceRequest struct {
	Phone string `json:"phone"`
	From  string `json:"from"`
	State string `json:"state"`
}

func (q presenceRequest) check() error {
	return required("phone", q.Phone, "from", q.From, "state", q.State)
}

func (s *Server) presence(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q presenceRequest) (map[string]int, error) {
		n, err := s.SetPresence(q.Phone, q.From, q.State)
		return map[string]int{"devices": n}, err
	})
}
