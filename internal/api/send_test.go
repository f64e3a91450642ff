package api_test

import (
	"encoding/base64"
	"net/http"
	"testing"
)

// TestSendValidation sends each kind's bad fields to a stopped session:
// every one is a 400 naming the field before the session is asked, and a
// valid body reaches the session (409: it is not WORKING).
func TestSendValidation(t *testing.T) {
	ts := newMessagingAPI(t, true)
	b64 := func(b string) string { return base64.StdEncoding.EncodeToString([]byte(b)) }
	const png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR0000"
	for _, tc := range []struct {
		name, body, field string
	}{
		{"buttons", `{"type":"buttons","chat_id":"15551234567","text":"pick"}`, "type"},
		{"list", `{"type":"list","chat_id":"15551234567","text":"pick"}`, "type"},
		{"an unknown kind", `{"type":"carousel","chat_id":"15551234567"}`, "type"},
		{"a field of another kind", `{"type":"text","chat_id":"15551234567","text":"hi","poll":{"name":"?","options":["a","b"]}}`, "poll"},
		{"caption on a sticker", `{"type":"sticker","chat_id":"15551234567","caption":"x","media":{"data":"` + b64(png) + `"}}`, "caption"},
		{"image without media", `{"type":"image","chat_id":"15551234567"}`, "media"},
		{"text without text", `{"type":"text","chat_id":"15551234567"}`, "text"},
		{"a bad chat", `{"type":"text","chat_id":"bob","text":"hi"}`, "chat_id"},
		{"a malformed reply_to", `{"type":"text","chat_id":"15551234567","text":"hi","reply_to":"x"}`, "reply_to"},
		{"a group mentioned", `{"type":"text","chat_id":"15551234567","text":"hi","mentions":["15551234567","120363041234567890@g.us"]}`, "mentions[1]"},
		{"no latitude", `{"type":"location","chat_id":"15551234567","location":{"longitude":1}}`, "location.latitude"},
		{"latitude 91", `{"type":"location","chat_id":"15551234567","location":{"latitude":91,"longitude":1}}`, "location.latitude"},
		{"longitude -181", `{"type":"location","chat_id":"15551234567","location":{"latitude":1,"longitude":-181}}`, "location.longitude"},
		{"an ftp place url", `{"type":"location","chat_id":"15551234567","location":{"latitude":1,"longitude":1,"url":"ftp://x"}}`, "location.url"},
		{"no contacts", `{"type":"contacts","chat_id":"15551234567","contacts":[]}`, "contacts"},
		{"a card without a name", `{"type":"contacts","chat_id":"15551234567","contacts":[{"phone":"15551234567"}]}`, "contacts[0].name"},
		{"a card with a bad phone", `{"type":"contacts","chat_id":"15551234567","contacts":[{"name":"A","phone":"12"}]}`, "contacts[0].phone"},
		{"a vCard that is not one", `{"type":"contacts","chat_id":"15551234567","contacts":[{"vcard":"hello"}]}`, "contacts[0].vcard"},
		{"a poll with one option", `{"type":"poll","chat_id":"15551234567","poll":{"name":"?","options":["only"]}}`, "poll.options"},
		{"a poll option twice", `{"type":"poll","chat_id":"15551234567","poll":{"name":"?","options":["a","a"]}}`, "poll.options[1]"},
		{"a poll without a name", `{"type":"poll","chat_id":"15551234567","poll":{"name":" ","options":["a","b"]}}`, "poll.name"},
		{"more choices than options", `{"type":"poll","chat_id":"15551234567","poll":{"name":"?","options":["a","b"],"selectable_count":3}}`, "poll.selectable_count"},
		{"a voice note that is not Ogg/Opus", `{"type":"voice","chat_id":"15551234567","media":{"data":"` + b64("ID3\x04\x00 not opus") + `"}}`, "media"},
		{"a sticker that is PNG", `{"type":"sticker","chat_id":"15551234567","media":{"data":"` + b64(png) + `"}}`, "media"},
		{"an image that is a PDF", `{"type":"image","chat_id":"15551234567","media":{"data":"` + b64("%PDF-1.4 x") + `"}}`, "media"},
		{"a video that is PNG", `{"type":"video","chat_id":"15551234567","media":{"data":"` + b64(png) + `"}}`, "media"},
	} {
		code, _, p := request(t, ts, "POST", "/v1/sessions/s/messages", "application/json", tc.body)
		if code != http.StatusBadRequest || p["field"] != tc.field || p["code"] != "invalid_request" {
			t.Errorf("%s: %d %v; want 400 naming %s", tc.name, code, p, tc.field)
		}
	}
	for _, body := range []string{
		`{"chat_id":"15551234567","text":"the form without type"}`,
		`{"type":"image","chat_id":"15551234567","caption":"hi","view_once":true,"media":{"data":"` + b64(png) + `"}}`,
		`{"type":"location","chat_id":"15551234567","location":{"latitude":-90,"longitude":180}}`,
		`{"type":"poll","chat_id":"15551234567","poll":{"name":"?","options":["a","b"]}}`,
		`{"type":"contacts","chat_id":"15551234567","contacts":[{"name":"A","phone":"+1 555 123 4567"},{"vcard":"BEGIN:VCARD\nFN:B\nEND:VCARD"}]}`,
	} {
		if code, _, p := request(t, ts, "POST", "/v1/sessions/s/messages", "application/json", body); code != http.StatusConflict || p["code"] != "session_not_working" {
			t.Errorf("%s: %d %v; want 409 session_not_working", body, code, p)
		}
	}
}

// TestActionValidation: bad input to the actions on a message and to
// presence is a 400 naming the field, before the session is asked.
func TestActionValidation(t *testing.T) {
	ts := newMessagingAPI(t, true)
	const msg = "/v1/sessions/s/messages/true_15551234567@c.us_3EB0F435D95D32C4C638"
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"a malformed message id", "GET", "/v1/sessions/s/messages/nope", "", "message"},
		{"a reaction that is words", "PUT", msg + "/reaction", `{"reaction":"  thumbs up please  "}`, "reaction"},
		{"an empty edit", "PATCH", msg, `{"text":" "}`, "text"},
		{"delete for all", "DELETE", msg + "?for=all", "", "for"},
		{"forward nowhere", "POST", msg + "/forward", `{"chat_ids":[]}`, "chat_ids"},
		{"forward to a bad chat", "POST", msg + "/forward", `{"chat_ids":["15551234567","x"]}`, "chat_ids[1]"},
		{"pin for a year", "PUT", msg + "/pin", `{"duration":"1y"}`, "duration"},
		{"an unknown chat state", "POST", "/v1/sessions/s/chats/15551234567/presence", `{"state":"dancing"}`, "state"},
		{"paused for a while", "POST", "/v1/sessions/s/chats/15551234567/presence", `{"state":"paused","duration_ms":1000}`, "duration_ms"},
		{"typing for an hour", "POST", "/v1/sessions/s/chats/15551234567/presence", `{"state":"typing","duration_ms":3600000}`, "duration_ms"},
		{"a bad presence", "PUT", "/v1/sessions/s/presence", `{"presence":"away"}`, "presence"},
		{"subscribe to nobody", "POST", "/v1/sessions/s/presence/subscriptions", `{"chat_ids":[]}`, "chat_ids"},
		{"seen of a bad chat", "POST", "/v1/sessions/s/chats/bob/seen", "", "chat"},
	} {
		ctype := ""
		if tc.body != "" {
			ctype = "application/json"
		}
		code, _, p := request(t, ts, tc.method, tc.path, ctype, tc.body)
		if code != http.StatusBadRequest || p["field"] != tc.field {
			t.Errorf("%s: %d %v; want 400 naming %s", tc.name, code, p, tc.field)
		}
	}
	if code, _, p := request(t, ts, "PUT", msg+"/star", "", ""); code != http.StatusConflict || p["code"] != "session_not_working" {
		t.Errorf("star on a stopped session: %d %v", code, p)
	}
}
