package wasim

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// Message is one message as the simulator keeps it, from the point of view
// of the account whose history holds it. The page channel and the control
// API both use this shape.
type Message struct {
	Seq       int    `json:"seq"` // server-wide order
	ID        string `json:"id"`  // WhatsApp's serialized key: fromMe_chat_key
	Key       string `json:"key"` // the key's id part, shared by sender and receiver
	ChatID    string `json:"chat_id"`
	From      string `json:"from"`
	To        string `json:"to"`
	FromMe    bool   `json:"from_me"`
	Device    string `json:"device,omitempty"` // the linked device that sent it
	Type      string `json:"type"`             // chat, image, video, audio, document, sticker, revoked
	Body      string `json:"body,omitempty"`
	Caption   string `json:"caption,omitempty"`
	Mimetype  string `json:"mimetype,omitempty"`
	Filename  string `json:"filename,omitempty"`
	MediaID   string `json:"media_id,omitempty"`
	MediaURL  string `json:"media_url,omitempty"` // control API: where to GET the bytes
	Size      int    `json:"size,omitempty"`
	Timestamp int64  `json:"timestamp"` // unix seconds, like MsgModel.t
	Ack       int    `json:"ack_code"`
	AckName   string `json:"ack"`
	Revoked   bool   `json:"revoked,omitempty"`
	Kind      string `json:"kind"` // the type as easy-api's API names it: text, voice, contacts, poll, ...
	// Groups (groups.go): who wrote a group message or made a group
	// change, and for a gp2 notification its subtype and the participants
	// it is about.
	Author     string   `json:"author,omitempty"`
	Subtype    string   `json:"subtype,omitempty"`
	Recipients []string `json:"recipients,omitempty"`
	Content
	State
}

// Chat is one conversation of an account, derived from its messages.
type Chat struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	IsGroup     bool   `json:"is_group"`
	Timestamp   int64  `json:"timestamp"`
	UnreadCount int    `json:"unread_count"` // incoming messages after our last send; -1: marked unread
	ChatSettings
}

// Contact is someone an account exchanged messages with.
type Contact struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	PushName string `json:"push_name"`
}

// message is a Message in an account's history; the Server's mutex guards it.
type message struct {
	Message
	acct *account
}

func (m *message) view() Message {
	v := m.Message
	v.AckName = AckName(v.Ack)
	v.Kind = kindOf(v.Type)
	if v.MediaID != "" {
		v.MediaURL = "/__sim/media/" + v.MediaID
	}
	return v
}

// newKey returns a message key shaped like WhatsApp's (hex, upper case).
func newKey() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "3A" + strings.ToUpper(hex.EncodeToString(b))
}

// addLocked appends m to its account's history. s.mu must be held.
func (s *Server) addLocked(a *account, m *message) {
	s.seq++
	m.Seq, m.acct = s.seq, a
	a.msgs = append(a.msgs, m)
	a.byID[m.ID] = m
	if strings.HasSuffix(m.ChatID, "@c.us") || strings.HasSuffix(m.ChatID, "@lid") {
		if _, ok := a.contacts[m.ChatID]; !ok {
			a.contacts[m.ChatID] = ""
		}
	}
}

// deliverLocked sends m to every connected device of its account but the
// one that sent it. Devices not in MAIN get it when they get there, and
// those of a legacy account whose phone is offline when it is back. s.mu
// must be held.
func (s *Server) deliverLocked(m *message) {
	if m.acct.phoneOffline() {
		return
	}
	for _, d := range m.acct.devices {
		if d.loggedOut || d.id == m.Device || d.page == nil || d.page.phase != phaseMain {
			continue
		}
		v := m.view()
		s.sendLocked(d.page, outMsg{T: msgMessage, Msg: &v})
	}
}

// flushLocked sends p every message of its device's account that the
// device has not confirmed yet. s.mu must be held.
func (s *Server) flushLocked(p *page) {
	d := p.dev
	if d == nil || d.acct.phoneOffline() {
		return
	}
	for _, m := range d.acct.msgs {
		if m.Seq > d.cursor && m.Device != d.id {
			v := m.view()
			s.sendLocked(p, outMsg{T: msgMessage, Msg: &v})
		}
	}
}
