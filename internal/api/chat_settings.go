package api

import (
	"context"
	"net/http"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// What a route changes on one chat: archive, pin, mute, mark unread,
// clear, delete; each answers the chat as it is then, or 204.

// MuteRequest is the body of PUT .../chats/{chat}/mute: a duration, or
// forever.
type MuteRequest struct {
	DurationSeconds int64 `json:"duration_seconds,omitempty" example:"28800"` // 1 s to 366 days
	Forever         bool  `json:"forever,omitempty"`
} // @name MuteRequest

// setChat answers a PUT (on) or DELETE (off) of a chat setting with the
// chat as it is then.
func setChat(w http.ResponseWriter, r *http.Request, on bool, set func(ctx context.Context, id, chatID string, on bool) (session.Chat, error)) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Chat, error) {
		return set(ctx, t.id, t.chat, on)
	})
}

// archiveChat godoc
//
//	@Summary		Archive a chat
//	@ID				archiveChat
//	@Description	Archiving an archived chat is no error. chat.archived follows.
//	@Tags			chats
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			chat	path		string	true	"chat id or phone number"
//	@Success		200		{object}	session.Chat
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; WhatsApp refused (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/archive [put]
func (s *Server) archiveChat(w http.ResponseWriter, r *http.Request) error {
	return setChat(w, r, true, s.cfg.Sessions.ArchiveChat)
}

// unarchiveChat godoc
//
//	@Summary		Unarchive a chat
//	@ID				unarchiveChat
//	@Description	chat.archived follows.
//	@Tags			chats
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			chat	path		string	true	"chat id or phone number"
//	@Success		200		{object}	session.Chat
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; WhatsApp refused (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/archive [delete]
func (s *Server) unarchiveChat(w http.ResponseWriter, r *http.Request) error {
	return setChat(w, r, false, s.cfg.Sessions.ArchiveChat)
}

// pinChat godoc
//
//	@Summary		Pin a chat to the top of the list
//	@ID				pinChat
//	@Description	WhatsApp pins at most 3 chats: a fourth is 409 not_allowed. Pinning a pinned chat is no error.
//	@Tags			chats
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			chat	path		string	true	"chat id or phone number"
//	@Success		200		{object}	session.Chat
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; 3 chats are pinned already (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/pin [put]
func (s *Server) pinChat(w http.ResponseWriter, r *http.Request) error {
	return setChat(w, r, true, s.cfg.Sessions.PinChat)
}

// unpinChat godoc
//
//	@Summary	Unpin a chat
//	@ID			unpinChat
//	@Tags		chats
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		chat	path		string	true	"chat id or phone number"
//	@Success	200		{object}	session.Chat
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/chats/{chat}/pin [delete]
func (s *Server) unpinChat(w http.ResponseWriter, r *http.Request) error {
	return setChat(w, r, false, s.cfg.Sessions.PinChat)
}

// muteChat godoc
//
//	@Summary		Mute a chat for a while or forever
//	@ID				muteChat
//	@Description	Set duration_seconds (1 s to 366 days) or forever. mute_expiration in the answer is when it ends (-1: never).
//	@Tags			chats
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string		true	"session id"
//	@Param			chat	path		string		true	"chat id or phone number"
//	@Param			body	body		MuteRequest	true	"how long"
//	@Success		200		{object}	session.Chat
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; WhatsApp refused (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/mute [put]
func (s *Server) muteChat(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req MuteRequest) (session.Chat, error) {
		if most := int64(session.MaxMute / time.Second); req.DurationSeconds < 0 || req.DurationSeconds > most {
			return session.Chat{}, apperr.Field("duration_seconds", "must be from 1 to %d, or set forever", most)
		}
		return s.cfg.Sessions.MuteChat(ctx, t.id, t.chat, time.Duration(req.DurationSeconds)*time.Second, req.Forever)
	})
}

// unmuteChat godoc
//
//	@Summary	Unmute a chat
//	@ID			unmuteChat
//	@Tags		chats
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		chat	path		string	true	"chat id or phone number"
//	@Success	200		{object}	session.Chat
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/chats/{chat}/mute [delete]
func (s *Server) unmuteChat(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Chat, error) {
		return s.cfg.Sessions.UnmuteChat(ctx, t.id, t.chat)
	})
}

// markUnread godoc
//
//	@Summary		Mark a chat unread
//	@ID				markChatUnread
//	@Description	The chat shows marked_unread (and counts in unread chats) until it is seen (POST .../seen) or we write in it. chat.unread follows.
//	@Tags			chats
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			chat	path		string	true	"chat id or phone number"
//	@Success		200		{object}	session.Chat
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/unread [post]
func (s *Server) markUnread(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Chat, error) {
		return s.cfg.Sessions.MarkUnread(ctx, t.id, t.chat)
	})
}

// clearChat godoc
//
//	@Summary		Clear a chat's messages
//	@ID				clearChat
//	@Description	Deletes every message of the chat from this account's devices (not for the other side); the chat stays. Starred messages stay unless keep_starred=false.
//	@Tags			chats
//	@Param			id				path	string	true	"session id"
//	@Param			chat			path	string	true	"chat id or phone number"
//	@Param			keep_starred	query	bool	false	"keep starred messages (default true)"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING; WhatsApp refused (not_allowed)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/clear [post]
func (s *Server) clearChat(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		keep, err := queryBool(r.URL.Query(), "keep_starred", true)
		if err != nil {
			return noResult{}, err
		}
		return noResult{}, s.cfg.Sessions.ClearChat(ctx, t.id, t.chat, keep)
	})
}

// deleteChat godoc
//
//	@Summary		Delete a chat
//	@ID				deleteChat
//	@Description	Deletes the chat and its messages from this account's devices (not for the other side). A new message brings the chat back.
//	@Tags			chats
//	@Param			id		path	string	true	"session id"
//	@Param			chat	path	string	true	"chat id or phone number"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"no such session or chat (chat_not_found)"
//	@Failure		409	{object}	Problem	"session not WORKING; WhatsApp refused (not_allowed)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat} [delete]
func (s *Server) deleteChat(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.DeleteChat(ctx, t.id, t.chat)
	})
}
