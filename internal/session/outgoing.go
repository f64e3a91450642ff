package session

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Kinds of message, as the API names them (the request's type, and
// Message.Kind). wa-js names the same things differently (Message.Type):
// chat, ptt, ptv, vcard, multi_vcard, poll_creation.
const (
	KindText     = "text"
	KindImage    = "image"
	KindVideo    = "video"
	KindAudio    = "audio"
	KindVoice    = "voice"
	KindDocument = "document"
	KindSticker  = "sticker"
	KindLocation = "location"
	KindContacts = "contacts"
	KindPoll     = "poll"
)

// Limits WhatsApp puts on what a message may hold.
const (
	MaxCaptionLen   = 1024
	MaxMentions     = 256
	MaxContacts     = 100 // vCards in one message
	MaxPollOptions  = 12
	MaxPollNameLen  = 255
	MaxPollOptLen   = 100
	MaxPlaceTextLen = 1000
)

// Outgoing is a message to send, already decoded; Send validates it.
type Outgoing struct {
	Kind     string
	ChatID   string
	ReplyTo  string   // a message id to quote
	Mentions []string // chat ids of people mentioned in the text or caption

	Text        string
	LinkPreview bool

	Media    *Media // Caption is the caption
	ViewOnce bool
	GIF      bool // video that plays as a GIF
	Round    bool // video shown as a round video note (WhatsApp's PTV)

	Location *Location
	Contacts []ContactCard
	Poll     *Poll
}

// Location is a place a message points at.
type Location struct {
	Latitude  float64 `json:"latitude" example:"-22.95201"`
	Longitude float64 `json:"longitude" example:"-43.2102601"`
	Name      string  `json:"name,omitempty" example:"Cristo Redentor"`
	Address   string  `json:"address,omitempty" example:"Parque Nacional da Tijuca, Rio de Janeiro"`
	URL       string  `json:"url,omitempty" example:"https://example.com/cristo"`
} // @name Location

// ContactCard is one contact card: a name and phone, or a raw vCard.
type ContactCard struct {
	Name  string `json:"name,omitempty" example:"Alice"`
	Phone string `json:"phone,omitempty" example:"15551234567"`
	VCard string `json:"vcard,omitempty" example:"BEGIN:VCARD\nVERSION:3.0\nFN:Alice\nTEL;type=CELL;waid=15551234567:+15551234567\nEND:VCARD"`
} // @name ContactCard

// Poll is a poll: its question, its options and how many a voter may pick
// (0: any number).
type Poll struct {
	Name            string   `json:"name" example:"Lunch?"`
	Options         []string `json:"options" example:"Pizza,Sushi"`
	SelectableCount int      `json:"selectable_count" example:"1"`
} // @name Poll

// Send sends out from a WORKING session and returns the message once
// WhatsApp accepted it. Bad input is an invalid_request naming the field as
// the API's body names it; a reply_to that does not exist is a 404
// message_not_found.
func (m *Manager) Send(ctx context.Context, id string, out Outgoing) (Message, error) {
	args, err := out.bridgeArgs()
	if err != nil {
		return Message{}, err
	}
	msg, err := m.sendCall(ctx, id, sendCalls[out.Kind], args)
	return msg, replyTarget(err, out.ReplyTo)
}

// sendCalls is the bridge call of each kind (docs/bridge.md).
var sendCalls = map[string]string{
	KindText: "sendText", KindLocation: "sendLocation", KindContacts: "sendContacts", KindPoll: "sendPoll",
	KindImage: "sendFile", KindVideo: "sendFile", KindAudio: "sendFile", KindVoice: "sendFile",
	KindDocument: "sendFile", KindSticker: "sendFile",
}

// bridgeArgs validates out and returns the arguments of its bridge call.
func (out Outgoing) bridgeArgs() (map[string]any, error) {
	if _, ok := sendCalls[out.Kind]; !ok {
		return nil, apperr.Field("type", "%q is not a kind of message; use one of text, image, video, audio, voice, document, sticker, location, contacts, poll", truncate(out.Kind, 40))
	}
	chat, err := NormalizeChatID("chat_id", out.ChatID)
	if err != nil {
		return nil, err
	}
	if channelJID.MatchString(chat) {
		if err := out.channelRules(); err != nil {
			return nil, err
		}
	}
	args := map[string]any{"chat_id": chat}
	if out.ReplyTo != "" {
		if err := ValidateMessageID("reply_to", out.ReplyTo); err != nil {
			return nil, err
		}
		args["reply_to"] = out.ReplyTo
	}
	if len(out.Mentions) > 0 {
		ids, err := normalizeMentions(out.Mentions)
		if err != nil {
			return nil, err
		}
		args["mentions"] = ids
	}
	switch out.Kind {
	case KindText:
		err = out.textArgs(args)
	case KindLocation:
		err = out.locationArgs(args)
	case KindContacts:
		err = out.contactArgs(args)
	case KindPoll:
		err = out.pollArgs(args)
	default:
		err = out.mediaArgs(args)
	}
	return args, err
}

func normalizeMentions(in []string) ([]string, error) {
	out, err := normalizeChatIDs("mentions", in, MaxMentions)
	if err != nil {
		return nil, err
	}
	for i, id := range out {
		if groupJID.MatchString(id) {
			return nil, apperr.Field(fmt.Sprintf("mentions[%d]", i), "%q is a group; mention people (phone numbers or user ids)", id)
		}
	}
	return out, nil
}

func (out Outgoing) textArgs(args map[string]any) error {
	if strings.TrimSpace(out.Text) == "" {
		return apperr.Field("text", "must not be empty")
	}
	if n := utf8.RuneCountInString(out.Text); n > MaxTextLen {
		return apperr.Field("text", "has %d characters; WhatsApp allows %d", n, MaxTextLen)
	}
	args["text"], args["link_preview"] = out.Text, out.LinkPreview
	return nil
}

func (out Outgoing) mediaArgs(args map[string]any) error {
	md := out.Media
	if md == nil || len(md.Data) == 0 {
		return apperr.Field("media", "is required for a %s message: data (base64) or url", out.Kind)
	}
	if md.Mimetype == "" {
		return apperr.Field("media.mimetype", "is required")
	}
	if n := utf8.RuneCountInString(md.Caption); n > MaxCaptionLen {
		return apperr.Field("caption", "has %d characters; WhatsApp allows %d", n, MaxCaptionLen)
	}
	args["kind"] = out.Kind
	args["data"] = base64.StdEncoding.EncodeToString(md.Data)
	args["mimetype"], args["filename"], args["caption"] = md.Mimetype, md.Filename, md.Caption
	args["view_once"], args["gif"], args["round"] = out.ViewOnce, out.GIF, out.Round
	return nil
}

func (out Outgoing) locationArgs(args map[string]any) error {
	l := out.Location
	switch {
	case l == nil:
		return apperr.Field("location", "is required for a location message: {latitude, longitude}")
	case math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90:
		return apperr.Field("location.latitude", "must be from -90 to 90 degrees, not %v", l.Latitude)
	case math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180:
		return apperr.Field("location.longitude", "must be from -180 to 180 degrees, not %v", l.Longitude)
	case utf8.RuneCountInString(l.Name) > MaxPlaceTextLen:
		return apperr.Field("location.name", "is longer than %d characters", MaxPlaceTextLen)
	case utf8.RuneCountInString(l.Address) > MaxPlaceTextLen:
		return apperr.Field("location.address", "is longer than %d characters", MaxPlaceTextLen)
	}
	if l.URL != "" {
		u, err := url.Parse(l.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return apperr.Field("location.url", "must be an absolute http or https URL")
		}
	}
	args["location"] = l
	return nil
}

// contactArgs sends contacts given as name and phone through wa-js's
// sendVCardContactMessage ("contacts"); a list with a raw vCard in it goes
// as vCards ("vcards"), the others written as vCard 3.0.
func (out Outgoing) contactArgs(args map[string]any) error {
	n := len(out.Contacts)
	if n == 0 || n > MaxContacts {
		return apperr.Field("contacts", "must hold 1 to %d contacts, not %d", MaxContacts, n)
	}
	type named struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type card struct {
		Name  string `json:"name"`
		VCard string `json:"vcard"`
	}
	var byPhone []named
	var cards []card
	raw := false
	for i, c := range out.Contacts {
		field := fmt.Sprintf("contacts[%d]", i)
		switch {
		case c.VCard != "" && c.Phone != "":
			return apperr.Field(field, "give name and phone, or vcard, not both")
		case c.VCard != "":
			name, err := vcardName(field+".vcard", c.VCard)
			if err != nil {
				return err
			}
			raw = true
			cards = append(cards, card{Name: cmp.Or(c.Name, name), VCard: c.VCard})
		default:
			if strings.TrimSpace(c.Name) == "" {
				return apperr.Field(field+".name", "is required with a phone")
			}
			p, err := NormalizePhone(c.Phone)
			if err != nil {
				return apperr.Field(field+".phone", "%q is not an international phone number", truncate(c.Phone, 40))
			}
			byPhone = append(byPhone, named{ID: p + "@c.us", Name: c.Name})
			cards = append(cards, card{Name: c.Name, VCard: buildVCard(c.Name, p)})
		}
	}
	if raw {
		args["vcards"] = cards
	} else {
		args["contacts"] = byPhone
	}
	return nil
}

// vcardName checks a raw vCard's frame and returns its FN.
func vcardName(field, v string) (string, error) {
	t := strings.TrimSpace(v)
	if len(t) > 64<<10 {
		return "", apperr.Field(field, "is larger than 64 KiB")
	}
	if !strings.HasPrefix(strings.ToUpper(t), "BEGIN:VCARD") || !strings.HasSuffix(strings.ToUpper(t), "END:VCARD") {
		return "", apperr.Field(field, "must be a vCard: BEGIN:VCARD … END:VCARD")
	}
	for line := range strings.Lines(t) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.EqualFold(k, "FN") {
			return v, nil
		}
	}
	return "", apperr.Field(field, "has no FN (formatted name) line")
}

// buildVCard writes the vCard WhatsApp's own clients write for a contact.
func buildVCard(name, phone string) string {
	esc := strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\n", `\n`).Replace(name)
	return "BEGIN:VCARD\nVERSION:3.0\nN:;" + esc + ";;;\nFN:" + esc + "\nTEL;type=CELL;waid=" + phone + ":+" + phone + "\nEND:VCARD"
}

func (out Outgoing) pollArgs(args map[string]any) error {
	p := out.Poll
	if p == nil {
		return apperr.Field("poll", "is required for a poll message: {name, options}")
	}
	if strings.TrimSpace(p.Name) == "" || utf8.RuneCountInString(p.Name) > MaxPollNameLen {
		return apperr.Field("poll.name", "must be 1 to %d characters", MaxPollNameLen)
	}
	if n := len(p.Options); n < 2 || n > MaxPollOptions {
		return apperr.Field("poll.options", "must hold 2 to %d options, not %d", MaxPollOptions, n)
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		field := fmt.Sprintf("poll.options[%d]", i)
		if strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > MaxPollOptLen {
			return apperr.Field(field, "must be 1 to %d characters", MaxPollOptLen)
		}
		if seen[o] {
			return apperr.Field(field, "%q is there twice; options must differ", truncate(o, 40))
		}
		seen[o] = true
	}
	if p.SelectableCount < 0 || p.SelectableCount > len(p.Options) {
		return apperr.Field("poll.selectable_count", "must be from 0 (any number) to %d (the number of options)", len(p.Options))
	}
	args["poll"] = p
	return nil
}
