package api

import (
	"context"
	"net/http"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// Acting on one message: /v1/sessions/{id}/messages/{message}/...

// ReactionRequest is the body of PUT .../messages/{message}/reaction.
type ReactionRequest struct {
	Reaction string `json:"reaction" example:"👍"` // one emoji; empty removes ours
} // @name ReactionRequest

// EditMessageRequest is the body of PATCH .../messages/{message}.
type EditMessageRequest struct {
	Text     string   `json:"text" example:"Hello again, edited"`
	Mentions []string `json:"mentions,omitempty" example:"15551234567"`
} // @name EditMessageRequest

// ForwardRequest is the body of POST .../messages/{message}/forward.
type ForwardRequest struct {
	ChatIDs []string `json:"chat_ids" example:"15551234567,120363041234567890@g.us"`
} // @name ForwardRequest

// ForwardResponse is the answer of POST .../messages/{message}/forward.
type ForwardResponse struct {
	Forwarded []session.ForwardResult `json:"forwarded"`
} // @name ForwardResponse

// PinRequest is the body of PUT .../messages/{message}/pin.
type PinRequest struct {
	Duration string `json:"duration,omitempty" enums:"24h,7d,30d" example:"7d"` // default 7d
} // @name PinRequest

// msgTarget reads the session id and message id of an action's path.
func msgTarget(r *http.Request) (string, string, error) {
	id, err := sessionID(r)
	if err != nil {
		return "", "", err
	}
	msg := pathParam(r, "message")
	return id, msg, session.ValidateMessageID("message", msg)
}

// noContent answers 204 after an action that returns nothing.
func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getMessage godoc
//
//	@Summary	One message
//	@ID			getMessage
//	@Tags		messaging
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		message	path		string	true	"message id"
//	@Success	200		{object}	session.Message
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or message (message_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message} [get]
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (session.Message, error) {
		return s.cfg.Sessions.GetMessage(ctx, t.id, t.msg)
	})
}

// editMessage godoc
//
//	@Summary		Edit a message we sent
//	@ID				editMessage
//	@Description	Replaces the text (or the caption of media) of one of our messages. WhatsApp allows it for 15 minutes after sending; past that, or for a message that cannot be edited, the answer is 409 not_allowed. message.edited follows.
//	@Tags			messaging
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			message	path		string				true	"message id"
//	@Param			body	body		EditMessageRequest	true	"the new text"
//	@Success		200		{object}	session.Message
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or message (message_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; WhatsApp does not allow this edit (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages/{message} [patch]
func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, req EditMessageRequest) (session.Message, error) {
		return s.cfg.Sessions.Edit(ctx, t.id, t.msg, req.Text, req.Mentions)
	})
}

// deleteMessage godoc
//
//	@Summary		Delete a message, for everyone or for us
//	@ID				deleteMessage
//	@Description	for=everyone (the default) revokes one of our messages for every member of the chat (WhatsApp allows it for about two days after sending; otherwise 409 not_allowed) and emits message.revoked; for=me deletes any message from this account's devices only.
//	@Tags			messaging
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			message	path		string	true	"message id"
//	@Param			for		query		string	false	"everyone (default) or me"	Enums(everyone, me)
//	@Success		200		{object}	session.DeleteResult
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or message (message_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; WhatsApp does not allow this (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages/{message} [delete]
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (session.DeleteResult, error) {
		everyone := true
		switch r.URL.Query().Get("for") {
		case "", "everyone":
		case "me":
			everyone = false
		default:
			return session.DeleteResult{}, apperr.Field("for", "must be everyone or me")
		}
		return s.cfg.Sessions.DeleteMessage(ctx, t.id, t.msg, everyone)
	})
}

// react godoc
//
//	@Summary		React to a message
//	@ID				reactToMessage
//	@Description	Sets our reaction (one emoji; an empty one removes it). message.reaction follows.
//	@Tags			messaging
//	@Accept			json
//	@Param			id		path	string			true	"session id"
//	@Param			message	path	string			true	"message id"
//	@Param			body	body	ReactionRequest	true	"the emoji"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages/{message}/reaction [put]
func (s *Server) react(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, req ReactionRequest) (noResult, error) {
		return noResult{}, s.cfg.Sessions.React(ctx, t.id, t.msg, req.Reaction)
	})
}

// unreact godoc
//
//	@Summary	Remove our reaction from a message
//	@ID			removeReaction
//	@Tags		messaging
//	@Param		id		path	string	true	"session id"
//	@Param		message	path	string	true	"message id"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/reaction [delete]
func (s *Server) unreact(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.React(ctx, t.id, t.msg, "")
	})
}

// forward godoc
//
//	@Summary	Forward a message to chats
//	@ID			forwardMessage
//	@Tags		messaging
//	@Accept		json
//	@Produce	json
//	@Param		id		path		string			true	"session id"
//	@Param		message	path		string			true	"message id"
//	@Param		body	body		ForwardRequest	true	"where to (1 to 20 chats)"
//	@Success	200		{object}	ForwardResponse
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or message (message_not_found), or chat (chat_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/forward [post]
func (s *Server) forward(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, req ForwardRequest) (ForwardResponse, error) {
		res, err := s.cfg.Sessions.Forward(ctx, t.id, t.msg, req.ChatIDs)
		return ForwardResponse{Forwarded: res}, err
	})
}

// star godoc
//
//	@Summary	Star a message
//	@ID			starMessage
//	@Tags		messaging
//	@Param		id		path	string	true	"session id"
//	@Param		message	path	string	true	"message id"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/star [put]
func (s *Server) star(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.Star(ctx, t.id, t.msg, true)
	})
}

// unstar godoc
//
//	@Summary	Unstar a message
//	@ID			unstarMessage
//	@Tags		messaging
//	@Param		id		path	string	true	"session id"
//	@Param		message	path	string	true	"message id"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/star [delete]
func (s *Server) unstar(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.Star(ctx, t.id, t.msg, false)
	})
}

// pin godoc
//
//	@Summary		Pin a message in its chat
//	@ID				pinMessage
//	@Description	For 24h, 7d (default) or 30d. A group where only admins may pin, a view-once or revoked message → 409 not_allowed.
//	@Tags			messaging
//	@Accept			json
//	@Param			id		path	string		true	"session id"
//	@Param			message	path	string		true	"message id"
//	@Param			body	body	PinRequest	false	"how long"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING; WhatsApp does not allow this pin (not_allowed)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages/{message}/pin [put]
func (s *Server) pin(w http.ResponseWriter, r *http.Request) error {
	// The body is optional: no body pins for the default duration.
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		var req PinRequest
		if r.ContentLength != 0 {
			if err := decodeJSON(r, &req); err != nil {
				return noResult{}, err
			}
		}
		return noResult{}, s.cfg.Sessions.Pin(ctx, t.id, t.msg, true, req.Duration)
	})
}

// unpin godoc
//
//	@Summary	Unpin a message
//	@ID			unpinMessage
//	@Tags		messaging
//	@Param		id		path	string	true	"session id"
//	@Param		message	path	string	true	"message id"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure	409	{object}	Problem	"session not WORKING; not pinned (not_allowed)"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/pin [delete]
func (s *Server) unpin(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.Pin(ctx, t.id, t.msg, false, "")
	})
}

// votes godoc
//
//	@Summary	The votes of a poll
//	@ID			getPollVotes
//	@Tags		messaging
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		message	path		string	true	"the poll's message id"
//	@Success	200		{object}	session.PollVotes
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or poll (message_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/votes [get]
func (s *Server) votes(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (session.PollVotes, error) {
		return s.cfg.Sessions.Votes(ctx, t.id, t.msg)
	})
}

// markPlayed godoc
//
//	@Summary		Mark a voice note played
//	@ID				markPlayed
//	@Description	The sender sees it played (ack PLAYED).
//	@Tags			messaging
//	@Param			id		path	string	true	"session id"
//	@Param			message	path	string	true	"message id"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or message (message_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages/{message}/played [post]
func (s *Server) markPlayed(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, messageTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.MarkPlayed(ctx, t.id, t.msg)
	})
}
