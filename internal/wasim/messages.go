package wasim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
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

var (
	chatPattern = regexp.MustCompile(`^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}@lid|[0-9]{6,20}(-[0-9]{6,12})?@g\.us)$`)
	keyPattern2 = regexp.MustCompile(`^[0-9A-F]{8,32}$`)
	lidPattern  = regexp.MustCompile(`^[0-9]{6,20}$`)
)

// mediaTypes are the message types a page may send with media.
var mediaTypes = map[string]bool{"image": true, "video": true, "ptv": true, "audio": true, "ptt": true, "document": true, "sticker": true}

// maxText is WhatsApp's limit on a text message, in characters.
const maxText = 65536

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

// incomingLocked adds a message from someone (from, a jid) to account a
// and delivers it. Media in src is shared with a. s.mu must be held.
func (s *Server) incomingLocked(a *account, from, fromName string, src Message) *message {
	m := &message{Message: Message{ID: "false_" + from + "_" + src.Key, Key: src.Key, ChatID: from, From: from,
		To: a.wid(), Type: src.Type, Body: src.Body, Caption: src.Caption, Mimetype: src.Mimetype,
		Filename: src.Filename, MediaID: src.MediaID, Size: src.Size, Timestamp: time.Now().Unix(), Ack: AckServer,
		Content: src.Content}}
	m.Quoted = a.sameKeyID(src.Quoted)
	if md := s.media[src.MediaID]; md != nil {
		md.owners[a.phone] = true
	}
	s.addLocked(a, m)
	if fromName != "" {
		a.contacts[from] = fromName
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

// queryLocked answers a page's query. s.mu must be held.
func (s *Server) queryLocked(p *page, m inMsg) (outMsg, error) {
	if p.dev == nil {
		return outMsg{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	if p.phase == phaseConflict {
		return outMsg{}, fmt.Errorf("conflict: WhatsApp is open on another computer or browser")
	}
	a := p.dev.acct
	switch m.Q {
	case "chats":
		return outMsg{Chats: a.chats()}, nil
	case "contacts":
		return outMsg{Contacts: a.contactList()}, nil
	case "message":
		msg := a.byID[m.Msg]
		if msg == nil {
			return outMsg{}, fmt.Errorf("msg_not_found: Message %s not found", m.Msg)
		}
		v := msg.view()
		return outMsg{Msg: &v}, nil
	case "messages":
		msgs, err := a.history(m.Chat, m.Count, m.Before)
		return outMsg{Msgs: msgs}, err
	case "profile":
		return outMsg{Profile: &profileView{Name: a.name, About: a.about, Picture: a.picture}}, nil
	case "pnlid":
		phone, lid := a.pnLid(m.Chat)
		return outMsg{Phone: phone, LID: lid}, nil
	case "votes":
		msg := a.byID[m.Msg]
		if msg == nil || msg.Type != "poll_creation" {
			return outMsg{}, fmt.Errorf("msg_not_found: Message %s not a poll", m.Msg)
		}
		v := msg.view()
		return outMsg{Msg: &v}, nil
	}
	if out, ok := s.userQueryLocked(a, m); ok {
		return out, nil
	}
	return outMsg{}, fmt.Errorf("invalid_query: unknown query %q", m.Q)
}

// pnLid returns the phone-number jid and the LID jid of a user jid of
// either kind, as WhatsApp's lid-pn table knows them ("" when unknown).
func (a *account) pnLid(jid string) (phone, lid string) {
	switch {
	case strings.HasSuffix(jid, "@c.us"):
		return jid, a.lids[jid]
	case strings.HasSuffix(jid, "@lid"):
		for pn, l := range a.lids {
			if l == jid {
				return pn, jid
			}
		}
		return "", jid
	}
	return "", ""
}

// history returns up to count messages of chat older than before (all
// when count <= 0; the newest when before is empty), oldest first.
func (a *account) history(chat string, count int, before string) ([]Message, error) {
	var all []*message
	for _, m := range a.msgs {
		if m.ChatID == chat {
			all = append(all, m)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("chat_not_found: Chat not found for %s", chat)
	}
	all = slices.DeleteFunc(all, func(m *message) bool { return !a.visible(m) })
	if before != "" {
		b := a.byID[before]
		if b == nil || b.ChatID != chat {
			return nil, fmt.Errorf("msg_not_found: Message %s not found", before)
		}
		i := sort.Search(len(all), func(i int) bool { return all[i].Seq >= b.Seq })
		all = all[:i]
	}
	if count > 0 && len(all) > count {
		all = all[len(all)-count:]
	}
	out := make([]Message, 0, len(all))
	for _, m := range all {
		out = append(out, m.view())
	}
	return out, nil
}

// contactList returns the people the account exchanged messages with.
func (a *account) contactList() []Contact {
	out := make([]Contact, 0, len(a.contacts))
	for id, name := range a.contacts {
		out = append(out, Contact{ID: id, Name: name, PushName: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
