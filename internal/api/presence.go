package api

import (
	"context"
	"net/http"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Read state and presence: /v1/sessions/{id}/chats/{chat}/seen and
// /presence, and our own presence.

// ChatStateRequest is the body of POST .../chats/{chat}/presence.
type ChatStateRequest struct {
	State      string `json:"state" enums:"typing,recording,paused" example:"typing"`
	DurationMS int64  `json:"duration_ms,omitempty" example:"5000"` // 0: until paused or the next message
} // @name ChatStateRequest

// PresenceRequest is the body of PUT .../presence.
type PresenceRequest struct {
	Presence string `json:"presence" enums:"available,unavailable" example:"available"`
} // @name PresenceRequest

// SubscribePresenceRequest is the body of POST .../presence/subscriptions.
type SubscribePresenceRequest struct {
	ChatIDs []string `json:"chat_ids" example:"15551234567"`
} // @name SubscribePresenceRequest

// PresenceSubscriptions lists the chats whose presence now arrives as
// presence.update events.
type PresenceSubscriptions struct {
	Subscribed []string `json:"subscribed"`
} // @name PresenceSubscriptions

// markSeen godoc
//
//	@Summary		Mark a chat seen
//	@ID				markChatSeen
//	@Description	Its messages get the READ ack (blue ticks) on the sender's side and its unread count drops to 0.
//	@Tags			messaging
//	@Param			id		path	string	true	"session id"
//	@Param			chat	path	string	true	"chat id or phone number"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/seen [post]
func (s *Server) markSeen(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.MarkSeen(ctx, t.id, t.chat)
	})
}

// chatState godoc
//
//	@Summary		Show typing or recording in a chat
//	@ID				setChatState
//	@Description	typing or recording for duration_ms (at most 5 minutes; 0: until paused or our next message), or paused to stop.
//	@Tags			messaging
//	@Accept			json
//	@Param			id		path	string				true	"session id"
//	@Param			chat	path	string				true	"chat id or phone number"
//	@Param			body	body	ChatStateRequest	true	"the state"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/presence [post]
func (s *Server) chatState(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req ChatStateRequest) (noResult, error) {
		d := time.Duration(req.DurationMS) * time.Millisecond
		return noResult{}, s.cfg.Sessions.ChatState(ctx, t.id, t.chat, req.State, d)
	})
}

// setPresence godoc
//
//	@Summary		Set our presence
//	@ID				setPresence
//	@Description	available shows us online to contacts that subscribed to our presence; unavailable shows last seen (and lets the phone get notifications again).
//	@Tags			messaging
//	@Accept			json
//	@Param			id		path	string			true	"session id"
//	@Param			body	body	PresenceRequest	true	"available or unavailable"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/presence [put]
func (s *Server) setPresence(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req PresenceRequest) (noResult, error) {
		if req.Presence != "available" && req.Presence != "unavailable" {
			return noResult{}, apperr.Field("presence", "must be available or unavailable")
		}
		return noResult{}, s.cfg.Sessions.SetPresence(ctx, t.id, req.Presence == "available")
	})
}

// subscribePresence godoc
//
//	@Summary		Subscribe to contacts' presence
//	@ID				subscribePresence
//	@Description	Their presence (online, typing, recording, …) then arrives as presence.update events.
//	@Tags			messaging
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string						true	"session id"
//	@Param			body	body		SubscribePresenceRequest	true	"1 to 100 chats"
//	@Success		200		{object}	PresenceSubscriptions
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/presence/subscriptions [post]
func (s *Server) subscribePresence(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req SubscribePresenceRequest) (PresenceSubscriptions, error) {
		subs, err := s.cfg.Sessions.SubscribePresence(ctx, t.id, req.ChatIDs)
		return PresenceSubscriptions{Subscribed: subs}, err
	})
}
