package wasim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A chat's settings as a linked device (or the phone) sets them: archived,
// pinned, muted, marked unread, cleared, deleted, its labels. They are the
// account's, so every device sees them: a change is pushed to each
// connected device as a "chat" message carrying the chat as it is now,
// which the page applies to its chat model (firing WhatsApp's change:*
// events, as app-state sync does).

// maxPinned is how many chats WhatsApp lets an account pin.
const maxPinned = 3

// chatPrefs are one chat's settings. Seqs compare with message Seqs.
type chatPrefs struct {
	archived    bool
	pinned      int64 // unix seconds when pinned; 0: not pinned
	muteUntil   int64 // unix seconds; -1: forever; 0: not muted
	markedSeq   int   // marked unread at this Seq (a later seen or send clears it)
	clearedSeq  int   // messages up to this Seq are cleared...
	keepStarred bool  // ...except starred ones
	deletedSeq  int   // the chat was deleted at this Seq: hidden until a newer message
	labels      []string
}

// prefsLocked returns a's settings of chat, creating them. s.mu must be held.
func (a *account) prefsLocked(chat string) *chatPrefs {
	if a.prefs == nil {
		a.prefs = map[string]*chatPrefs{}
	}
	p := a.prefs[chat]
	if p == nil {
		p = &chatPrefs{}
		a.prefs[chat] = p
	}
	return p
}

// visible reports whether m is still in its chat's history (not cleared
// or deleted).
func (a *account) visible(m *message) bool {
	p := a.prefs[m.ChatID]
	if p == nil {
		return true
	}
	if m.Seq <= p.deletedSeq {
		return false
	}
	return m.Seq > p.clearedSeq || (p.keepStarred && m.Starred)
}

// chats derives the account's chats from its messages and settings:
// pinned first (latest pin first), then newest first. A deleted chat is
// left out until a newer message arrives.
func (a *account) chats() []Chat {
	byID := map[string]*Chat{}
	last := map[string]int{}  // chat → Seq of its newest message
	reset := map[string]int{} // chat → Seq of our newest message
	var order []*Chat
	for _, m := range a.msgs {
		c := byID[m.ChatID]
		if c == nil {
			c = &Chat{ID: m.ChatID, IsGroup: strings.HasSuffix(m.ChatID, "@g.us"), Name: a.contacts[m.ChatID]}
			if c.Name == "" && !c.IsGroup {
				c.Name = "+" + strings.Split(m.ChatID, "@")[0]
			}
			byID[m.ChatID] = c
			order = append(order, c)
		}
		c.Timestamp, last[m.ChatID] = m.Timestamp, m.Seq
		switch {
		case m.FromMe:
			c.UnreadCount, reset[m.ChatID] = 0, m.Seq
		case m.Seq > a.seen[m.ChatID] && a.visible(m):
			c.UnreadCount++
		}
	}
	now := time.Now().Unix()
	out := make([]Chat, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		c := *order[i]
		if p := a.prefs[c.ID]; p != nil {
			if last[c.ID] <= p.deletedSeq {
				continue
			}
			c.Archived, c.Pinned, c.Labels = p.archived, p.pinned, slices.Clone(p.labels)
			if p.muteUntil == -1 || p.muteUntil > now {
				c.MuteExpiration = p.muteUntil
			}
			if c.UnreadCount == 0 && p.markedSeq > a.seen[c.ID] && p.markedSeq > reset[c.ID] {
				c.UnreadCount = -1 // WhatsApp's "marked unread"
			}
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pinned != out[j].Pinned {
			return out[i].Pinned > out[j].Pinned
		}
		return out[i].Timestamp > out[j].Timestamp
	})
	return out
}

// chatLocked returns one chat of a as chats shows it, or false.
func (a *account) chatLocked(jid string) (Chat, bool) {
	for _, c := range a.chats() {
		if c.ID == jid {
			return c, true
		}
	}
	return Chat{}, false
}

// pushChatLocked tells every connected device of a how chat is now. s.mu
// must be held.
func (s *Server) pushChatLocked(a *account, chat string) {
	c, ok := a.chatLocked(chat)
	if !ok {
		c = Chat{ID: chat, ChatSettings: ChatSettings{Deleted: true}}
	}
	s.toDevicesLocked(a, outMsg{T: msgChat, Chats: []Chat{c}})
}

// chatActLocked performs an action on a chat (archive, pin_chat, mute,
// unmute, mark_unread, clear, delete_chat) or on a contact (block) with
// WhatsApp's refusals, and returns the reply. s.mu must be held.
func (s *Server) chatActLocked(a *account, r *actReq) (outMsg, error) {
	if r.Type == "block" {
		return s.blockLocked(a, r.Chat, r.Flag)
	}
	c, ok := a.chatLocked(r.Chat)
	if !ok {
		return outMsg{}, fmt.Errorf("chat_not_found: Chat not found for %s", r.Chat)
	}
	p := a.prefsLocked(r.Chat)
	switch r.Type {
	case "archive":
		p.archived = r.Flag
	case "pin_chat":
		if r.Flag && c.Pinned == 0 {
			n := 0
			for _, o := range a.chats() {
				if o.Pinned != 0 {
					n++
				}
			}
			if n >= maxPinned {
				return outMsg{}, fmt.Errorf("pin_limit: You can only pin up to %d chats", maxPinned)
			}
			p.pinned = time.Now().Unix()
		} else if !r.Flag {
			p.pinned = 0
		}
	case "mute":
		until, err := strconv.ParseInt(r.Value, 10, 64)
		if err != nil || (until != -1 && until < time.Now().Unix()) {
			return outMsg{}, fmt.Errorf("negative_time_mute: Negative duration for mute")
		}
		p.muteUntil = until
	case "unmute":
		p.muteUntil = 0
	case "mark_unread":
		s.seq++
		p.markedSeq = s.seq
	case "clear":
		p.clearedSeq, p.keepStarred = s.seq, r.Flag
	case "delete_chat":
		p.deletedSeq = s.seq
		p.archived, p.pinned, p.markedSeq = false, 0, 0
	default:
		return outMsg{}, fmt.Errorf("invalid_action: unknown action %q", r.Type)
	}
	s.logLocked(a, Action{Type: r.Type, ChatID: r.Chat, Value: chatActValue(r)})
	s.pushChatLocked(a, r.Chat)
	out := outMsg{OK: true}
	if c, ok := a.chatLocked(r.Chat); ok {
		out.Chats = []Chat{c}
	}
	return out, nil
}

// chatActValue is what the outbox shows of a chat action.
func chatActValue(r *actReq) string {
	switch r.Type {
	case "mute":
		return r.Value
	case "archive", "pin_chat", "clear":
		return strconv.FormatBool(r.Flag)
	}
	return ""
}

// chatSettingsRequest is the body of POST /__sim/chat: the phone changes a
// chat's settings (what the other devices then see).
type chatSettingsRequest struct {
	Phone    string    `json:"phone"`
	Chat     string    `json:"chat"`
	Archived *bool     `json:"archived,omitempty"`
	Labels   *[]string `json:"labels,omitempty"`
}

// SetChat is the phone archiving or unarchiving a chat, or setting its
// labels; every connected device is told.
func (s *Server) SetChat(phone, chat string, archived *bool, labels *[]string) (Chat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return Chat{}, err
	}
	if _, ok := a.chatLocked(chat); !ok {
		return Chat{}, errorf(CodeNotFound, "account %s has no chat %q", a.phone, chat)
	}
	p := a.prefsLocked(chat)
	if archived != nil {
		p.archived = *archived
	}
	if labels != nil {
		p.labels = slices.Clone(*labels)
	}
	s.pushChatLocked(a, chat)
	c, _ := a.chatLocked(chat)
	return c, nil
}

// ChatSettings are the settings of a Chat.
type ChatSettings struct {
	Archived       bool     `json:"archived,omitempty"`
	Pinned         int64    `json:"pinned,omitempty"`          // unix seconds when pinned
	MuteExpiration int64    `json:"mute_expiration,omitempty"` // unix seconds; -1: forever
	Labels         []string `json:"labels,omitempty"`
	Deleted        bool     `json:"deleted,omitempty"` // a push: the chat is gone from the list
}
