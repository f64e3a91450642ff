package session

import "context"

// Event types of messaging (DESIGN §8).
const (
	EventMessageReceived = "message.received" // Message, not from us
	EventMessageSent     = "message.sent"     // Message, from us, accepted by WhatsApp
	EventMessageAck      = "message.ack"      // AckEvent
	EventMessageRevoked  = "message.revoked"  // RevokeEvent
)

// BridgeRevoke is the bridge event for chat.msg_revoke (RevokeEvent).
const BridgeRevoke = "revoke"

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

// AckEvent is the payload of message.ack.
type AckEvent struct {
	ID     string `json:"id"`
	ChatID string `json:"chat_id"`
	Ack    Ack    `json:"ack" swaggertype:"string" enums:"MD_DOWNGRADE,INACTIVE,CONTENT_UNUPLOADABLE,CONTENT_TOO_BIG,CONTENT_GONE,EXPIRED,ERROR,PENDING,SERVER,DEVICE,READ,PLAYED,PEER"`
} // @name AckEvent

// RevokeEvent is the payload of message.revoked: ID is the message deleted
// for everyone.
type RevokeEvent struct {
	ID       string `json:"id"`
	RevokeID string `json:"revoke_id"`
	ChatID   string `json:"chat_id"`
	From     string `json:"from"`
	To       string `json:"to"`
	Author   string `json:"author,omitempty"` // groups: who deleted it
	Type     string `json:"type"`             // revoke, sender_revoke, admin_revoke
	FromMe   bool   `json:"from_me"`          // we deleted it (from here or the phone)
} // @name RevokeEvent

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
	if v, good := bridgeEvent(w, ev, ok); good {
		w.r.s.m.publish(ctx, w.r.s.id, typ, v)
	}
}

// bridgeEvent decodes a bridge event as T; one that does not decode, or
// that ok refuses, is logged as malformed and reported false.
func bridgeEvent[T any](w *watch, ev PageEvent, ok func(T) bool) (T, bool) {
	v, err := decode[T](ev.Data)
	if err != nil || !ok(v) {
		w.r.s.log.Warn().Err(err).Str("event", ev.Type).RawJSON("data", ev.Data).Msg("malformed bridge event")
		return v, false
	}
	return v, true
}

// onMessage publishes a bridge "message" event: message.sent for our own
// messages (the bridge reports them once WhatsApp accepted them),
// message.received for everyone else's. It goes through the page's inbox,
// which commits the message as seen in the page once it is logged.
func (w *watch) onMessage(ctx context.Context, ev PageEvent) {
	msg, ok := bridgeEvent(w, ev, func(m Message) bool { return m.ID != "" })
	if !ok {
		return
	}
	typ := EventMessageReceived
	if msg.FromMe {
		typ = EventMessageSent
	}
	w.logEvent(ctx, inboxItem{typ: typ, data: msg, msg: msg.ID, t: msg.Timestamp})
}

// onAck publishes a bridge "ack" event as message.ack.
func (w *watch) onAck(ctx context.Context, ev PageEvent) {
	a, ok := bridgeEvent(w, ev, func(a AckEvent) bool { return a.ID != "" })
	if !ok {
		return
	}
	w.logEvent(ctx, inboxItem{typ: EventMessageAck, data: a})
}

// onRevoke publishes a bridge "revoke" event as message.revoked.
func (w *watch) onRevoke(ctx context.Context, ev PageEvent) {
	r, ok := bridgeEvent(w, ev, func(r RevokeEvent) bool { return r.ID != "" })
	if !ok {
		return
	}
	w.logEvent(ctx, inboxItem{typ: EventMessageRevoked, data: r})
}

// logEvent hands a messaging event to the page's inbox (see inbox.go).
func (w *watch) logEvent(ctx context.Context, it inboxItem) {
	m := w.r.s.m
	if m.cfg.Publisher == nil {
		return
	}
	m.inboxes.of(ctx, w.r.s, w.page).add(it)
}

// catchUpMessages asks the page, once it is ready, to report again the
// messages that arrived while their events could not be logged (the process
// was down, or the log refused them).
func (w *watch) catchUpMessages(ctx context.Context) {
	m := w.r.s.m
	if m.cfg.Publisher == nil {
		return
	}
	m.inboxes.of(ctx, w.r.s, w.page).askCatchUp()
}
