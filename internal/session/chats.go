package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Chats: one chat, the list with filters and paging, the unread ones, and
// acting on a chat (archive, pin, mute, mark unread, clear, delete). Each
// validates at the edge, needs a WORKING session and names the chat in the
// "chat" field; the page does the work through wa-js (bridge chats.ts).

// ChatState is what a chat's settings are; part of Chat.
type ChatState struct {
	MarkedUnread   bool     `json:"marked_unread"` // marked unread by hand (unread_count may be 0)
	Archived       bool     `json:"archived"`
	Pinned         bool     `json:"pinned"`
	Muted          bool     `json:"muted"`
	MuteExpiration int64    `json:"mute_expiration,omitempty" example:"1795676400"` // unix seconds; -1: muted forever
	Labels         []string `json:"labels,omitempty" example:"1"`                   // label ids
}

// Chat list filters' types.
const (
	ChatTypeUsers  = "users"
	ChatTypeGroups = "groups"
)

// MaxChatPage bounds one page of the chat list.
const MaxChatPage = 500

// ChatFilter selects chats: every filter set must hold. Limit (0: all)
// and After (the last chat id of the previous page) page through them.
type ChatFilter struct {
	Unread   bool
	Archived bool
	Type     string // "", users or groups
	Labels   []string
	Limit    int
	After    string
}

// ChatPage is one page of chats; Next is the After of the next page, ""
// on the last.
type ChatPage struct {
	Chats []Chat `json:"chats"`
	Next  string `json:"next,omitempty" example:"15551234567@c.us"`
} // @name ChatPage

// UnreadChats are the chats with unread messages and their counts.
type UnreadChats struct {
	Chats    []Chat `json:"chats"`
	Count    int    `json:"count"`    // chats
	Messages int    `json:"messages"` // unread messages in them (a chat marked unread counts none)
} // @name UnreadChats

// MaxMute bounds a mute's duration; longer is forever.
const MaxMute = 366 * 24 * time.Hour

// ListChats returns the chats that pass f, in WhatsApp's order (pinned
// first, then the latest message first).
func (m *Manager) ListChats(ctx context.Context, id string, f ChatFilter) (ChatPage, error) {
	args := map[string]any{"unread": f.Unread, "archived": f.Archived, "limit": f.Limit}
	switch {
	case f.Type != "" && f.Type != ChatTypeUsers && f.Type != ChatTypeGroups:
		return ChatPage{}, apperr.Field("type", "%q is not a chat type; use users or groups", truncate(f.Type, 20))
	case f.Limit < 0 || f.Limit > MaxChatPage:
		return ChatPage{}, apperr.Field("limit", "must be from 1 to %d", MaxChatPage)
	case len(f.Labels) > 20:
		return ChatPage{}, apperr.Field("label", "at most 20 labels")
	}
	args["type"] = f.Type
	for i, l := range f.Labels {
		if l = strings.TrimSpace(l); l == "" || len(l) > 100 {
			return ChatPage{}, apperr.Field(fmt.Sprintf("label[%d]", i), "must be a label id or name of 1 to 100 characters")
		}
	}
	if len(f.Labels) > 0 {
		args["labels"] = f.Labels
	}
	if f.After != "" {
		after, err := NormalizeChatID("after", f.After)
		if err != nil {
			return ChatPage{}, err
		}
		args["after"] = after
	}
	page, err := m.workingPage(ctx, id, "listing chats")
	if err != nil {
		return ChatPage{}, err
	}
	out := ChatPage{Chats: []Chat{}}
	if err := m.msgCall(ctx, page, "listChats", args, &out); err != nil {
		if waCode(err) == "after_not_found" {
			return ChatPage{}, &apperr.Error{Code: apperr.Invalid, Field: "after", Err: err,
				Detail: "after: " + truncate(f.After, 60) + " is not a chat of this list"}
		}
		return ChatPage{}, err
	}
	return out, nil
}

// Chats lists every chat of the host account.
func (m *Manager) Chats(ctx context.Context, id string) ([]Chat, error) {
	p, err := m.ListChats(ctx, id, ChatFilter{})
	return p.Chats, err
}

// chatCall runs a bridge call about one chat of a WORKING session.
func (m *Manager) chatCall(ctx context.Context, id, chatID, what, method string, args map[string]any, result any) error {
	chat, err := NormalizeChatID("chat", chatID)
	if err != nil {
		return err
	}
	return m.targetCall(ctx, id, what, method, "chat_id", chat, args, result)
}

// GetChat returns one chat; chat_not_found when the session has none
// with that id.
func (m *Manager) GetChat(ctx context.Context, id, chatID string) (Chat, error) {
	var c Chat
	return c, m.chatCall(ctx, id, chatID, "reading a chat", "getChat", nil, &c)
}

// UnreadChats returns the chats with unread messages (or marked unread).
func (m *Manager) UnreadChats(ctx context.Context, id string) (UnreadChats, error) {
	page, err := m.workingPage(ctx, id, "listing unread chats")
	if err != nil {
		return UnreadChats{}, err
	}
	out := UnreadChats{Chats: []Chat{}}
	if err := m.msgCall(ctx, page, "unreadChats", nil, &out.Chats); err != nil {
		return UnreadChats{}, err
	}
	out.Count = len(out.Chats)
	for _, c := range out.Chats {
		out.Messages += c.UnreadCount
	}
	return out, nil
}

// ArchiveChat archives (or unarchives) a chat and returns it; doing what
// is already so is no error.
func (m *Manager) ArchiveChat(ctx context.Context, id, chatID string, archive bool) (Chat, error) {
	var c Chat
	return c, m.chatCall(ctx, id, chatID, "archiving a chat", "archiveChat", map[string]any{"archive": archive}, &c)
}

// PinChat pins (or unpins) a chat and returns it. WhatsApp pins at most
// three: a fourth is not_allowed.
func (m *Manager) PinChat(ctx context.Context, id, chatID string, pin bool) (Chat, error) {
	var c Chat
	return c, m.chatCall(ctx, id, chatID, "pinning a chat", "pinChat", map[string]any{"pin": pin}, &c)
}

// MuteChat mutes a chat for d (at least a second, at most MaxMute) or,
// when forever, until it is unmuted, and returns it.
func (m *Manager) MuteChat(ctx context.Context, id, chatID string, d time.Duration, forever bool) (Chat, error) {
	args := map[string]any{"forever": forever}
	switch {
	case forever && d != 0:
		return Chat{}, apperr.Field("duration_seconds", "has no meaning with forever")
	case !forever && (d < time.Second || d > MaxMute):
		return Chat{}, apperr.Field("duration_seconds", "must be from 1 to %d, or set forever", int64(MaxMute/time.Second))
	case !forever:
		args["seconds"] = int64(d / time.Second)
	}
	var c Chat
	return c, m.chatCall(ctx, id, chatID, "muting a chat", "muteChat", args, &c)
}

// UnmuteChat unmutes a chat and returns it.
func (m *Manager) UnmuteChat(ctx context.Context, id, chatID string) (Chat, error) {
	var c Chat
	return c, m.chatCall(ctx, id, chatID, "unmuting a chat", "unmuteChat", nil, &c)
}

// MarkUnread marks a chat unread (MarkSeen undoes it) and returns it.
func (m *Manager) MarkUnread(ctx context.Context, id, chatID string) (Chat, error) {
	var c Chat
	return c, m.chatCall(ctx, id, chatID, "marking a chat unread", "markUnread", nil, &c)
}

// ClearChat deletes every message of a chat from this account's devices,
// but the starred ones when keepStarred; the chat stays.
func (m *Manager) ClearChat(ctx context.Context, id, chatID string, keepStarred bool) error {
	return m.chatCall(ctx, id, chatID, "clearing a chat", "clearChat", map[string]any{"keep_starred": keepStarred}, nil)
}

// DeleteChat deletes a chat and its messages from this account's devices.
func (m *Manager) DeleteChat(ctx context.Context, id, chatID string) error {
	return m.chatCall(ctx, id, chatID, "deleting a chat", "deleteChat", nil, nil)
}
