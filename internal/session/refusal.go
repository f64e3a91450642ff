package session

import (
	"errors"
	"regexp"

	"github.com/easy-api/easy-api/internal/apperr"
)

// The bridge prefixes a wa-js rejection with what it means: "not_found: "
// and wa-js's code for things that do not exist, "wa:<code>: " for
// anything else wa-js refused (docs/bridge.md). This is the one table from
// those codes to the API's.

// refusalRe finds the bridge's prefix in a call error's message.
var refusalRe = regexp.MustCompile(`(?:^|: )(?:not_found: (?:([a-z0-9_]+): )?|wa:([a-z0-9_]+): )`)

// notAllowed are the wa-js codes of an action WhatsApp does not allow on
// this message or chat; they are not_allowed (409), never a 5xx.
var notAllowed = map[string]bool{
	"edit_message_error": true, "pin_error": true, "unpin_error": true, "pin_send_error": true,
	"invalid_pin_parameter": true, "quoted_msg_can_not_reply": true, "invalid_quoted_msg": true,
	"revoke_not_allowed": true, "delete_not_allowed": true, "not_a_poll": true, "cannot_play": true,
	"group_not_allowed": true, "reaction_not_allowed": true, "forward_error": true, "star_error": true,
	// chats (chats.go)
	"archive_error": true, "unarchive_error": true, "pin_limit": true, "clear_failed": true, "delete_failed": true,
	"negative_time_mute": true, "invalid_time_mute": true,
	"call_is_not_incoming_ring": true,
}

// waRefusals are the wa-js codes of labels, status updates and channels
// (wa-js 4.6.0 src/labels, src/status, src/newsletter) with the API's code
// and, when the refusal is about one input, the body's field.
var waRefusals = map[string]struct {
	code  apperr.Code
	field string
}{
	"is_not_business":           {apperr.NotBusinessAccount, ""},
	"label_not_exist":           {apperr.LabelNotFound, ""},
	"canot_get_label_error":     {apperr.LabelNotFound, ""},
	"color_not_in_pallet":       {apperr.Invalid, "color"},
	"not_a_newsletter":          {apperr.ChannelNotFound, ""},
	"error_on_remove_status":    {apperr.StatusNotFound, ""},
	"newsletter_follower_limit": {apperr.NotAllowed, ""},
	"newsletter_closed":         {apperr.NotAllowed, ""},
	"newsletter_geosuspended":   {apperr.NotAllowed, ""},
	"invalid_search_query":      {apperr.Invalid, "q"},
	"newsletter_delete_failed":  {apperr.NotAllowed, ""},
	"newsletter_follow_failed":  {apperr.NotAllowed, ""},
	"not_authorized":            {apperr.NotAllowed, ""}, // WhatsApp's 401: not the channel's admin
}

// groupRefusals are wa-js's codes of group calls that have a code of their
// own in the API: WhatsApp's admin rules, a full group, an unknown invite.
var groupRefusals = map[string]apperr.Code{
	"group_you_are_not_admin": apperr.NotGroupAdmin, "you_are_not_allowed_set_group_subject": apperr.NotGroupAdmin,
	"you_are_not_allowed_set_group_description": apperr.NotGroupAdmin, "you_are_not_allowed_set_group_property": apperr.NotGroupAdmin,
	"you_are_not_allowed_set_ephemeral_setting": apperr.NotGroupAdmin, "group_you_are_restricted_member": apperr.NotGroupAdmin,
	"group_full": apperr.GroupFull, "invalid_invite_code": apperr.InviteNotFound,
	"not_a_group": apperr.GroupNotFound, "not_a_participant": apperr.NotAllowed,
	"group_not_exist": apperr.GroupNotFound, "not_a_community": apperr.NotAllowed,
}

// waCode is the wa-js code of a "wa:" refusal, or "".
func waCode(err error) string {
	if err == nil {
		return ""
	}
	if m := refusalRe.FindStringSubmatch(err.Error()); m != nil {
		return m[2]
	}
	return ""
}

// pageRefusal maps a refusal from the page to the API's code; the detail
// is the page's (wa-js's) message.
func pageRefusal(err error) error {
	msg := err.Error()
	m := refusalRe.FindStringSubmatchIndex(msg)
	if m == nil {
		return apperr.Wrap(err, apperr.NotFound, "%s", msg)
	}
	detail := msg[m[1]:]
	if m[4] >= 0 {
		code := msg[m[4]:m[5]]
		if r, ok := waRefusals[code]; ok {
			e := apperr.Wrap(err, r.code, "WhatsApp refused: %s (%s)", detail, code)
			if r.field != "" {
				e.Field, e.Detail = r.field, r.field+": "+detail
			}
			return e
		}
		if c, ok := groupRefusals[code]; ok {
			return apperr.Wrap(err, c, "WhatsApp refused: %s (%s)", detail, code)
		}
		if notAllowed[code] {
			return apperr.Wrap(err, apperr.NotAllowed, "WhatsApp does not allow this: %s (%s)", detail, code)
		}
		return apperr.Wrap(err, apperr.Unavailable, "WhatsApp Web failed: %s (%s)", detail, code)
	}
	code := ""
	if m[2] >= 0 {
		code = msg[m[2]:m[3]]
	}
	switch code {
	case "msg_not_found", "message_not_found":
		return apperr.Wrap(err, apperr.MessageNotFound, "%s", detail)
	case "chat_not_found":
		return apperr.Wrap(err, apperr.ChatNotFound, "%s", detail)
	case "contact_not_found":
		return apperr.Wrap(err, apperr.ContactNotFound, "%s", detail)
	case "not_on_whatsapp":
		return apperr.Wrap(err, apperr.NotOnWhatsApp, "%s", detail)
	case "call_not_found":
		return apperr.Wrap(err, apperr.CallNotFound, "%s", detail)
	}
	return apperr.Wrap(err, apperr.NotFound, "%s", detail)
}

// replyTarget names reply_to in a message_not_found from a send: the only
// message a send looks up is the one it quotes.
func replyTarget(err error, replyTo string) error {
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok || e.Code != apperr.MessageNotFound || replyTo == "" {
		return err
	}
	return &apperr.Error{Code: apperr.MessageNotFound, Field: "reply_to", Err: err,
		Detail: "reply_to: message " + replyTo + " does not exist in this session"}
}
