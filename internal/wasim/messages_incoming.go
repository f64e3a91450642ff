package wasim

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Messages someone sends to a simulated account: delivered to its devices
// at once or when they next connect, and revoked by their sender.

// incomingLocked adds a message from someone (from, a jid) to account a
// and delivers it. Media in src is shared with a. s.mu must be held.
func (s *Server) incomingLocked(a *account, from, fromName string, src Message) *message {
	return s.receiveLocked(a, from, "", fromName, src)
}

// receiveLocked adds src to a's history as a message in chat (a jid) and
// delivers it: from the chat itself, or from author in a group chat. name,
// when set, is the sender's push name, saved as a's contact. Media in src
// is shared with a. s.mu must be held.
func (s *Server) receiveLocked(a *account, chat, author, name string, src Message) *message {
	m := &message{Message: Message{ID: "false_" + chat + "_" + src.Key, Key: src.Key, ChatID: chat, From: chat,
		To: a.wid(), Author: author, Type: src.Type, Body: src.Body, Caption: src.Caption, Mimetype: src.Mimetype,
		Filename: src.Filename, MediaID: src.MediaID, Size: src.Size, Timestamp: time.Now().Unix(), Ack: AckServer,
		Content: src.Content}}
	m.Quoted = a.sameKeyID(src.Quoted)
	if md := s.media[src.MediaID]; md != nil {
		md.owners[a.phone] = true
	}
	s.addLocked(a, m)
	if name != "" {
		sender := author
		if sender == "" {
			sender = chat
		}
		a.contacts[sender] = name
	}
	s.deliverLocked(m)
	return m
}

// IncomingMedia is a media attachment of an incoming message.
type IncomingMedia struct {
	Data     []byte
	Mimetype string
	Filename string
	Caption  string
}

// Deliver is someone (from, a phone number) sending a message to the
// account of phone: text, or media when media is not nil. Connected devices
// get it at once, the others when they next connect. It fails with
// CodeAccountNotFound for a phone that never linked a device and with
// CodeInvalid for bad input.
func (s *Server) Deliver(phone, from, fromName, text string, media *IncomingMedia) (Message, error) {
	return s.DeliverFrom(phone, from, "", fromName, text, media)
}

// DeliverFrom is Deliver from a contact WhatsApp knows by its LID (lid, the
// digits of lid@lid; "" for none): the message comes from lid@lid, the chat
// is the LID's, and the account's phone-number/LID table maps from to it,
// as WhatsApp's does for contacts that hide their number.
func (s *Server) DeliverFrom(phone, from, lid, fromName, text string, media *IncomingMedia) (Message, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return Message{}, fieldError("phone", "must be 6 to 15 digits")
	}
	sender, ok := normalizePhone(from)
	if !ok {
		return Message{}, fieldError("from", "must be 6 to 15 digits")
	}
	src := Message{Key: newKey(), Type: "chat", Body: text}
	if media == nil && (strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > maxText) {
		return Message{}, fieldError("text", "must be 1 to %d characters", maxText)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[norm]
	if a == nil {
		return Message{}, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	if media != nil {
		md := s.storeMediaLocked(media.Data, media.Mimetype)
		src.Type, src.Body, src.Caption, src.Mimetype, src.Filename = mediaType(md.mimetype), "", media.Caption, md.mimetype, media.Filename
		src.MediaID, src.Size = md.id, len(md.data)
	}
	jid := sender + "@c.us"
	if lid != "" {
		if !lidPattern.MatchString(lid) {
			return Message{}, fieldError("from_lid", "must be 6 to 20 digits")
		}
		a.lids[jid] = lid + "@lid"
		jid = lid + "@lid"
	}
	m := s.incomingLocked(a, jid, fromName, src)
	return m.view(), nil
}

// mediaType picks the message type WhatsApp would for a mimetype.
func mediaType(mimetype string) string {
	switch {
	case strings.HasPrefix(mimetype, "image/") && mimetype != "image/webp":
		return "image"
	case strings.HasPrefix(mimetype, "video/"):
		return "video"
	case strings.HasPrefix(mimetype, "audio/"):
		return "audio"
	default:
		return "document"
	}
}

// Revoke is the sender of an incoming message of phone's account deleting
// it for everyone; the account's devices see chat.msg_revoke.
func (s *Server) Revoke(phone, id string) (Message, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return Message{}, fieldError("phone", "must be 6 to 15 digits")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[norm]
	if a == nil {
		return Message{}, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", norm)
	}
	m := a.byID[id]
	if m == nil || m.Revoked {
		return Message{}, errorf(CodeNotFound, "account %s has no message %q to revoke", norm, id)
	}
	return s.revokeLocked(a, m), nil
}
