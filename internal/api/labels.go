package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/session"
)

// Labels, status updates and channels: /v1/sessions/{id}/labels (this
// file), /status (statuses.go) and /channels (channels.go).

// LabelActions are the label routes' needs; every call needs a WORKING
// session of a WhatsApp Business account (not_business_account, 409,
// otherwise).
type LabelActions interface {
	Labels(ctx context.Context, id string) (session.LabelList, error)
	CreateLabel(ctx context.Context, id string, in session.LabelInput) (session.Label, error)
	EditLabel(ctx context.Context, id, labelID string, in session.LabelInput) (session.Label, error)
	DeleteLabel(ctx context.Context, id, labelID string) error
	LabelChats(ctx context.Context, id, labelID string, chatIDs []string, add bool) (session.Label, error)
}

// LabelRequest is the body of POST .../labels and PATCH .../labels/{label}.
type LabelRequest struct {
	Name  string `json:"name,omitempty" example:"New customer"`
	Color string `json:"color,omitempty" example:"#64c4ff"` // a palette colour (#rrggbb) or its index; default: the next free one
} // @name LabelRequest

func (req LabelRequest) input() session.LabelInput {
	return session.LabelInput{Name: req.Name, Color: req.Color}
}

// LabelChatsRequest is the body of POST .../labels/{label}/chats.
type LabelChatsRequest struct {
	ChatIDs []string `json:"chat_ids" example:"15551234567"`
} // @name LabelChatsRequest

// businessRoutes adds the label, status and channel routes.
func (s *Server) businessRoutes(r chi.Router, jsonBody, mediaBody func(http.Handler) http.Handler) {
	r.Route("/labels", func(r chi.Router) {
		r.Use(jsonBody)
		r.Get("/", s.wrap(s.listLabels))
		r.Post("/", s.wrap(s.createLabel))
		r.Patch("/{label}", s.wrap(s.editLabel))
		r.Delete("/{label}", s.wrap(s.deleteLabel))
		r.Post("/{label}/chats", s.wrap(s.addLabelChats))
		r.Delete("/{label}/chats/{chat}", s.wrap(s.removeLabelChat))
	})
	r.Get("/status", s.wrap(s.listStatuses))
	r.With(mediaBody).Post("/status", s.wrap(s.postStatus))
	r.With(jsonBody).Delete("/status/{status}", s.wrap(s.deleteStatus))
	r.With(mediaBody).Post("/channels", s.wrap(s.createChannel))
	r.Get("/channels", s.wrap(s.searchChannels))
	r.With(mediaBody).Patch("/channels/{channel}", s.wrap(s.editChannel))
	r.With(jsonBody).Delete("/channels/{channel}", s.wrap(s.deleteChannel))
	r.With(jsonBody).Put("/channels/{channel}/follow", s.wrap(s.followChannel))
	r.With(jsonBody).Delete("/channels/{channel}/follow", s.wrap(s.unfollowChannel))
	r.With(jsonBody).Put("/channels/{channel}/mute", s.wrap(s.muteChannel))
	r.With(jsonBody).Delete("/channels/{channel}/mute", s.wrap(s.unmuteChannel))
}

// labelTarget reads the session and the {label} of a label route, as sent:
// the domain answers label_not_found for one it does not know.
func labelTarget(r *http.Request) (target, error) { return itemTarget(r, "label", nil) }

// listLabels godoc
//
//	@Summary		The account's labels
//	@ID				listLabels
//	@Description	Every label with the number of chats that carry it, and the palette of label colours. Labels belong to WhatsApp Business accounts: any other answers 409 not_business_account.
//	@Tags			labels
//	@Produce		json
//	@Param			id	path		string	true	"session id"
//	@Success		200	{object}	session.LabelList
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"session not WORKING; not a business account (not_business_account)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/labels [get]
func (s *Server) listLabels(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.LabelList, error) {
		return s.cfg.Sessions.Labels(ctx, t.id)
	})
}

// createLabel godoc
//
//	@Summary		Create a label
//	@ID				createLabel
//	@Description	label.changed (created) follows. The colour must be one of the palette's (GET .../labels); without one WhatsApp picks the next free colour.
//	@Tags			labels
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"session id"
//	@Param			body	body		LabelRequest	true	"name (required) and colour"
//	@Success		201		{object}	session.Label
//	@Failure		400		{object}	Problem	"bad name or a colour not in the palette (field color)"
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING; not a business account (not_business_account)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/labels [post]
func (s *Server) createLabel(w http.ResponseWriter, r *http.Request) error {
	return handleCreated(w, r, sessionTarget, func(ctx context.Context, t target, req LabelRequest) (session.Label, error) {
		return s.cfg.Sessions.CreateLabel(ctx, t.id, req.input())
	})
}

// editLabel godoc
//
//	@Summary		Rename or recolour a label
//	@ID				editLabel
//	@Description	label.changed (edited) follows.
//	@Tags			labels
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"session id"
//	@Param			label	path		string			true	"label id"
//	@Param			body	body		LabelRequest	true	"what to change"
//	@Success		200		{object}	session.Label
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or label (label_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; not a business account (not_business_account)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/labels/{label} [patch]
func (s *Server) editLabel(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, labelTarget, func(ctx context.Context, t target, req LabelRequest) (session.Label, error) {
		return s.cfg.Sessions.EditLabel(ctx, t.id, t.item, req.input())
	})
}

// deleteLabel godoc
//
//	@Summary		Delete a label
//	@ID				deleteLabel
//	@Description	It comes off every chat. label.changed (deleted) follows.
//	@Tags			labels
//	@Param			id		path	string	true	"session id"
//	@Param			label	path	string	true	"label id"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or label (label_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING; not a business account (not_business_account)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/labels/{label} [delete]
func (s *Server) deleteLabel(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, labelTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.DeleteLabel(ctx, t.id, t.item)
	})
}

// addLabelChats godoc
//
//	@Summary		Put a label on chats
//	@ID				addLabelChats
//	@Description	label.changed (chats_added) follows. The chats must be known to the session.
//	@Tags			labels
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			label	path		string				true	"label id"
//	@Param			body	body		LabelChatsRequest	true	"1 to 100 chats"
//	@Success		200		{object}	session.Label
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session, label (label_not_found) or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; not a business account (not_business_account)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/labels/{label}/chats [post]
func (s *Server) addLabelChats(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, labelTarget, func(ctx context.Context, t target, req LabelChatsRequest) (session.Label, error) {
		return s.cfg.Sessions.LabelChats(ctx, t.id, t.item, req.ChatIDs, true)
	})
}

// removeLabelChat godoc
//
//	@Summary		Take a label off a chat
//	@ID				removeLabelChat
//	@Description	label.changed (chats_removed) follows.
//	@Tags			labels
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			label	path		string	true	"label id"
//	@Param			chat	path		string	true	"chat id or phone number"
//	@Success		200		{object}	session.Label
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session, label (label_not_found) or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; not a business account (not_business_account)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/labels/{label}/chats/{chat} [delete]
func (s *Server) removeLabelChat(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, labelTarget, func(ctx context.Context, t target, _ noBody) (session.Label, error) {
		chat, err := session.NormalizeChatID("chat", pathParam(r, "chat"))
		if err != nil {
			return session.Label{}, err
		}
		return s.cfg.Sessions.LabelChats(ctx, t.id, t.item, []string{chat}, false)
	})
}
