package session

import "context"

// Events of messaging beyond a message itself (DESIGN §8): reactions,
// edits, poll votes and presence. The bridge reports each (docs/bridge.md)
// in both directions: ours (from_me) and everyone else's.
const (
	EventMessageReaction = "message.reaction" // ReactionEvent
	EventMessageEdited   = "message.edited"   // EditEvent
	EventPollVote        = "poll.vote"        // PollVoteEvent
	EventPresenceUpdate  = "presence.update"  // PresenceEvent
)

// Bridge events of messaging beyond message, ack and revoke.
const (
	BridgeReaction = "reaction" // ReactionEvent, from chat.new_reaction
	BridgeEdit     = "edit"     // EditEvent, from chat.msg_edited
	BridgePollVote = "poll_vote"
	BridgePresence = "presence"
)

// ReactionEvent is the payload of message.reaction: someone (or we) set or
// removed (empty reaction) a reaction to a message.
type ReactionEvent struct {
	ID        string `json:"id" example:"false_15551234567@c.us_3A00AABBCCDD"` // the reaction's own id
	MessageID string `json:"message_id" example:"true_15551234567@c.us_3EB0F435D95D32C4C638"`
	ChatID    string `json:"chat_id" example:"15551234567@c.us"`
	From      string `json:"from" example:"15551234567@c.us"`
	FromMe    bool   `json:"from_me"`
	Reaction  string `json:"reaction" example:"👍"` // empty: removed
	Timestamp int64  `json:"timestamp"`            // unix milliseconds
} // @name ReactionEvent

// EditEvent is the payload of message.edited: the message with its new text.
type EditEvent struct {
	ID        string `json:"id" example:"true_15551234567@c.us_3EB0F435D95D32C4C638"`
	ChatID    string `json:"chat_id" example:"15551234567@c.us"`
	From      string `json:"from"`
	FromMe    bool   `json:"from_me"`
	Body      string `json:"body" example:"the new text"` // text, or the new caption of media
	Timestamp int64  `json:"timestamp"`                   // unix seconds of the edit
} // @name EditEvent

// PollVoteEvent is the payload of poll.vote: a voter's choice in a poll
// changed (empty selected: the vote was withdrawn).
type PollVoteEvent struct {
	MessageID string       `json:"message_id" example:"true_120363041234567890@g.us_3EB0F435D95D32C4C638"`
	ChatID    string       `json:"chat_id"`
	Voter     string       `json:"voter" example:"15551234567@c.us"`
	Selected  []PollOption `json:"selected"`
	Timestamp int64        `json:"timestamp"` // unix milliseconds
} // @name PollVoteEvent

// PresenceEvent is the payload of presence.update: a subscribed contact (or
// a group's participants) came online, went offline, or is typing or
// recording.
type PresenceEvent struct {
	ChatID       string                `json:"chat_id" example:"15551234567@c.us"`
	IsGroup      bool                  `json:"is_group"`
	Online       bool                  `json:"online"`
	State        string                `json:"state" example:"typing" enums:"available,unavailable,typing,recording,paused"`
	Participants []ParticipantPresence `json:"participants,omitempty"` // groups
	Timestamp    int64                 `json:"timestamp"`              // unix milliseconds
} // @name PresenceEvent

// ParticipantPresence is a group participant's state.
type ParticipantPresence struct {
	ID    string `json:"id"`
	State string `json:"state"`
} // @name ParticipantPresence

// onMessagingEvent publishes the bridge's reaction, edit, poll_vote and
// presence events; it reports whether ev was one of them.
func (w *watch) onMessagingEvent(ctx context.Context, ev PageEvent) bool {
	switch ev.Type {
	case BridgeReaction:
		publishBridge[ReactionEvent](ctx, w, ev, EventMessageReaction, func(r ReactionEvent) bool { return r.MessageID != "" })
	case BridgeEdit:
		publishBridge[EditEvent](ctx, w, ev, EventMessageEdited, func(e EditEvent) bool { return e.ID != "" })
	case BridgePollVote:
		publishBridge[PollVoteEvent](ctx, w, ev, EventPollVote, func(v PollVoteEvent) bool { return v.MessageID != "" })
	case BridgePresence:
		publishBridge[PresenceEvent](ctx, w, ev, EventPresenceUpdate, func(p PresenceEvent) bool { return p.ChatID != "" })
	default:
		return w.onChatEvent(ctx, ev)
	}
	return true
}

// publishBridge decodes a bridge event as T and publishes it as typ when
// ok accepts it; anything else is logged as malformed.
func publishBridge[T any](ctx context.Context, w *watch, ev PageEvent, typ string, ok func(T) bool) {
	s := w.r.s
	v, err := decode[T](ev.Data)
	if err != nil || !ok(v) {
		s.log.Warn().Err(err).Str("event", ev.Type).RawJSON("data", ev.Data).Msg("malformed bridge event")
		return
	}
	s.m.publish(ctx, s.id, typ, v)
}
