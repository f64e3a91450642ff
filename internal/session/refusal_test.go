package session

import (
	"errors"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// TestPageRefusal: the bridge's prefixes become the API's stable codes,
// with wa-js's own words as the detail.
func TestPageRefusal(t *testing.T) {
	for _, tc := range []struct {
		msg    string
		code   apperr.Code
		detail string
	}{
		{"react: not_found: msg_not_found: Message x not found", apperr.MessageNotFound, "Message x not found"},
		{"markSeen: not_found: chat_not_found: Chat not found for 1@c.us", apperr.ChatNotFound, "Chat not found for 1@c.us"},
		{"downloadMedia: not_found: message_not_contains_media: no media", apperr.NotFound, "no media"},
		{"getMessages: not_found: Chat not found", apperr.NotFound, "Chat not found"},
		{"pin: wa:pin_error: The msg x is already pinned", apperr.NotAllowed, "WhatsApp does not allow this: The msg x is already pinned (pin_error)"},
		{"edit: wa:edit_message_error: Cannot edit this message", apperr.NotAllowed, "WhatsApp does not allow this: Cannot edit this message (edit_message_error)"},
		{"pinChat: wa:pin_limit: WhatsApp pins at most 3 chats", apperr.NotAllowed, "WhatsApp does not allow this: WhatsApp pins at most 3 chats (pin_limit)"},
		{"getContact: not_found: contact_not_found: Contact 1@c.us not found", apperr.ContactNotFound, "Contact 1@c.us not found"},
		{"contactAbout: not_found: not_on_whatsapp: 1@c.us is not on WhatsApp", apperr.NotOnWhatsApp, "1@c.us is not on WhatsApp"},
		{"forward: wa:forward_messages_not_available: not here", apperr.Unavailable, "WhatsApp Web failed: not here (forward_messages_not_available)"},
		{"groupParticipants: wa:group_you_are_not_admin: You are not admin in 1@g.us", apperr.NotGroupAdmin, "WhatsApp refused: You are not admin in 1@g.us (group_you_are_not_admin)"},
		{"setGroupSubject: wa:you_are_not_allowed_set_group_subject: no", apperr.NotGroupAdmin, "WhatsApp refused: no (you_are_not_allowed_set_group_subject)"},
		{"joinGroup: wa:group_full: the group is full", apperr.GroupFull, "WhatsApp refused: the group is full (group_full)"},
		{"groupInviteInfo: wa:invalid_invite_code: Invalid Invite Code", apperr.InviteNotFound, "WhatsApp refused: Invalid Invite Code (invalid_invite_code)"},
	} {
		err := pageRefusal(errors.New(tc.msg))
		e, ok := errors.AsType[*apperr.Error](err)
		if !ok || e.Code != tc.code || e.Detail != tc.detail {
			t.Errorf("pageRefusal(%q) = %v; want %s %q", tc.msg, err, tc.code, tc.detail)
		}
	}
	if waCode(errors.New("sendText: page closed")) != "" {
		t.Error("a plain failure has a wa-js code")
	}
	err := replyTarget(pageRefusal(errors.New("sendText: not_found: msg_not_found: Message q not found")), "false_1@c.us_AB12")
	if e, _ := errors.AsType[*apperr.Error](err); e.Code != apperr.MessageNotFound || e.Field != "reply_to" {
		t.Errorf("a send's missing quote = %v; want message_not_found naming reply_to", err)
	}
}
