package session

import (
	"context"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Read state and presence: marking a chat seen, showing typing or
// recording in a chat, our own presence, and subscribing to a contact's.

// Chat states a chat can show us in (ChatState's state).
const (
	ChatTyping    = "typing"
	ChatRecording = "recording"
	ChatPaused    = "paused"
)

// MaxChatStateDuration bounds how long typing or recording is shown.
const MaxChatStateDuration = 5 * time.Minute

// MarkSeen marks a chat read: its incoming messages get the READ ack (blue
// ticks) on the sender's side, and its unread count drops to zero.
func (m *Manager) MarkSeen(ctx context.Context, id, chatID string) error {
	chat, err := NormalizeChatID("chat", chatID)
	if err != nil {
		return err
	}
	page, err := m.workingPage(ctx, id, "marking seen")
	if err != nil {
		return err
	}
	return m.msgCall(ctx, page, "markSeen", map[string]any{"chat_id": chat}, nil)
}

// ChatState shows typing or recording in a chat for d (0: until the next
// message or paused), or stops showing it (paused).
func (m *Manager) ChatState(ctx context.Context, id, chatID, state string, d time.Duration) error {
	chat, err := NormalizeChatID("chat", chatID)
	if err != nil {
		return err
	}
	switch {
	case state != ChatTyping && state != ChatRecording && state != ChatPaused:
		return apperr.Field("state", "%q is not a chat state; use typing, recording or paused", truncate(state, 20))
	case d < 0 || d > MaxChatStateDuration:
		return apperr.Field("duration_ms", "must be from 0 to %d", MaxChatStateDuration.Milliseconds())
	case state == ChatPaused && d != 0:
		return apperr.Field("duration_ms", "has no meaning with paused")
	}
	page, err := m.workingPage(ctx, id, "showing a chat state")
	if err != nil {
		return err
	}
	return m.msgCall(ctx, page, "chatState", map[string]any{"chat_id": chat, "state": state, "duration_ms": d.Milliseconds()}, nil)
}

// SetPresence sets our own presence: available (online) or unavailable.
func (m *Manager) SetPresence(ctx context.Context, id string, available bool) error {
	page, err := m.workingPage(ctx, id, "setting presence")
	if err != nil {
		return err
	}
	return m.msgCall(ctx, page, "setPresence", map[string]any{"available": available}, nil)
}

// SubscribePresence asks WhatsApp for the presence of contacts: their
// changes then arrive as presence.update events. It returns the ids
// subscribed.
func (m *Manager) SubscribePresence(ctx context.Context, id string, chatIDs []string) ([]string, error) {
	chats, err := normalizeChatIDs("chat_ids", chatIDs, 100)
	if err != nil {
		return nil, err
	}
	page, err := m.workingPage(ctx, id, "subscribing to presence")
	if err != nil {
		return nil, err
	}
	out := []string{}
	err = m.msgCall(ctx, page, "subscribePresence", map[string]any{"chat_ids": chats}, &out)
	return out, err
}
