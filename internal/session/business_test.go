package session

import (
	"errors"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// TestBusinessRefusals: wa-js's refusals of labels, statuses and channels
// become the API's stable codes, naming the field when they are about one.
func TestBusinessRefusals(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		code  apperr.Code
		field string
	}{
		{"createLabel: wa:is_not_business: This account is not a business version", apperr.NotBusinessAccount, ""},
		{"editLabel: wa:label_not_exist: Label with id 9 not exist", apperr.LabelNotFound, ""},
		{"labelChats: wa:canot_get_label_error: Can't get label by id", apperr.LabelNotFound, ""},
		{"createLabel: wa:color_not_in_pallet: Color not in pallet", apperr.Invalid, "color"},
		{"removeStatus: wa:error_on_remove_status: Error on remove status", apperr.StatusNotFound, ""},
		{"editChannel: wa:not_a_newsletter: Chat x is not a newsletter", apperr.ChannelNotFound, ""},
		{"followChannel: wa:newsletter_closed: closed", apperr.NotAllowed, ""},
		{"editChannel: wa:not_authorized: only admins", apperr.NotAllowed, ""},
		{"searchChannels: wa:invalid_search_query: Search query cannot be empty", apperr.Invalid, "q"},
	} {
		e, ok := errors.AsType[*apperr.Error](pageRefusal(errors.New(tc.msg)))
		if !ok || e.Code != tc.code || e.Field != tc.field || apperr.Status(e.Code) >= 500 {
			t.Errorf("pageRefusal(%q) = %v; want %s naming %q", tc.msg, e, tc.code, tc.field)
		}
	}
	err := recode(pageRefusal(errors.New("muteChannel: not_found: chat_not_found: Chat not found for 1@newsletter")), apperr.ChatNotFound, apperr.ChannelNotFound)
	if apperr.CodeOf(err) != apperr.ChannelNotFound {
		t.Errorf("an unknown channel = %v; want channel_not_found", err)
	}
}

// TestBusinessInput: bad input is refused before the page, naming the
// body's field.
func TestBusinessInput(t *testing.T) {
	long := string(make([]rune, MaxLabelNameLen+1))
	empty := ""
	for _, tc := range []struct {
		name  string
		err   error
		field string
	}{
		{"label without name", errOf(LabelInput{Color: "#64c4ff"}.args(true)), "name"},
		{"label name too long", errOf(LabelInput{Name: long}.args(true)), "name"},
		{"label colour", errOf(LabelInput{Name: "x", Color: "red"}.args(true)), "color"},
		{"label edit with nothing", errOf(LabelInput{}.args(false)), "name"},
		{"label id", validLabelID("x1"), "label"},
		{"status kind", errOf2(StatusPost{Kind: "audio"}.args()), "type"},
		{"status font", errOf2(StatusPost{Kind: KindText, Text: "x", Font: "comic"}.args()), "font"},
		{"status colour", errOf2(StatusPost{Kind: KindText, Text: "x", BackgroundColor: "#12345"}.args()), "background_color"},
		{"image status with text", errOf2(StatusPost{Kind: KindImage, Text: "x"}.args()), "text"},
		{"image status without media", errOf2(StatusPost{Kind: KindImage}.args()), "media"},
		{"channel without name", errOf(ChannelInput{Description: &empty}.args(true)), "name"},
		{"channel picture and removal", errOf(ChannelInput{Name: "x", Picture: &Media{Mimetype: "image/png"}, RemovePicture: true}.args(false)), "picture"},
		{"channel picture type", errOf(ChannelInput{Name: "x", Picture: &Media{Mimetype: "image/gif"}}.args(true)), "picture"},
		{"channel id", ValidateChannelID("channel", "12@g.us"), "channel"},
		{"channel kind", Outgoing{Kind: KindDocument}.channelRules(), "type"},
		{"channel reply", Outgoing{Kind: KindText, ReplyTo: "x"}.channelRules(), "reply_to"},
	} {
		e, ok := errors.AsType[*apperr.Error](tc.err)
		if !ok || e.Code != apperr.Invalid || e.Field != tc.field {
			t.Errorf("%s: %v; want invalid_request naming %q", tc.name, tc.err, tc.field)
		}
	}
	args, method, err := StatusPost{Kind: KindText, Text: "hi", BackgroundColor: "#FF8800", Font: "oswald"}.args()
	if err != nil || method != "sendTextStatus" || args["font"] != 5 || args["background_color"] != "#ff8800" {
		t.Errorf("text status args = %v %s %v", args, method, err)
	}
}

func errOf(_ map[string]any, err error) error            { return err }
func errOf2(_ map[string]any, _ string, err error) error { return err }
