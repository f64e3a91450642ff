package wasim

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Messages a linked device sends: checked as WhatsApp would, routed to
// the recipient and acked on the schedule; the outbox and ack control of
// the API.

var (
	chatPattern = regexp.MustCompile(`^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}@lid|[0-9]{6,20}(-[0-9]{6,12})?@g\.us)$`)
	keyPattern2 = regexp.MustCompile(`^[0-9A-F]{8,32}$`)
	lidPattern  = regexp.MustCompile(`^[0-9]{6,20}$`)
)

// mediaTypes are the message types a page may send with media.
var mediaTypes = map[string]bool{"image": true, "video": true, "ptv": true, "audio": true, "ptt": true, "document": true, "sticker": true}

// maxText is WhatsApp's limit on a text message, in characters.
const maxText = 65536

// onSendLocked records a message a page sent and routes it: to the
// account's other devices, to the recipient when it is a simulated account,
// and into the ack schedule. A legacy account whose phone is offline keeps
// it PENDING (ack 0) until the phone is back (releasePendingLocked). It
// returns the message as the sender sees it. s.mu must be held.
func (s *Server) onSendLocked(p *page, r *sendReq) (Message, error) {
	d := p.dev
	if d == nil || p.phase != phaseMain {
		return Message{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	if err := s.validateSendLocked(d.acct, r); err != nil {
		return Message{}, err
	}
	a := d.acct
	m := &message{Message: Message{ID: "true_" + r.To + "_" + r.Key, Key: r.Key, ChatID: r.To, From: a.wid(), To: r.To,
		FromMe: true, Device: d.id, Type: r.Type, Body: r.Body, Caption: r.Caption, Mimetype: r.Mimetype,
		Filename: r.Filename, MediaID: r.Media, Timestamp: time.Now().Unix(), Ack: AckServer, Content: r.Content}}
	if a.phoneOffline() {
		m.Ack = AckPending
	}
	if md := s.media[r.Media]; md != nil {
		m.Size = len(md.data)
		if m.Mimetype == "" {
			m.Mimetype = md.mimetype
		}
	}
	s.addLocked(a, m)
	d.cursor = max(d.cursor, m.Seq)
	s.deliverLocked(m)
	s.index[m.ID] = m
	if m.Ack == AckPending {
		a.pending = append(a.pending, m)
	} else {
		s.routeSentLocked(m)
	}
	return m.view(), nil
}

// routeSentLocked hands a sent message WhatsApp accepted to its recipient
// when that is a simulated account, and schedules its acks. s.mu must be
// held.
func (s *Server) routeSentLocked(m *message) {
	if strings.HasSuffix(m.To, "@g.us") {
		s.routeGroupLocked(m)
	} else if to := s.accounts[strings.TrimSuffix(m.To, "@c.us")]; to != nil {
		s.incomingLocked(to, m.acct.wid(), m.acct.name, m.Message)
	}
	if s.cfg.AckDelay > 0 {
		s.scheduleAckLocked(m.ID, AckDevice, time.Now().Add(s.cfg.AckDelay))
	}
}

func (s *Server) validateSendLocked(a *account, r *sendReq) error {
	switch {
	case r == nil:
		return fmt.Errorf("invalid_message: empty send")
	case !chatPattern.MatchString(r.To):
		return fmt.Errorf("invalid_chat_id: %q is not a chat id", r.To)
	case !keyPattern2.MatchString(r.Key):
		return fmt.Errorf("invalid_message: malformed key")
	case a.byID["true_"+r.To+"_"+r.Key] != nil:
		return fmt.Errorf("invalid_message: duplicate key")
	case r.Type == "chat":
		if strings.TrimSpace(r.Body) == "" || utf8.RuneCountInString(r.Body) > maxText {
			return fmt.Errorf("invalid_message: text must be 1 to %d characters", maxText)
		}
	case mediaTypes[r.Type]:
		md := s.media[r.Media]
		if md == nil || !md.owners[a.phone] {
			return fmt.Errorf("media_not_found: upload the media first")
		}
	case contentTypes[r.Type]:
	default:
		return fmt.Errorf("invalid_message: unknown type %q", r.Type)
	}
	if err := s.checkGroupSendLocked(a, r.To); err != nil {
		return err
	}
	return s.validateContentLocked(a, r)
}

// Outbox returns the messages the linked devices of phone sent, oldest
// first, with their current acks.
func (s *Server) Outbox(phone string) ([]Message, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return nil, fieldError("phone", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[norm]
	if a == nil {
		return nil, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	out := []Message{}
	for _, m := range a.msgs {
		if m.FromMe && m.Device != "" {
			out = append(out, m.view())
		}
	}
	return out, nil
}

// SetAck moves the ack of a sent message (its id as in the outbox) forward,
// or to ERROR, and tells the sender's connected devices. Acks only move
// forward: anything else is an CodeConflict.
func (s *Server) SetAck(id string, ack int) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.index[id]
	if m == nil {
		return Message{}, errorf(CodeNotFound, "no sent message %q", id)
	}
	if err := s.setAckLocked(m, ack); err != nil {
		return Message{}, err
	}
	return m.view(), nil
}

func (s *Server) setAckLocked(m *message, ack int) error {
	if err := ackMove(m.ID, m.Ack, ack); err != nil {
		return err
	}
	m.Ack = ack
	// Receipts of a contact known by its LID come from the LID, whatever
	// chat the message was sent to (wa-js rebuilds the key from them).
	chat := m.ChatID
	if lid := m.acct.lids[chat]; lid != "" && ack >= AckDevice {
		chat = lid
	}
	for _, d := range m.acct.devices {
		if p := d.page; p != nil && !d.loggedOut && p.phase == phaseMain {
			s.sendLocked(p, outMsg{T: msgAck, IDs: []string{m.ID}, Chat: chat, Ack: ack})
		}
	}
	return nil
}
