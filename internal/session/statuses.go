package session

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Status updates (wa-js WPP.status): post a text (with a background colour
// and a font), image or video status; delete one of ours; list the
// statuses of contacts. A contact's new status arrives as status.received.

// EventStatusReceived is the event type of a contact's StatusUpdate.
const EventStatusReceived = "status.received"

// BridgeStatus is the bridge event of a contact's new status (a
// chat.new_message in status@broadcast).
const BridgeStatus = "status"

// StatusFonts are the fonts of a text status by the API's names, in wa-js's
// TextFontStyle order (SANS_SERIF = 0 … OSWALD_HEAVY = 5).
var StatusFonts = []string{"sans_serif", "serif", "norican", "bryndan_write", "bebasneue", "oswald"}

// MaxStatusTextLen bounds a text status, as WhatsApp does.
const MaxStatusTextLen = 700

// StatusUpdate is one status (story): ours or a contact's.
type StatusUpdate struct {
	ID              string `json:"id" example:"true_status@broadcast_3EB0C1D2E3F4A5B6C7D8_15550001111@c.us"`
	From            string `json:"from" example:"15551234567@c.us"` // who posted it
	FromMe          bool   `json:"from_me"`
	Kind            string `json:"kind" enums:"text,image,video" example:"text"`
	Text            string `json:"text,omitempty" example:"Open until 8pm today"` // a text status
	Caption         string `json:"caption,omitempty"`
	Mimetype        string `json:"mimetype,omitempty"`
	BackgroundColor string `json:"background_color,omitempty" example:"#0275d8"` // a text status
	Font            string `json:"font,omitempty" example:"serif"`               // a text status
	Timestamp       int64  `json:"timestamp"`                                    // unix seconds
} // @name StatusUpdate

// DedupeID makes status.received idempotent in the event log.
func (s StatusUpdate) DedupeID() string { return s.ID }

// StatusPost is a status to post, already decoded.
type StatusPost struct {
	Kind            string // text, image or video
	Text            string
	BackgroundColor string // #rrggbb; default black
	Font            string // one of StatusFonts; default sans_serif
	Media           *Media // image or video; Caption is the caption
}

var hexColorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (p StatusPost) args() (map[string]any, string, error) {
	switch p.Kind {
	case KindText:
		if strings.TrimSpace(p.Text) == "" {
			return nil, "", apperr.Field("text", "must not be empty")
		}
		if n := utf8.RuneCountInString(p.Text); n > MaxStatusTextLen {
			return nil, "", apperr.Field("text", "has %d characters; a text status holds %d", n, MaxStatusTextLen)
		}
		args := map[string]any{"text": p.Text, "font": 0, "background_color": "#000000"}
		if p.BackgroundColor != "" {
			if !hexColorRe.MatchString(p.BackgroundColor) {
				return nil, "", apperr.Field("background_color", "%q is not a #rrggbb colour", truncate(p.BackgroundColor, 20))
			}
			args["background_color"] = strings.ToLower(p.BackgroundColor)
		}
		if p.Font != "" {
			i := indexOf(StatusFonts, p.Font)
			if i < 0 {
				return nil, "", apperr.Field("font", "%q is not a font; use one of %s", truncate(p.Font, 20), strings.Join(StatusFonts, ", "))
			}
			args["font"] = i
		}
		return args, "sendTextStatus", nil
	case KindImage, KindVideo:
		switch {
		case p.Text != "" || p.BackgroundColor != "" || p.Font != "":
			return nil, "", apperr.Field("text", "belongs to a text status; an %s status has a caption", p.Kind)
		case p.Media == nil || len(p.Media.Data) == 0:
			return nil, "", apperr.Field("media", "is required for an %s status: data (base64) or url", p.Kind)
		case utf8.RuneCountInString(p.Media.Caption) > MaxCaptionLen:
			return nil, "", apperr.Field("caption", "has more than %d characters", MaxCaptionLen)
		}
		return map[string]any{"kind": p.Kind, "data": base64.StdEncoding.EncodeToString(p.Media.Data),
			"mimetype": p.Media.Mimetype, "caption": p.Media.Caption}, "sendMediaStatus", nil
	}
	return nil, "", apperr.Field("type", "%q is not a kind of status; use text, image or video", truncate(p.Kind, 20))
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// PostStatus posts a status to our contacts and returns it once WhatsApp
// accepted it.
func (m *Manager) PostStatus(ctx context.Context, id string, p StatusPost) (StatusUpdate, error) {
	args, method, err := p.args()
	if err != nil {
		return StatusUpdate{}, err
	}
	var st StatusUpdate
	err = m.pageCall(ctx, id, "posting a status", method, args, &st)
	return st, err
}

// DeleteStatus deletes one of our statuses for everyone who can see it.
func (m *Manager) DeleteStatus(ctx context.Context, id, statusID string) error {
	if err := ValidateMessageID("status", statusID); err != nil {
		return err
	}
	if !strings.HasPrefix(statusID, "true_status@broadcast_") {
		return apperr.Field("status", "%q is not one of our statuses (their ids start with true_status@broadcast_)", truncate(statusID, 60))
	}
	err := m.pageCall(ctx, id, "deleting a status", "removeStatus", map[string]any{"id": statusID}, nil)
	return recode(err, apperr.MessageNotFound, apperr.StatusNotFound)
}

// Statuses lists the statuses of contacts that WhatsApp Web holds (the
// last 24 hours), newest first.
func (m *Manager) Statuses(ctx context.Context, id string) ([]StatusUpdate, error) {
	out := []StatusUpdate{}
	err := m.pageCall(ctx, id, "listing statuses", "listStatuses", map[string]any{}, &out)
	return out, err
}
