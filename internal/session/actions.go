package session

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Acting on one message: react, edit, delete, forward, star, pin, read it
// and its poll's votes. Each validates at the edge, needs a WORKING session
// and names the message in the "message" field.

// MessageDetail is what a message holds beyond its text: the kind, the
// message it replies to, who it mentions, and the content of each kind.
// It is part of Message.
type MessageDetail struct {
	Kind      string        `json:"kind" example:"text" enums:"text,image,video,audio,voice,document,sticker,location,contacts,poll,revoked,other"`
	QuotedID  string        `json:"quoted_id,omitempty" example:"false_15551234567@c.us_3A0011223344556677889900"` // the message it replies to
	Mentions  []string      `json:"mentions,omitempty" example:"15551234567@c.us"`
	ViewOnce  bool          `json:"view_once,omitempty"`
	GIF       bool          `json:"gif,omitempty"`
	Size      int64         `json:"size,omitempty"` // media bytes
	Location  *Location     `json:"location,omitempty"`
	Contacts  []ContactCard `json:"contacts,omitempty"` // name and vcard of each card
	Poll      *Poll         `json:"poll,omitempty"`
	Edited    bool          `json:"edited,omitempty"`
	Starred   bool          `json:"starred,omitempty"`
	Forwarded bool          `json:"forwarded,omitempty"`
}

// pinDurations are the pin durations WhatsApp offers, by the API's names,
// mapped to wa-js's PinExpiryDurationOption.
var pinDurations = map[string]string{"24h": "OneDay", "7d": "SevenDays", "30d": "ThirtyDays"}

// DeleteResult is what deleting a message did.
type DeleteResult struct {
	ID      string `json:"id"`
	Revoked bool   `json:"revoked"` // deleted for everyone
	Deleted bool   `json:"deleted"` // deleted for us
} // @name DeleteResult

// ForwardResult is one forwarded copy.
type ForwardResult struct {
	ChatID string `json:"chat_id"`
	ID     string `json:"id,omitempty"` // the copy's id, when WhatsApp told it
} // @name ForwardResult

// PollVotes are the votes of a poll.
type PollVotes struct {
	MessageID string     `json:"message_id"`
	ChatID    string     `json:"chat_id"`
	Votes     []PollVote `json:"votes"`
} // @name PollVotes

// PollVote is one voter's current choice (empty: withdrawn).
type PollVote struct {
	Voter     string       `json:"voter" example:"15551234567@c.us"`
	Selected  []PollOption `json:"selected"`
	Timestamp int64        `json:"timestamp"` // unix milliseconds, as WhatsApp stamps votes
} // @name PollVote

// PollOption is an option of a poll, by its index and name.
type PollOption struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
} // @name PollOption

// targetCall runs a bridge call about one thing of a WORKING session (a
// message, a chat, a contact), named to the bridge as args[key] = target.
func (m *Manager) targetCall(ctx context.Context, id, what, method, key, target string, args map[string]any, result any) error {
	page, err := m.workingPage(ctx, id, what)
	if err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	args[key] = target
	return m.msgCall(ctx, page, method, args, result)
}

// onMessageCall runs a bridge call about one message of a WORKING session.
func (m *Manager) onMessageCall(ctx context.Context, id, msgID, what, method string, args map[string]any, result any) error {
	if err := ValidateMessageID("message", msgID); err != nil {
		return err
	}
	return m.targetCall(ctx, id, what, method, "id", msgID, args, result)
}

// GetMessage returns one message.
func (m *Manager) GetMessage(ctx context.Context, id, msgID string) (Message, error) {
	var msg Message
	err := m.onMessageCall(ctx, id, msgID, "reading a message", "getMessage", nil, &msg)
	return msg, err
}

// React sets our reaction to a message; an empty reaction removes it.
func (m *Manager) React(ctx context.Context, id, msgID, reaction string) error {
	if utf8.RuneCountInString(reaction) > 16 || strings.TrimSpace(reaction) != reaction {
		return apperr.Field("reaction", "must be one emoji, or empty to remove the reaction")
	}
	return m.onMessageCall(ctx, id, msgID, "reacting", "react", map[string]any{"reaction": reaction}, nil)
}

// Edit replaces the text (or caption) of a message we sent and returns it
// edited. WhatsApp allows it for a while after sending; past that, or on a
// message that cannot be edited, it is a not_allowed error.
func (m *Manager) Edit(ctx context.Context, id, msgID, text string, mentions []string) (Message, error) {
	if strings.TrimSpace(text) == "" {
		return Message{}, apperr.Field("text", "must not be empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxTextLen {
		return Message{}, apperr.Field("text", "has %d characters; WhatsApp allows %d", n, MaxTextLen)
	}
	args := map[string]any{"text": text}
	if len(mentions) > 0 {
		ids, err := normalizeMentions(mentions)
		if err != nil {
			return Message{}, err
		}
		args["mentions"] = ids
	}
	var msg Message
	err := m.onMessageCall(ctx, id, msgID, "editing", "edit", args, &msg)
	return msg, err
}

// DeleteMessage deletes a message for everyone (revoke: only our own messages, for
// a while after sending) or only for us.
func (m *Manager) DeleteMessage(ctx context.Context, id, msgID string, forEveryone bool) (DeleteResult, error) {
	var res DeleteResult
	err := m.onMessageCall(ctx, id, msgID, "deleting", "deleteMessage", map[string]any{"revoke": forEveryone}, &res)
	return res, err
}

// Forward forwards a message to each of chatIDs.
func (m *Manager) Forward(ctx context.Context, id, msgID string, chatIDs []string) ([]ForwardResult, error) {
	chats, err := normalizeChatIDs("chat_ids", chatIDs, 20)
	if err != nil {
		return nil, err
	}
	res := []ForwardResult{}
	err = m.onMessageCall(ctx, id, msgID, "forwarding", "forward", map[string]any{"chat_ids": chats}, &res)
	return res, err
}

// Star stars (or unstars) a message.
func (m *Manager) Star(ctx context.Context, id, msgID string, star bool) error {
	return m.onMessageCall(ctx, id, msgID, "starring", "star", map[string]any{"star": star}, nil)
}

// Pin pins a message in its chat for duration (24h, 7d or 30d;
// empty: 7d), or unpins it.
func (m *Manager) Pin(ctx context.Context, id, msgID string, pin bool, duration string) error {
	args := map[string]any{"pin": pin}
	if pin {
		if duration == "" {
			duration = "7d"
		}
		opt, ok := pinDurations[duration]
		if !ok {
			return apperr.Field("duration", "%q is not a pin duration; WhatsApp offers 24h, 7d and 30d", truncate(duration, 20))
		}
		args["duration"] = opt
	}
	return m.onMessageCall(ctx, id, msgID, "pinning", "pin", args, nil)
}

// Votes returns the votes of a poll message.
func (m *Manager) Votes(ctx context.Context, id, msgID string) (PollVotes, error) {
	var v PollVotes
	err := m.onMessageCall(ctx, id, msgID, "reading votes", "getVotes", nil, &v)
	if v.Votes == nil {
		v.Votes = []PollVote{}
	}
	return v, err
}

// MarkPlayed marks a voice note (or other audio) as played: its sender
// sees the PLAYED ack.
func (m *Manager) MarkPlayed(ctx context.Context, id, msgID string) error {
	return m.onMessageCall(ctx, id, msgID, "marking played", "markPlayed", nil, nil)
}

// normalizeChatIDs normalises 1 to most chat ids, naming field[i] in errors.
func normalizeChatIDs(field string, in []string, most int) ([]string, error) {
	return normalizeIDs(field, in, 1, most, "chats", NormalizeChatID)
}

// normalizeIDs normalises least to most ids (noun names them in the count's
// error) with normalize, naming field[i] in its errors.
func normalizeIDs(field string, in []string, least, most int, noun string, normalize func(field, s string) (string, error)) ([]string, error) {
	if len(in) < least || len(in) > most {
		return nil, apperr.Field(field, "must hold %d to %d %s, not %d", least, most, noun, len(in))
	}
	out := make([]string, len(in))
	for i, id := range in {
		n, err := normalize(fmt.Sprintf("%s[%d]", field, i), id)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
