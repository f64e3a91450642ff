package session

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Our own profile: the push name contacts see, the about text and the
// picture, read and set through wa-js's WPP.profile (bridge profile.ts).
// (profile.go is the browser profile folder, a different thing.)

// Profile is the host account's profile as its contacts see it.
type Profile struct {
	ID         string `json:"id" example:"15551234567@c.us"`
	Phone      string `json:"phone" example:"15551234567"`
	PushName   string `json:"push_name" example:"Alice"`
	About      string `json:"about" example:"Available"`
	PictureURL string `json:"picture_url,omitempty" example:"https://pps.whatsapp.net/v/t61.24694-24/1234_n.jpg"` // empty: no picture
} // @name Profile

// WhatsApp's limits, in characters.
const (
	MaxPushName = 25
	MaxAbout    = 139
)

// PictureTypes are the image types a profile picture may be sent as;
// WhatsApp Web crops and scales each to its 640×640 JPEG.
var PictureTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// profileCall runs a profile bridge call on a WORKING session.
func (m *Manager) profileCall(ctx context.Context, id, what, method string, args map[string]any) (Profile, error) {
	page, err := m.workingPage(ctx, id, what)
	if err != nil {
		return Profile{}, err
	}
	var p Profile
	err = m.msgCall(ctx, page, method, args, &p)
	return p, err
}

// GetProfile returns our profile.
func (m *Manager) GetProfile(ctx context.Context, id string) (Profile, error) {
	return m.profileCall(ctx, id, "reading the profile", "getProfile", nil)
}

// SetPushName sets the name our contacts see (1 to 25 characters).
func (m *Manager) SetPushName(ctx context.Context, id, name string) (Profile, error) {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(name) != name {
		return Profile{}, apperr.Field("push_name", "must not be empty nor start or end with spaces")
	}
	if n := utf8.RuneCountInString(name); n > MaxPushName {
		return Profile{}, apperr.Field("push_name", "has %d characters; WhatsApp allows %d", n, MaxPushName)
	}
	return m.profileCall(ctx, id, "setting the push name", "setProfileName", map[string]any{"name": name})
}

// SetAbout sets our about text (at most 139 characters; empty clears it).
func (m *Manager) SetAbout(ctx context.Context, id, about string) (Profile, error) {
	if n := utf8.RuneCountInString(about); n > MaxAbout {
		return Profile{}, apperr.Field("about", "has %d characters; WhatsApp allows %d", n, MaxAbout)
	}
	return m.profileCall(ctx, id, "setting the about text", "setProfileAbout", map[string]any{"about": about})
}

// SetProfilePicture sets our picture from img, a JPEG, PNG, WebP or GIF
// (its Mimetype as detected from the bytes); the caller bounds the size.
func (m *Manager) SetProfilePicture(ctx context.Context, id string, img Media) (Profile, error) {
	if len(img.Data) == 0 {
		return Profile{}, apperr.Field("image", "is empty")
	}
	if !slices.Contains(PictureTypes, img.Mimetype) {
		return Profile{}, apperr.Field("image", "is %s; a profile picture is a JPEG, PNG, WebP or GIF image", img.Mimetype)
	}
	return m.profileCall(ctx, id, "setting the profile picture", "setProfilePicture",
		map[string]any{"data": base64.StdEncoding.EncodeToString(img.Data), "mimetype": img.Mimetype})
}

// RemoveProfilePicture removes our picture; without one it does nothing.
func (m *Manager) RemoveProfilePicture(ctx context.Context, id string) (Profile, error) {
	return m.profileCall(ctx, id, "removing the profile picture", "removeProfilePicture", nil)
}
