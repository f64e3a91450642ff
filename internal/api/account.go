package api

import (
	"context"
	"encoding/json"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/session"
)

// Account is what the routes about the account itself need: our profile
// (profile.go), calls (calls.go) and the raw call (raw.go). Every call
// needs a WORKING session.
type Account interface {
	GetProfile(ctx context.Context, id string) (session.Profile, error)
	SetPushName(ctx context.Context, id, name string) (session.Profile, error)
	SetAbout(ctx context.Context, id, about string) (session.Profile, error)
	// SetProfilePicture takes an image whose Mimetype was detected from
	// its bytes; the handler bounds its size.
	SetProfilePicture(ctx context.Context, id string, img session.Media) (session.Profile, error)
	RemoveProfilePicture(ctx context.Context, id string) (session.Profile, error)
	// RejectCall rejects a ringing call and sends message (if any) to the
	// caller: call_not_found for a call the session never heard of,
	// not_allowed for one no longer ringing.
	RejectCall(ctx context.Context, id, callID, message string) (session.RejectResult, error)
	// CallWPP runs a raw call and returns its JSON result.
	CallWPP(ctx context.Context, id string, c session.RawCall) (json.RawMessage, error)
}

// accountRoutes adds the account's routes to the /v1/sessions/{id} group.
// A picture's body may hold a base64 image within the media limit.
func (s *Server) accountRoutes(r chi.Router) {
	jsonBody := s.limitBody(s.cfg.MaxBodyBytes)
	r.With(jsonBody).Get("/profile", s.wrap(s.getProfile))
	r.With(jsonBody).Patch("/profile", s.wrap(s.updateProfile))
	r.With(s.limitBody(max(s.cfg.MaxBodyBytes, s.media().MaxBytes/3*4+4+64<<10))).Put("/profile/picture", s.wrap(s.setProfilePicture))
	r.With(jsonBody).Delete("/profile/picture", s.wrap(s.removeProfilePicture))
	r.With(jsonBody).Post("/calls/{call}/reject", s.wrap(s.rejectCall))
	r.With(s.limitBody(max(s.cfg.MaxBodyBytes, session.RawMaxArgsBytes+64<<10))).Post("/wpp", s.wrap(s.callWPP))
}
