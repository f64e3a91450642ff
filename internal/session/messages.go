package session

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Messaging: the operations the API calls on a WORKING session (the bridge
// events that become message.* events are in message_events.go, acks in
// ack.go). The page does the work through wa-js (docs/bridge.md); this file
// validates input, bounds every call by CallTimeout and maps failures to
// apperr codes.

// Errors of bridge calls that messaging tells apart. Compare with errors.Is.
var (
	// ErrNotInPage: the page said the chat, message or media does not exist.
	ErrNotInPage = errors.New("not found in the page")
	// ErrPageGone: the page crashed, closed or was torn down during the call.
	ErrPageGone = errors.New("the page went away")
)

// Message is a WhatsApp message as the API and the message.* events show it.
type Message struct {
	ID        string `json:"id" example:"true_15551234567@c.us_3EB0F435D95D32C4C638"`
	ChatID    string `json:"chat_id" example:"15551234567@c.us"`
	From      string `json:"from" example:"15550001111@c.us"`
	To        string `json:"to" example:"15551234567@c.us"`
	Author    string `json:"author,omitempty" example:"15552223333@c.us"` // who wrote it, in a group (from says the same)
	FromMe    bool   `json:"from_me"`
	Type      string `json:"type" example:"chat"` // chat, image, video, audio, ptt, document, sticker, ...
	Body      string `json:"body"`
	Caption   string `json:"caption"`
	Mimetype  string `json:"mimetype"`
	Filename  string `json:"filename"`
	Timestamp int64  `json:"timestamp" example:"1764136800"` // unix seconds
	Ack       Ack    `json:"ack" swaggertype:"string" enums:"MD_DOWNGRADE,INACTIVE,CONTENT_UNUPLOADABLE,CONTENT_TOO_BIG,CONTENT_GONE,EXPIRED,ERROR,PENDING,SERVER,DEVICE,READ,PLAYED,PEER"`
	// Phone and LID name the chat's contact both ways (user chats, when
	// WhatsApp knows them): chat_id may be either, as WhatsApp gives it.
	Phone string `json:"phone,omitempty" example:"15551234567"`
	LID   string `json:"lid,omitempty" example:"123456789012345@lid"`
	MessageDetail
} // @name Message

// Chat is one conversation of the host account.
type Chat struct {
	ID          string `json:"id" example:"15551234567@c.us"`
	Name        string `json:"name" example:"Bob"`
	IsGroup     bool   `json:"is_group"`
	UnreadCount int    `json:"unread_count"`
	Timestamp   int64  `json:"timestamp"`                                   // unix seconds of the last message
	Phone       string `json:"phone,omitempty" example:"15551234567"`       // user chats: the contact's number, when known
	LID         string `json:"lid,omitempty" example:"123456789012345@lid"` // user chats: the contact's LID, when known
	ChatState
} // @name Chat

// Contact is a contact known to the host account.
type Contact struct {
	ID          string `json:"id" example:"15551234567@c.us"`
	Name        string `json:"name"`      // as saved on the phone
	PushName    string `json:"push_name"` // as the contact set it
	IsMyContact bool   `json:"is_my_contact"`
	IsGroup     bool   `json:"is_group"`
	IsBusiness  bool   `json:"is_business"`
	Phone       string `json:"phone,omitempty" example:"15551234567"`       // when known
	LID         string `json:"lid,omitempty" example:"123456789012345@lid"` // when known
} // @name Contact

// Media is a file to send, or one downloaded from a message.
type Media struct {
	Data     []byte
	Mimetype string
	Filename string
	Caption  string
}

// MaxTextLen is WhatsApp's limit on a text message, in characters.
const MaxTextLen = 65536

var (
	userJID  = regexp.MustCompile(`^([1-9][0-9]{6,14})@(c\.us|s\.whatsapp\.net)$`)
	groupJID = regexp.MustCompile(`^[0-9]{6,20}(-[0-9]{6,12})?@g\.us$`)
	lidJID   = regexp.MustCompile(`^[0-9]{6,20}@lid$`)
	msgIDRe  = regexp.MustCompile(`^(true|false)_[^_\s/]+@[a-z.]+_[A-Za-z0-9]{4,64}(_[^\s/]+)?$`)
)

// NormalizeChatID accepts a chat id or a phone number and returns the
// chat id: "+1 555-123-4567" and "15551234567" become "15551234567@c.us";
// user (@c.us, @s.whatsapp.net), group (@g.us) and @lid ids are checked.
// field names the input in the error.
func NormalizeChatID(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", apperr.Field(field, "is required: a phone number with country code or a chat id such as 15551234567@c.us")
	case !strings.Contains(s, "@"):
		p, err := NormalizePhone(s)
		if err != nil {
			return "", apperr.Field(field, "%q is neither a chat id nor an international phone number", truncate(s, 40))
		}
		return p + "@c.us", nil
	case userJID.MatchString(s):
		return userJID.FindStringSubmatch(s)[1] + "@c.us", nil
	case groupJID.MatchString(s), lidJID.MatchString(s), channelJID.MatchString(s):
		return s, nil
	}
	return "", apperr.Field(field, "%q is not a chat id (15551234567@c.us, a group id ending in @g.us, or a phone number)", truncate(s, 60))
}

// ValidateMessageID checks the shape of a WhatsApp message id
// (fromMe_chat_id[_participant]); field names the input in the error.
func ValidateMessageID(field, id string) error {
	if len(id) > 256 || !msgIDRe.MatchString(id) {
		return apperr.Field(field, "%q is not a message id such as true_15551234567@c.us_3EB0F435D95D32C4C638", truncate(id, 60))
	}
	return nil
}

// workingPage returns the page of a WORKING session, or a
// session_not_working conflict naming its status.
func (m *Manager) workingPage(ctx context.Context, id, what string) (Page, error) {
	_, s, err := m.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	st, _, _, _, _ := s.snapshot()
	page := s.currentPage()
	if st != StatusWorking || page == nil {
		return nil, &apperr.Error{Code: apperr.NotWorking,
			Detail: fmt.Sprintf("session %q is %s; %s needs %s", id, st, what, StatusWorking)}
	}
	return page, nil
}

// msgCall is m.call for messaging: a page that says "not found" is a 404,
// and a page that went away during the call says so.
func (m *Manager) msgCall(ctx context.Context, page Page, method string, args, result any) error {
	err := m.call(ctx, page, method, args, result)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotInPage) || waCode(err) != "" {
		return pageRefusal(err)
	}
	gone := errors.Is(err, ErrPageGone)
	select {
	case <-page.Done():
		gone = true
	default:
	}
	if gone {
		return apperr.Wrap(err, apperr.Unavailable,
			"the browser went away during %s (the session restarts by itself); a message is reported by message.sent only if WhatsApp accepted it", method)
	}
	return err
}

// SendText sends text to chatID (normalised by NormalizeChatID) from a
// WORKING session and returns the message once WhatsApp accepted it.
func (m *Manager) SendText(ctx context.Context, id, chatID, text string) (Message, error) {
	return m.Send(ctx, id, Outgoing{Kind: KindText, ChatID: chatID, Text: text})
}

// SendMedia sends a file to chatID from a WORKING session and returns the
// message once WhatsApp accepted it. The caller bounds the size.
func (m *Manager) SendMedia(ctx context.Context, id, chatID string, media Media) (Message, error) {
	chat, err := NormalizeChatID("chat_id", chatID)
	if err != nil {
		return Message{}, err
	}
	if len(media.Data) == 0 {
		return Message{}, apperr.Field("media.data", "must not be empty")
	}
	if media.Mimetype == "" {
		return Message{}, apperr.Field("media.mimetype", "is required")
	}
	return m.sendCall(ctx, id, "sendFile", map[string]string{"chat_id": chat,
		"data": base64.StdEncoding.EncodeToString(media.Data), "mimetype": media.Mimetype,
		"filename": media.Filename, "caption": media.Caption})
}

// sendCall makes the sending bridge call method on the WORKING page of id
// and returns the message WhatsApp accepted. While the store refuses
// writes it fails before reaching WhatsApp, so no message.sent is lost.
func (m *Manager) sendCall(ctx context.Context, id, method string, args any) (Message, error) {
	page, err := m.workingPage(ctx, id, "sending")
	if err != nil {
		return Message{}, err
	}
	if err := m.writable(); err != nil {
		return Message{}, err
	}
	var msg Message
	err = m.msgCall(ctx, page, method, args, &msg)
	return msg, err
}

// Contacts lists the host account's contacts.
func (m *Manager) Contacts(ctx context.Context, id string) ([]Contact, error) {
	page, err := m.workingPage(ctx, id, "listing contacts")
	if err != nil {
		return nil, err
	}
	contacts := []Contact{}
	return contacts, m.msgCall(ctx, page, "listContacts", nil, &contacts)
}

// Messages returns up to limit messages of a chat, oldest first: the
// newest ones, or those older than the message id before. An unknown chat
// is a not_found error.
func (m *Manager) Messages(ctx context.Context, id, chatID string, limit int, before string) ([]Message, error) {
	chat, err := NormalizeChatID("chat", chatID)
	if err != nil {
		return nil, err
	}
	if before != "" {
		if err := ValidateMessageID("before", before); err != nil {
			return nil, err
		}
	}
	page, err := m.workingPage(ctx, id, "reading messages")
	if err != nil {
		return nil, err
	}
	msgs := []Message{}
	err = m.msgCall(ctx, page, "getMessages", map[string]any{"chat_id": chat, "limit": limit, "before": before}, &msgs)
	return msgs, err
}

// DownloadMedia returns the file of a media message.
func (m *Manager) DownloadMedia(ctx context.Context, id, msgID string) (Media, error) {
	if err := ValidateMessageID("msg", msgID); err != nil {
		return Media{}, err
	}
	page, err := m.workingPage(ctx, id, "downloading media")
	if err != nil {
		return Media{}, err
	}
	var res struct {
		Data     string `json:"data"`
		Mimetype string `json:"mimetype"`
		Filename string `json:"filename"`
	}
	if err := m.msgCall(ctx, page, "downloadMedia", map[string]string{"id": msgID}, &res); err != nil {
		return Media{}, err
	}
	data, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		return Media{}, apperr.Wrap(err, apperr.Unavailable, "the page returned malformed media")
	}
	return Media{Data: data, Mimetype: res.Mimetype, Filename: res.Filename}, nil
}

// writable fails a send before it reaches WhatsApp while the event log
// refuses writes, so that no send is answered 201 without its message.sent.
func (m *Manager) writable() error {
	if m.cfg.Writable == nil {
		return nil
	}
	err := m.cfg.Writable()
	if err == nil {
		return nil
	}
	detail := err.Error()
	if e, ok := errors.AsType[*apperr.Error](err); ok {
		detail = e.Detail
	}
	return apperr.Wrap(err, apperr.StorageFull, "message not sent (WhatsApp was not contacted): %s", detail)
}
