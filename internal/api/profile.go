package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// Our profile: /v1/sessions/{id}/profile[/picture].

// UpdateProfileRequest is the body of PATCH .../profile: each field sent
// is set, the others are left alone.
type UpdateProfileRequest struct {
	PushName *string `json:"push_name,omitempty" example:"Alice"`     // 1 to 25 characters
	About    *string `json:"about,omitempty" example:"At the office"` // at most 139 characters; empty clears it
} // @name UpdateProfileRequest

// ProfilePictureRequest is the body of PUT .../profile/picture.
type ProfilePictureRequest struct {
	Image *MediaRequest `json:"image"` // a JPEG, PNG, WebP or GIF: data (base64) or url
} // @name ProfilePictureRequest

// getProfile godoc
//
//	@Summary	Our profile: push name, about text and picture
//	@ID			getProfile
//	@Tags		profile
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	session.Profile
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/profile [get]
func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Profile, error) {
		return s.cfg.Sessions.GetProfile(ctx, t.id)
	})
}

// updateProfile godoc
//
//	@Summary		Set our push name or about text
//	@ID				updateProfile
//	@Description	Sets each field sent: push_name (the name contacts see, 1 to 25 characters) and about (at most 139 characters; empty clears it). Answers the profile as it is now.
//	@Tags			profile
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string					true	"session id"
//	@Param			body	body		UpdateProfileRequest	true	"the fields to set"
//	@Success		200		{object}	session.Profile
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/profile [patch]
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req UpdateProfileRequest) (session.Profile, error) {
		if req.PushName == nil && req.About == nil {
			return session.Profile{}, apperr.Field("push_name", "send push_name, about or both")
		}
		var p session.Profile
		var err error
		if req.PushName != nil {
			if p, err = s.cfg.Sessions.SetPushName(ctx, t.id, *req.PushName); err != nil {
				return p, err
			}
		}
		if req.About != nil {
			p, err = s.cfg.Sessions.SetAbout(ctx, t.id, *req.About)
		}
		return p, err
	})
}

// setProfilePicture godoc
//
//	@Summary		Set our profile picture
//	@ID				setProfilePicture
//	@Description	From an image sent as base64 (image.data) or fetched from image.url, with the media limits of sends. WhatsApp crops it to a centred square and scales it to 640×640.
//	@Tags			profile
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string					true	"session id"
//	@Param			body	body		ProfilePictureRequest	true	"the image"
//	@Success		200		{object}	session.Profile
//	@Failure		400		{object}	Problem	"no image, or not a JPEG, PNG, WebP or GIF"
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		413		{object}	Problem
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/profile/picture [put]
func (s *Server) setProfilePicture(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req ProfilePictureRequest) (session.Profile, error) {
		if req.Image == nil {
			return session.Profile{}, apperr.Field("image", "is required: {\"data\": base64} or {\"url\": ...}")
		}
		img, err := s.readMedia(ctx, req.Image)
		if err != nil {
			return session.Profile{}, renameField(err, "media", "image")
		}
		// The bytes decide, whatever the client or a server said the type is.
		img.Mimetype, _, _ = strings.Cut(mimetype.Detect(img.Data).String(), ";")
		return s.cfg.Sessions.SetProfilePicture(ctx, t.id, img)
	})
}

// removeProfilePicture godoc
//
//	@Summary		Remove our profile picture
//	@ID				removeProfilePicture
//	@Description	Without a picture it does nothing. Answers the profile as it is now.
//	@Tags			profile
//	@Produce		json
//	@Param			id	path		string	true	"session id"
//	@Success		200	{object}	session.Profile
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/profile/picture [delete]
func (s *Server) removeProfilePicture(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Profile, error) {
		return s.cfg.Sessions.RemoveProfilePicture(ctx, t.id)
	})
}

// renameField rewrites the field an error names from from (or a path
// under it) to the same path under to: the media helpers name "media",
// and a route whose body calls the file otherwise says so.
func renameField(err error, from, to string) error {
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok || (e.Field != from && !strings.HasPrefix(e.Field, from+".")) {
		return err
	}
	c := *e
	c.Field = to + strings.TrimPrefix(e.Field, from)
	c.Detail = strings.Replace(e.Detail, e.Field, c.Field, 1)
	return &c
}
