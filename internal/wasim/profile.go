package wasim

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Our profile as the account's devices set it: the push name, the about
// text and the picture (a 640×640 JPEG the page made, stored as media).
// GET /__sim/profile shows it, so a test sees what the contacts would.

// Profile is an account's profile (GET /__sim/profile).
type Profile struct {
	Phone   string `json:"phone"`
	Name    string `json:"name"`
	About   string `json:"about"`
	Picture string `json:"picture,omitempty"` // media id: GET /__sim/media/{id}
}

// profileView is the reply to a page's profile query.
type profileView struct {
	Name    string `json:"name"`
	About   string `json:"about"`
	Picture string `json:"picture"`
}

// WhatsApp's limits on a push name and an about text, in characters.
const (
	maxPushName = 25
	maxAbout    = 139
)

func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	return handlePhone(w, r, s.Profile)
}

// Profile returns the profile of the account of phone.
func (s *Server) Profile(phone string) (Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return Profile{}, err
	}
	return Profile{Phone: a.phone, Name: a.name, About: a.about, Picture: a.picture}, nil
}

// profileActLocked performs a device's profile or call action on a.
// s.mu must be held.
func (s *Server) profileActLocked(a *account, act *Action, r *actReq) error {
	switch r.Type {
	case "profile_name":
		if strings.TrimSpace(r.Value) == "" || utf8.RuneCountInString(r.Value) > maxPushName {
			return fmt.Errorf("invalid_name: a push name has 1 to %d characters", maxPushName)
		}
		a.name = r.Value
	case "profile_about":
		if utf8.RuneCountInString(r.Value) > maxAbout {
			return fmt.Errorf("invalid_status: an about text has at most %d characters", maxAbout)
		}
		a.about = r.Value
	case "profile_picture":
		md := s.media[r.Value]
		if md == nil || !md.owners[a.phone] || !strings.HasPrefix(md.mimetype, "image/") {
			return fmt.Errorf("media_not_found: no uploaded image %s", r.Value)
		}
		a.picture = r.Value
	case "profile_picture_remove":
		a.picture = ""
	case "call_reject":
		return s.rejectCallLocked(a, act, r.Value)
	}
	return nil
}
