package session

import "context"

// Events of chats and contacts: a chat archived or unarchived, a chat's
// unread count changed, a contact blocked or unblocked. The bridge reports
// each from wa-js's signals (docs/bridge.md): WhatsApp's chat store
// (change:archive), chat.unread_count_changed and blocklist.sync. Other
// changes (mute, pin, a contact's name or picture) have no signal in
// wa-js 4.6.0 and no event.
const (
	EventChatArchived   = "chat.archived"   // ChatArchivedEvent
	EventChatUnread     = "chat.unread"     // ChatUnreadEvent
	EventContactChanged = "contact.changed" // ContactChangedEvent
)

// Bridge events of chats and contacts.
const (
	BridgeChatArchived   = "chat_archived"
	BridgeChatUnread     = "chat_unread"
	BridgeContactChanged = "contact_changed"
)

// ChatArchivedEvent is the payload of chat.archived: a chat was archived
// or unarchived, from here or another device.
type ChatArchivedEvent struct {
	ChatID   string `json:"chat_id" example:"15551234567@c.us"`
	Archived bool   `json:"archived"`
	Phone    string `json:"phone,omitempty" example:"15551234567"`
	LID      string `json:"lid,omitempty" example:"123456789012345@lid"`
} // @name ChatArchivedEvent

// ChatUnreadEvent is the payload of chat.unread: a chat's unread count
// changed (a message arrived, the chat was read or marked unread). wa-js
// reports the last change within 50 ms, so a burst over several chats
// reports the last chat only.
type ChatUnreadEvent struct {
	ChatID              string `json:"chat_id" example:"15551234567@c.us"`
	UnreadCount         int    `json:"unread_count" example:"2"`
	MarkedUnread        bool   `json:"marked_unread"` // marked unread by hand
	PreviousUnreadCount int    `json:"previous_unread_count" example:"1"`
	Phone               string `json:"phone,omitempty" example:"15551234567"`
	LID                 string `json:"lid,omitempty" example:"123456789012345@lid"`
} // @name ChatUnreadEvent

// ContactChangedEvent is the payload of contact.changed: what changed
// about a contact. The only change wa-js 4.6.0 signals is the block list.
type ContactChangedEvent struct {
	ID      string `json:"id" example:"15551234567@c.us"`
	Phone   string `json:"phone,omitempty" example:"15551234567"`
	LID     string `json:"lid,omitempty" example:"123456789012345@lid"`
	Change  string `json:"change" enums:"blocked,unblocked" example:"blocked"`
	Blocked bool   `json:"blocked"`
} // @name ContactChangedEvent

// onChatEvent publishes the bridge's chat and contact events; it reports
// whether ev was one of them.
func (w *watch) onChatEvent(ctx context.Context, ev PageEvent) bool {
	switch ev.Type {
	case BridgeChatArchived:
		publishBridge[ChatArchivedEvent](ctx, w, ev, EventChatArchived, func(e ChatArchivedEvent) bool { return e.ChatID != "" })
	case BridgeChatUnread:
		publishBridge[ChatUnreadEvent](ctx, w, ev, EventChatUnread, func(e ChatUnreadEvent) bool { return e.ChatID != "" })
	case BridgeContactChanged:
		publishBridge[ContactChangedEvent](ctx, w, ev, EventContactChanged, func(e ContactChangedEvent) bool { return e.ID != "" })
	default:
		return false
	}
	return true
}
