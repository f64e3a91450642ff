package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/session"
)

// Chats: /v1/sessions/{id}/chats[/{chat}[/...]]: one chat, the list with
// filters and paging, the unread ones (this file); archive, pin, mute, mark
// unread, clear, delete (chat_settings.go). The chat may be a chat id or a
// phone number.

// ChatActions are the chat routes' needs of the session domain; a chat the
// session does not hold is chat_not_found, what WhatsApp refuses there
// not_allowed.
type ChatActions interface {
	ListChats(ctx context.Context, id string, f session.ChatFilter) (session.ChatPage, error)
	GetChat(ctx context.Context, id, chatID string) (session.Chat, error)
	UnreadChats(ctx context.Context, id string) (session.UnreadChats, error)
	ArchiveChat(ctx context.Context, id, chatID string, archive bool) (session.Chat, error)
	PinChat(ctx context.Context, id, chatID string, pin bool) (session.Chat, error)
	MuteChat(ctx context.Context, id, chatID string, d time.Duration, forever bool) (session.Chat, error)
	UnmuteChat(ctx context.Context, id, chatID string) (session.Chat, error)
	MarkUnread(ctx context.Context, id, chatID string) (session.Chat, error)
	ClearChat(ctx context.Context, id, chatID string, keepStarred bool) error
	DeleteChat(ctx context.Context, id, chatID string) error
}

// chatRoutes adds the chat routes to the /v1/sessions/{id} group.
func (s *Server) chatRoutes(r chi.Router) {
	// A sub-router, so that other methods on it are 405, not /chats/{chat}'s.
	r.Route("/chats/unread", func(r chi.Router) { r.Get("/", s.wrap(s.unreadChats)) })
	r.Route("/chats/{chat}", func(r chi.Router) {
		r.Use(s.limitBody(s.cfg.MaxBodyBytes))
		r.Get("/", s.wrap(s.getChat))
		r.Delete("/", s.wrap(s.deleteChat))
		r.Put("/archive", s.wrap(s.archiveChat))
		r.Delete("/archive", s.wrap(s.unarchiveChat))
		r.Put("/pin", s.wrap(s.pinChat))
		r.Delete("/pin", s.wrap(s.unpinChat))
		r.Put("/mute", s.wrap(s.muteChat))
		r.Delete("/mute", s.wrap(s.unmuteChat))
		r.Post("/unread", s.wrap(s.markUnread))
		r.Post("/clear", s.wrap(s.clearChat))
	})
}

// chatFilter reads GET .../chats' query.
func chatFilter(r *http.Request) (session.ChatFilter, error) {
	q := r.URL.Query()
	f := session.ChatFilter{Type: q.Get("type"), Labels: q["label"], After: q.Get("after")}
	var err error
	if f.Unread, err = queryBool(q, "unread", false); err != nil {
		return f, err
	}
	if f.Archived, err = queryBool(q, "archived", false); err != nil {
		return f, err
	}
	f.Limit, err = queryLimit(q, 0, session.MaxChatPage)
	return f, err
}

// listChats godoc
//
//	@Summary		The host account's chats
//	@ID				listChats
//	@Description	In WhatsApp's order: pinned first, then the latest message first. Filters combine (all must hold). With limit, next is the after of the next page (absent on the last).
//	@Tags			chats
//	@Produce		json
//	@Param			id			path		string		true	"session id"
//	@Param			unread		query		bool		false	"only chats with unread messages (or marked unread)"
//	@Param			archived	query		bool		false	"only archived chats"
//	@Param			type		query		string		false	"only user chats or only groups"	Enums(users, groups)
//	@Param			label		query		[]string	false	"only chats with one of these labels (id or name); repeat for more"	collectionFormat(multi)
//	@Param			limit		query		int			false	"1 to 500; default all"
//	@Param			after		query		string		false	"the next of the previous page"
//	@Success		200			{object}	session.ChatPage
//	@Failure		400			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem	"session not WORKING"
//	@Failure		504			{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats [get]
func (s *Server) listChats(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.ChatPage, error) {
		f, err := chatFilter(r)
		if err != nil {
			return session.ChatPage{}, err
		}
		return s.cfg.Sessions.ListChats(ctx, t.id, f)
	})
}

// unreadChats godoc
//
//	@Summary		Chats with unread messages, with their counts
//	@ID				listUnreadChats
//	@Description	Chats with unread messages or marked unread; messages totals their unread counts.
//	@Tags			chats
//	@Produce		json
//	@Param			id	path		string	true	"session id"
//	@Success		200	{object}	session.UnreadChats
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/unread [get]
func (s *Server) unreadChats(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.UnreadChats, error) {
		return s.cfg.Sessions.UnreadChats(ctx, t.id)
	})
}

// getChat godoc
//
//	@Summary	One chat, with its settings
//	@ID			getChat
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
//	@Router		/v1/sessions/{id}/chats/{chat} [get]
func (s *Server) getChat(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Chat, error) {
		return s.cfg.Sessions.GetChat(ctx, t.id, t.chat)
	})
}
