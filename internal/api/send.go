package api

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// SendMessageRequest is the body of POST /v1/sessions/{id}/messages: one
// kind of message, told apart by type. Each field's x-kinds extension
// lists the kinds it belongs to (* for all) and x-required the kinds that
// need it: sendKinds reads them to validate, and the spec generator to
// write one schema per kind (a oneOf on type), so that generated clients
// get one typed variant per kind.
type SendMessageRequest struct {
	Type     string   `json:"type" enums:"text,image,video,audio,voice,document,sticker,location,contacts,poll" example:"text" extensions:"x-discriminator=Send{Kind}Message"`
	ChatID   string   `json:"chat_id" example:"15551234567" extensions:"x-kinds=*,x-required=*"` // a chat id or a phone number with country code
	ReplyTo  string   `json:"reply_to,omitempty" example:"false_15551234567@c.us_3A0011223344556677889900" extensions:"x-kinds=*"`
	Mentions []string `json:"mentions,omitempty" example:"15551234567" extensions:"x-kinds=text|image|video|document"` // people @mentioned in the text or caption

	Text        string `json:"text,omitempty" example:"Hello from easy-api" extensions:"x-kinds=text,x-required=text"`
	LinkPreview bool   `json:"link_preview,omitempty" extensions:"x-kinds=text"`

	Media    *MediaRequest `json:"media,omitempty" extensions:"x-kinds=image|video|audio|voice|document|sticker,x-required=image|video|audio|voice|document|sticker"`
	Caption  string        `json:"caption,omitempty" example:"A cat" extensions:"x-kinds=image|video|document"`
	ViewOnce bool          `json:"view_once,omitempty" extensions:"x-kinds=image|video|voice"`
	GIF      bool          `json:"gif,omitempty" extensions:"x-kinds=video"`   // plays as a GIF (muted, looping)
	Round    bool          `json:"round,omitempty" extensions:"x-kinds=video"` // a round video note

	Location *LocationRequest      `json:"location,omitempty" extensions:"x-kinds=location,x-required=location"`
	Contacts []session.ContactCard `json:"contacts,omitempty" extensions:"x-kinds=contacts,x-required=contacts"`
	Poll     *session.Poll         `json:"poll,omitempty" extensions:"x-kinds=poll,x-required=poll"`
} // @name SendMessageRequest

// MediaRequest is a file to send: data (base64, or a data: URL) or url.
type MediaRequest struct {
	Data     string `json:"data,omitempty" example:"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="`
	URL      string `json:"url,omitempty" example:"https://example.com/cat.jpg"`
	Mimetype string `json:"mimetype,omitempty" example:"image/png"` // default: from the data URL or the response, else detected from the bytes
	Filename string `json:"filename,omitempty" example:"cat.png"`
	Caption  string `json:"caption,omitempty" example:"A cat"` // deprecated: use the message's caption
} // @name MediaRequest

// LocationRequest is the place of a location message.
type LocationRequest struct {
	Latitude  *float64 `json:"latitude" example:"-22.95201"`    // -90 to 90
	Longitude *float64 `json:"longitude" example:"-43.2102601"` // -180 to 180
	Name      string   `json:"name,omitempty" example:"Cristo Redentor"`
	Address   string   `json:"address,omitempty" example:"Parque Nacional da Tijuca, Rio de Janeiro"`
	URL       string   `json:"url,omitempty" example:"https://example.com/cristo"`
} // @name LocationRequest

// refusedKinds are kinds peers offer that WhatsApp no longer renders.
var refusedKinds = map[string]string{
	"buttons": "buttons are not offered: WhatsApp no longer shows button messages to most accounts; send text, or a poll to offer choices",
	"list":    "list messages are not offered: WhatsApp no longer shows them to most accounts; send text, or a poll to offer choices",
}

// sendField is a field of SendMessageRequest with the kinds it belongs to.
type sendField struct {
	name     string // its JSON name
	index    int
	kinds    []string // "*": all
	required []string
}

func (f sendField) in(list []string, kind string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, kind)
}

// sendFields reads SendMessageRequest's x-kinds and x-required tags.
func sendFields() []sendField {
	t := reflect.TypeFor[SendMessageRequest]()
	var out []sendField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		sf := sendField{name: name, index: i}
		for ext := range strings.SplitSeq(f.Tag.Get("extensions"), ",") {
			k, v, _ := strings.Cut(ext, "=")
			switch k {
			case "x-kinds":
				sf.kinds = strings.Split(v, "|")
			case "x-required":
				sf.required = strings.Split(v, "|")
			}
		}
		if sf.kinds != nil {
			out = append(out, sf)
		}
	}
	return out
}

// check fails when a field of another kind is set, or a field this kind
// needs is missing.
func (req *SendMessageRequest) check(fields []sendField) error {
	v := reflect.ValueOf(req).Elem()
	for _, f := range fields {
		set := !v.Field(f.index).IsZero()
		switch {
		case set && !f.in(f.kinds, req.Type):
			return apperr.Field(f.name, "is not a field of a %s message", req.Type)
		case !set && f.in(f.required, req.Type):
			return apperr.Field(f.name, "is required for a %s message", req.Type)
		}
	}
	return nil
}

// kind fills in the type of a request that has none (the form before
// types existed: text, or media sent as what its mimetype says) and checks
// it.
func (req *SendMessageRequest) kind(fields []sendField) error {
	if why, ok := refusedKinds[req.Type]; ok {
		return apperr.Field("type", "%s", why)
	}
	if req.Type == "" {
		switch {
		case req.Media != nil && req.Text != "":
			return apperr.Field("text", "send either text or media (put words for media in caption)")
		case req.Media != nil:
			req.Type = "media" // decided by the mimetype once read
			return nil
		default:
			req.Type = session.KindText
		}
	}
	if !slices.Contains(kinds, req.Type) {
		return apperr.Field("type", "%q is not a kind of message; use one of %s", truncate(req.Type, 40), strings.Join(kinds, ", "))
	}
	return req.check(fields)
}

// kinds are the kinds of message POST .../messages sends, sorted; they
// are the enum of SendMessageRequest.Type.
var kinds = []string{session.KindAudio, session.KindContacts, session.KindDocument, session.KindImage, session.KindLocation,
	session.KindPoll, session.KindSticker, session.KindText, session.KindVideo, session.KindVoice}

// sendMessage godoc
//
//	@Summary		Send a message of any kind
//	@ID				sendMessage
//	@Description	One body per kind, told apart by `type`: text (with link_preview, mentions), image, video (gif, round), audio, voice (a voice note: Ogg/Opus only), document, sticker (WebP), location, contacts (name and phone, or a raw vCard), poll. Every kind takes reply_to (a message id to quote). chat_id is a chat id (15551234567@c.us, ...@g.us) or a phone number with country code. Media comes as media.data (base64 or a data: URL) or media.url (fetched by the server: http/https only, bounded in size and time), at most the server's media limit (default 16 MiB); its type is detected from the bytes when not given. A body without type is text, or media sent as its mimetype says. Buttons and lists are refused (400): WhatsApp no longer shows them. Answers once WhatsApp accepted the message (ack SERVER); message.sent and message.ack events follow.
//	@Tags			messaging
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		SendMessageRequest	true	"the message"
//	@Success		201		{object}	session.Message
//	@Failure		400		{object}	Problem	"a bad field (named in field), a kind that is not offered, a voice note that is not Ogg/Opus"
//	@Failure		404		{object}	Problem	"no such session; reply_to names no message (message_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; WhatsApp does not allow this (not_allowed)"
//	@Failure		413		{object}	Problem	"media over the limit"
//	@Failure		503		{object}	Problem	"the browser went away during the send"
//	@Failure		504		{object}	Problem	"the page, or media.url, did not answer in time"
//	@Failure		507		{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages [post]
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	var req SendMessageRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := req.kind(s.sendFields); err != nil {
		return err
	}
	if _, err := session.NormalizeChatID("chat_id", req.ChatID); err != nil {
		return err
	}
	out := session.Outgoing{Kind: req.Type, ChatID: req.ChatID, ReplyTo: req.ReplyTo, Mentions: req.Mentions,
		Text: req.Text, LinkPreview: req.LinkPreview, ViewOnce: req.ViewOnce, GIF: req.GIF, Round: req.Round,
		Contacts: req.Contacts, Poll: req.Poll}
	if req.Location != nil {
		if out.Location, err = req.Location.place(); err != nil {
			return err
		}
	}
	if req.Media != nil {
		media, err := s.readMedia(r.Context(), req.Media)
		if err != nil {
			return err
		}
		if req.Caption != "" {
			media.Caption = req.Caption
		}
		if out.Kind == "media" {
			out.Kind = kindOfMimetype(media.Mimetype)
		}
		if err := checkMediaKind(out.Kind, media); err != nil {
			return err
		}
		out.Media = &media
	}
	msg, err := s.cfg.Sessions.Send(r.Context(), id, out)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, msg)
}

// place checks that both coordinates are there.
func (l *LocationRequest) place() (*session.Location, error) {
	switch {
	case l.Latitude == nil:
		return nil, apperr.Field("location.latitude", "is required: degrees from -90 to 90")
	case l.Longitude == nil:
		return nil, apperr.Field("location.longitude", "is required: degrees from -180 to 180")
	}
	return &session.Location{Latitude: *l.Latitude, Longitude: *l.Longitude, Name: l.Name, Address: l.Address, URL: l.URL}, nil
}

// kindOfMimetype is the kind WhatsApp Web picks for a file sent without
// one (wa-js's auto-detect).
func kindOfMimetype(mt string) string {
	switch {
	case strings.HasPrefix(mt, "image/") && mt != "image/webp":
		return session.KindImage
	case strings.HasPrefix(mt, "video/"):
		return session.KindVideo
	case strings.HasPrefix(mt, "audio/"):
		return session.KindAudio
	}
	return session.KindDocument
}

// checkMediaKind refuses a file WhatsApp would not show as that kind.
func checkMediaKind(kind string, m session.Media) error {
	const field = "media"
	mt := m.Mimetype
	switch kind {
	case session.KindImage:
		if mt != "image/jpeg" && mt != "image/png" && mt != "image/webp" {
			return apperr.Field(field, "is %s; an image message takes JPEG or PNG (send other files as a document)", mt)
		}
	case session.KindVideo:
		if !strings.HasPrefix(mt, "video/") {
			return apperr.Field(field, "is %s; a video message takes a video (MP4 with H.264 plays everywhere)", mt)
		}
	case session.KindAudio:
		if !strings.HasPrefix(mt, "audio/") && mt != "application/ogg" {
			return apperr.Field(field, "is %s; an audio message takes audio (MP3, AAC, Ogg)", mt)
		}
	case session.KindVoice:
		if !isOggOpus(m.Data) {
			return apperr.Field(field, "is %s; a voice note must be Ogg/Opus audio (audio/ogg; codecs=opus), e.g. `ffmpeg -i in.mp3 -c:a libopus -b:a 32k out.ogg`; send other audio as type audio", mt)
		}
	case session.KindSticker:
		if mt != "image/webp" {
			return apperr.Field(field, "is %s; a sticker must be a WebP image (512×512)", mt)
		}
	}
	return nil
}

// isOggOpus reports whether data is an Ogg stream whose first packet is an
// Opus header. mimetype calls every Ogg audio audio/ogg whatever its codec,
// and WhatsApp plays voice notes only in Opus.
func isOggOpus(data []byte) bool {
	return mimetype.Detect(data).Is("audio/ogg") && len(data) >= 36 && bytes.HasPrefix(data[28:], []byte("OpusHead"))
}

// readMedia turns a MediaRequest into bytes with a mimetype and filename.
func (s *Server) readMedia(ctx context.Context, m *MediaRequest) (session.Media, error) {
	cfg := s.media()
	out := session.Media{Mimetype: m.Mimetype, Filename: m.Filename, Caption: m.Caption}
	switch {
	case m.Data != "" && m.URL != "":
		return out, apperr.Field("media", "give data or url, not both")
	case m.Data != "":
		data, mt, err := decodeData(m.Data, cfg.MaxBytes)
		if err != nil {
			return out, err
		}
		out.Data = data
		if out.Mimetype == "" {
			out.Mimetype = mt
		}
	case m.URL != "":
		data, mt, name, err := s.mediaFetcher(ctx).fetch(ctx, m.URL)
		if err != nil {
			return out, err
		}
		out.Data = data
		if out.Mimetype == "" {
			out.Mimetype = mt
		}
		if out.Filename == "" {
			out.Filename = name
		}
	default:
		return out, apperr.Field("media", "needs data (base64) or url")
	}
	if out.Mimetype == "" || out.Mimetype == "application/octet-stream" || out.Mimetype == "text/plain" {
		out.Mimetype = sniff(out.Data, out.Filename)
	}
	mt, _, err := mime.ParseMediaType(out.Mimetype)
	if err != nil {
		return out, apperr.Field("media.mimetype", "%q is not a media type such as image/png", out.Mimetype)
	}
	out.Mimetype = mt
	if out.Filename == "" {
		out.Filename = "file" + extension(mt)
	}
	return out, nil
}

// sniff detects a mimetype from the bytes, falling back to the filename's
// extension for what bytes cannot tell (plain text, CSV).
func sniff(data []byte, filename string) string {
	d := mimetype.Detect(data)
	if d.Is("application/octet-stream") || d.Is("text/plain") {
		if t := mime.TypeByExtension(path.Ext(filename)); t != "" {
			return t
		}
	}
	mt, _, _ := mime.ParseMediaType(d.String())
	return mt
}

func extension(mt string) string {
	if d := mimetype.Lookup(mt); d != nil && d.Extension() != "" {
		return d.Extension()
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
}
