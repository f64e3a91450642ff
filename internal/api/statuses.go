package api

import (
	"context"
	"net/http"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// Status updates: /v1/sessions/{id}/status.

// StatusActions are the status routes' needs.
type StatusActions interface {
	PostStatus(ctx context.Context, id string, p session.StatusPost) (session.StatusUpdate, error)
	DeleteStatus(ctx context.Context, id, statusID string) error
	Statuses(ctx context.Context, id string) ([]session.StatusUpdate, error)
}

// PostStatusRequest is the body of POST .../status: a text status (text,
// background_color, font) or an image or video one (media, caption).
type PostStatusRequest struct {
	Type            string        `json:"type" enums:"text,image,video" example:"text"`
	Text            string        `json:"text,omitempty" example:"Open until 8pm today"`
	BackgroundColor string        `json:"background_color,omitempty" example:"#0275d8"` // #rrggbb; default black
	Font            string        `json:"font,omitempty" enums:"sans_serif,serif,norican,bryndan_write,bebasneue,oswald" example:"serif"`
	Media           *MediaRequest `json:"media,omitempty"`
	Caption         string        `json:"caption,omitempty" example:"New arrivals"`
} // @name PostStatusRequest

// StatusList is the body of GET .../status.
type StatusList struct {
	Statuses []session.StatusUpdate `json:"statuses"`
} // @name StatusList

// listStatuses godoc
//
//	@Summary		Contacts' status updates
//	@ID				listStatuses
//	@Description	The statuses of contacts that WhatsApp Web holds (the last 24 hours), newest first. New ones arrive as status.received events.
//	@Tags			status
//	@Produce		json
//	@Param			id	path		string	true	"session id"
//	@Success		200	{object}	StatusList
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/status [get]
func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (StatusList, error) {
		list, err := s.cfg.Sessions.Statuses(ctx, t.id)
		return StatusList{Statuses: list}, err
	})
}

// postStatus godoc
//
//	@Summary		Post a status update
//	@ID				postStatus
//	@Description	A text status (with a background colour and a font) or an image or video one, shown to our contacts for 24 hours. Answers once WhatsApp accepted it.
//	@Tags			status
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		PostStatusRequest	true	"the status"
//	@Success		201		{object}	session.StatusUpdate
//	@Failure		400		{object}	Problem	"bad input; field names it"
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		413		{object}	Problem
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/status [post]
func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) error {
	return handleCreated(w, r, sessionTarget, func(ctx context.Context, t target, req PostStatusRequest) (session.StatusUpdate, error) {
		p, err := s.statusPost(ctx, req)
		if err != nil {
			return session.StatusUpdate{}, err
		}
		return s.cfg.Sessions.PostStatus(ctx, t.id, p)
	})
}

// deleteStatus godoc
//
//	@Summary		Delete one of our status updates
//	@ID				deleteStatus
//	@Description	For everyone who could see it.
//	@Tags			status
//	@Param			id		path	string	true	"session id"
//	@Param			status	path	string	true	"status id, as POST .../status answered"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or status of ours (status_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/status/{status} [delete]
func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.DeleteStatus(ctx, t.id, pathParam(r, "status"))
	})
}

// statusPost checks a status body and reads its media.
func (s *Server) statusPost(ctx context.Context, req PostStatusRequest) (session.StatusPost, error) {
	p := session.StatusPost{Kind: req.Type, Text: req.Text, BackgroundColor: req.BackgroundColor, Font: req.Font}
	switch {
	case req.Type == session.KindText && (req.Media != nil || req.Caption != ""):
		return p, apperr.Field("media", "belongs to an image or video status; a text status has text")
	case req.Media != nil:
		media, err := s.readMedia(ctx, req.Media)
		if err != nil {
			return p, err
		}
		if req.Caption != "" {
			media.Caption = req.Caption
		}
		if err := checkMediaKind(req.Type, media); err != nil {
			return p, err
		}
		p.Media = &media
	}
	return p, nil
}
