package e2e

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// Files whose type the server must detect from their bytes.
var (
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), randomBytes(200)...)
	webpBytes = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), randomBytes(200)...)
	pdfBytes  = append([]byte("%PDF-1.7\n"), randomBytes(500)...)
	mp3Bytes  = append([]byte("\xff\xfb\x90\x64"), make([]byte, 400)...) // an MPEG-1 Layer III frame header
)

// oggOpus is an Ogg stream whose first packet is an Opus header, as
// WhatsApp's voice notes are.
func oggOpus() []byte {
	page := append([]byte("OggS\x00\x02"), make([]byte, 22)...) // header up to the segment table
	page = append(page, "OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"...)
	return append(page, randomBytes(300)...)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestMessagingKinds(t *testing.T) {
	skipShort(t)
	sm := msgSim(t)
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, pageCallTimeout)
	const me, bob, carol = "15552220000", "15553330000", "15554440000"
	srv.create("k", nil)
	srv.link(sm, "k", me)
	newTypes := []string{session.EventMessageReaction, session.EventMessageEdited, session.EventMessageRevoked,
		session.EventPollVote, session.EventPresenceUpdate}
	rcv := newReceiver(t)
	srv.webhookTo(rcv, map[string]any{"sessions": []string{"k"}, "types": newTypes})
	ws := dialWS(t, srv, "session=k&type="+strings.Join(newTypes, ","))

	deliver := func(body map[string]any) wasim.Message {
		t.Helper()
		body["phone"], body["from"] = me, bob
		return sm.deliver(t, body)
	}
	send := func(t *testing.T, body map[string]any) session.Message {
		t.Helper()
		code, msg, b := srv.send("k", body)
		if code != http.StatusCreated {
			t.Fatalf("send %v: %d %s", body["type"], code, b)
		}
		return msg
	}
	in := deliver(map[string]any{"text": "what's for lunch?", "from_name": "Bob"})
	pub.wait(t, "k", session.EventMessageReceived, msgID(in.ID))

	var replyID string
	t.Run("text replies with a mention and a link preview", func(t *testing.T) {
		msg := send(t, map[string]any{"type": "text", "chat_id": bob, "text": "@15554440000 pizza https://example.com",
			"reply_to": in.ID, "mentions": []string{carol}, "link_preview": true})
		if msg.Kind != "text" || msg.QuotedID != in.ID || !slices.Equal(msg.Mentions, []string{carol + "@c.us"}) {
			t.Fatalf("sent = %+v", msg)
		}
		out := sm.sentAs(t, me, msg.ID)
		if out.Quoted != in.ID || !slices.Equal(out.Mentions, []string{carol + "@c.us"}) || out.Kind != "text" {
			t.Fatalf("the phone sees %+v", out)
		}
		ev := pub.wait(t, "k", session.EventMessageSent, msgID(msg.ID)).Data.(session.Message)
		if ev.QuotedID != in.ID || len(ev.Mentions) != 1 {
			t.Fatalf("message.sent = %+v", ev)
		}
		replyID = msg.ID
	})

	t.Run("each media kind goes out as WhatsApp shows it", func(t *testing.T) {
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(pdfBytes)
		}))
		defer origin.Close()
		for _, tc := range []struct {
			name     string
			body     map[string]any
			wantType string // as WhatsApp (the simulator) records it
			check    func(wasim.Message) bool
		}{
			{"image, view once, detected PNG", map[string]any{"type": "image", "media": map[string]any{"data": b64(pngBytes)},
				"caption": "look @15554440000", "view_once": true, "mentions": []string{carol}}, "image",
				func(m wasim.Message) bool {
					return m.ViewOnce && m.Mimetype == "image/png" && m.Caption == "look @15554440000" && len(m.Mentions) == 1
				}},
			{"gif", map[string]any{"type": "video", "gif": true, "media": map[string]any{"data": b64(randomBytes(400)), "mimetype": "video/mp4"}}, "video",
				func(m wasim.Message) bool { return m.GIF }},
			{"round video", map[string]any{"type": "video", "round": true, "media": map[string]any{"data": b64(randomBytes(400)), "mimetype": "video/mp4"}}, "ptv",
				func(m wasim.Message) bool { return m.Kind == "video" }},
			{"audio", map[string]any{"type": "audio", "media": map[string]any{"data": b64(mp3Bytes)}}, "audio",
				func(m wasim.Message) bool { return m.Mimetype == "audio/mpeg" }},
			{"voice note", map[string]any{"type": "voice", "reply_to": in.ID, "media": map[string]any{"data": b64(oggOpus())}}, "ptt",
				func(m wasim.Message) bool { return m.Mimetype == "audio/ogg" && m.Quoted == in.ID && m.Kind == "voice" }},
			{"document by URL, type from the bytes", map[string]any{"type": "document", "media": map[string]any{"url": origin.URL + "/q3/report"}}, "document",
				func(m wasim.Message) bool { return m.Mimetype == "application/pdf" && m.Filename == "report" }},
			{"sticker", map[string]any{"type": "sticker", "media": map[string]any{"data": b64(webpBytes)}}, "sticker",
				func(m wasim.Message) bool { return m.Mimetype == "image/webp" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.body["chat_id"] = bob
				msg := send(t, tc.body)
				out := sm.sentAs(t, me, msg.ID)
				if out.Type != tc.wantType || !tc.check(out) || msg.Kind != tc.body["type"] {
					t.Fatalf("API answered %+v; the phone sees %+v", msg, out)
				}
			})
		}
	})

	t.Run("location, contact cards and a poll go out", func(t *testing.T) {
		loc := send(t, map[string]any{"type": "location", "chat_id": bob, "location": map[string]any{"latitude": -22.95201, "longitude": -43.2102601,
			"name": "Cristo Redentor", "address": "Rio de Janeiro", "url": "https://example.com/cristo"}})
		if out := sm.sentAs(t, me, loc.ID); out.Type != "location" || out.Location == nil || out.Location.Lat != -22.95201 || out.Location.Name != "Cristo Redentor" {
			t.Fatalf("location: the phone sees %+v", out)
		}
		if loc.Location == nil || loc.Location.Address != "Rio de Janeiro" || loc.Kind != "location" {
			t.Fatalf("location: API answered %+v", loc)
		}
		card := send(t, map[string]any{"type": "contacts", "chat_id": bob, "contacts": []map[string]any{{"name": "Carol", "phone": "+1 555 444 0000"}}})
		if out := sm.sentAs(t, me, card.ID); out.Type != "vcard" || len(out.VCards) != 1 || !strings.Contains(out.VCards[0].VCard, "waid=15554440000") {
			t.Fatalf("contact: the phone sees %+v", out)
		}
		cards := send(t, map[string]any{"type": "contacts", "chat_id": bob, "contacts": []map[string]any{{"name": "Carol", "phone": carol},
			{"vcard": "BEGIN:VCARD\nVERSION:3.0\nFN:Dave\nTEL;type=CELL;waid=15556660000:+15556660000\nEND:VCARD"}}})
		if out := sm.sentAs(t, me, cards.ID); out.Type != "multi_vcard" || len(out.VCards) != 2 || out.VCards[1].DisplayName != "Dave" {
			t.Fatalf("contacts: the phone sees %+v", out)
		}
		if len(cards.Contacts) != 2 || cards.Contacts[1].Name != "Dave" {
			t.Fatalf("contacts: API answered %+v", cards)
		}
		poll := send(t, map[string]any{"type": "poll", "chat_id": bob, "poll": map[string]any{"name": "Lunch?", "options": []string{"Pizza", "Sushi", "Tacos"}, "selectable_count": 1}})
		if out := sm.sentAs(t, me, poll.ID); out.Type != "poll_creation" || out.Poll == nil || len(out.Poll.Options) != 3 {
			t.Fatalf("poll: the phone sees %+v", out)
		}
		if code, b := sm.control(t, "POST", "/__sim/vote", map[string]any{"phone": me, "from": bob, "id": poll.ID, "options": []int{1}}); code != http.StatusOK {
			t.Fatalf("vote: %d %s", code, b)
		}
		v := pub.wait(t, "k", session.EventPollVote, func(d any) bool { return d.(session.PollVoteEvent).MessageID == poll.ID }).Data.(session.PollVoteEvent)
		if v.Voter != bob+"@c.us" || len(v.Selected) != 1 || v.Selected[0].Name != "Sushi" || v.Selected[0].Index != 1 {
			t.Fatalf("poll.vote = %+v", v)
		}
		code, b := srv.call("GET", "/v1/sessions/k/messages/"+poll.ID+"/votes", nil)
		var votes session.PollVotes
		mustJSON(t, b, &votes)
		if code != http.StatusOK || len(votes.Votes) != 1 || votes.Votes[0].Voter != bob+"@c.us" || votes.Votes[0].Selected[0].Name != "Sushi" {
			t.Fatalf("votes: %d %s", code, b)
		}
	})

	t.Run("bad input is a problem naming the field", func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			body          map[string]any
			status        int
			code, field   string
			detailMention string
		}{
			{"reply to nothing", map[string]any{"type": "text", "chat_id": bob, "text": "hi", "reply_to": "false_" + bob + "@c.us_3A00000000000000000000"},
				http.StatusNotFound, "message_not_found", "reply_to", ""},
			{"poll with one option", map[string]any{"type": "poll", "chat_id": bob, "poll": map[string]any{"name": "?", "options": []string{"only"}}},
				http.StatusBadRequest, "invalid_request", "poll.options", ""},
			{"latitude 91", map[string]any{"type": "location", "chat_id": bob, "location": map[string]any{"latitude": 91, "longitude": 0}},
				http.StatusBadRequest, "invalid_request", "location.latitude", ""},
			{"voice note that is MP3", map[string]any{"type": "voice", "chat_id": bob, "media": map[string]any{"data": b64(mp3Bytes)}},
				http.StatusBadRequest, "invalid_request", "media", "Ogg/Opus"},
			{"buttons", map[string]any{"type": "buttons", "chat_id": bob, "text": "pick"},
				http.StatusBadRequest, "invalid_request", "type", "no longer"},
			{"a field of another kind", map[string]any{"type": "text", "chat_id": bob, "text": "hi", "location": map[string]any{"latitude": 1, "longitude": 1}},
				http.StatusBadRequest, "invalid_request", "location", ""},
			{"a mention that is not a person", map[string]any{"type": "text", "chat_id": bob, "text": "hi", "mentions": []string{"nobody"}},
				http.StatusBadRequest, "invalid_request", "mentions[0]", ""},
		} {
			code, _, b := srv.send("k", tc.body)
			wantProblem(t, tc.name, code, b, tc.status, tc.code, tc.field)
			if !strings.Contains(string(b), tc.detailMention) {
				t.Errorf("%s: %s does not say %q", tc.name, b, tc.detailMention)
			}
		}
	})

	t.Run("acting on messages: the phone sees each step", func(t *testing.T) {
		base := "/v1/sessions/k/messages/"
		if code, b := srv.call("PUT", base+in.ID+"/reaction", map[string]string{"reaction": "👍"}); code != http.StatusNoContent {
			t.Fatalf("react: %d %s", code, b)
		}
		sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "react" && a.MessageID == in.ID && a.Value == "👍" })
		r := pub.wait(t, "k", session.EventMessageReaction, func(d any) bool { return d.(session.ReactionEvent).MessageID == in.ID }).Data.(session.ReactionEvent)
		if !r.FromMe || r.Reaction != "👍" || r.ChatID != bob+"@c.us" {
			t.Fatalf("our reaction = %+v", r)
		}
		if code, b := srv.call("PATCH", base+replyID, map[string]string{"text": "sushi, actually"}); code != http.StatusOK || !strings.Contains(string(b), "sushi, actually") {
			t.Fatalf("edit: %d %s", code, b)
		}
		if out := sm.sentAs(t, me, replyID); out.Body != "sushi, actually" || len(out.Edits) != 1 {
			t.Fatalf("the phone sees the edit as %+v", out)
		}
		e := pub.wait(t, "k", session.EventMessageEdited, func(d any) bool { return d.(session.EditEvent).ID == replyID }).Data.(session.EditEvent)
		if e.Body != "sushi, actually" || !e.FromMe {
			t.Fatalf("message.edited = %+v", e)
		}
		if code, b := srv.call("PUT", base+replyID+"/pin", map[string]string{"duration": "30d"}); code != http.StatusNoContent {
			t.Fatalf("pin: %d %s", code, b)
		}
		if out := sm.sentAs(t, me, replyID); out.Pinned != "ThirtyDays" {
			t.Fatalf("the phone sees the pin as %q", out.Pinned)
		}
		code, b := srv.call("PUT", base+replyID+"/pin", nil)
		wantProblem(t, "pin twice", code, b, http.StatusConflict, "not_allowed", "")
		code, b = srv.call("PUT", base+replyID+"/pin", map[string]string{"duration": "1y"})
		wantProblem(t, "pin for a year", code, b, http.StatusBadRequest, "invalid_request", "duration")
		for _, step := range []struct{ method, path, action string }{
			{"DELETE", "/pin", "unpin"}, {"PUT", "/star", "star"}, {"DELETE", "/star", "unstar"},
		} {
			if code, b := srv.call(step.method, base+replyID+step.path, nil); code != http.StatusNoContent {
				t.Fatalf("%s: %d %s", step.action, code, b)
			}
			sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == step.action && a.MessageID == replyID })
		}
		code, b = srv.call("POST", base+replyID+"/forward", map[string]any{"chat_ids": []string{carol}})
		if code != http.StatusOK {
			t.Fatalf("forward: %d %s", code, b)
		}
		msgs, _ := sm.outboxAll(t, me)
		if last := msgs[len(msgs)-1]; last.To != carol+"@c.us" || !last.Forwarded || last.Body != "sushi, actually" {
			t.Fatalf("the phone sees the forward as %+v", last)
		}
		code, b = srv.call("GET", base+replyID, nil)
		var got session.Message
		mustJSON(t, b, &got)
		if code != http.StatusOK || got.Body != "sushi, actually" || !got.Edited || got.QuotedID != in.ID {
			t.Fatalf("get: %d %s", code, b)
		}
		code, b = srv.call("DELETE", base+in.ID, nil)
		wantProblem(t, "revoke someone else's message", code, b, http.StatusConflict, "not_allowed", "")
		if code, b := srv.call("DELETE", base+replyID+"?for=everyone", nil); code != http.StatusOK || !strings.Contains(string(b), `"revoked":true`) {
			t.Fatalf("revoke: %d %s", code, b)
		}
		if out := sm.sentAs(t, me, replyID); !out.Revoked {
			t.Fatalf("the phone still sees %+v", out)
		}
		rv := pub.wait(t, "k", session.EventMessageRevoked, msgID(replyID)).Data.(session.RevokeEvent)
		if !rv.FromMe {
			t.Fatalf("message.revoked of ours = %+v", rv)
		}
		if code, b := srv.call("DELETE", base+in.ID+"?for=me", nil); code != http.StatusOK || !strings.Contains(string(b), `"deleted":true`) {
			t.Fatalf("delete for me: %d %s", code, b)
		}
		code, b = srv.call("GET", base+"false_"+bob+"@c.us_3A0000000000000000DEAD", nil)
		wantProblem(t, "get a missing message", code, b, http.StatusNotFound, "message_not_found", "")
	})

	t.Run("the phone side sends every kind and acts on ours", func(t *testing.T) {
		voice := deliver(map[string]any{"type": "ptt", "media": map[string]any{"data": b64(oggOpus()), "mimetype": "audio/ogg; codecs=opus"}})
		loc := deliver(map[string]any{"type": "location", "location": map[string]any{"lat": 48.8584, "lng": 2.2945, "name": "Tour Eiffel", "address": "Paris"}})
		card := deliver(map[string]any{"type": "vcard", "vcards": []map[string]string{{"displayName": "Erin", "vcard": "BEGIN:VCARD\nVERSION:3.0\nFN:Erin\nEND:VCARD"}}})
		quote := deliver(map[string]any{"text": "see above @15552220000", "quoted_id": loc.ID, "mentions": []string{me + "@c.us"}})
		for _, c := range []struct {
			id    string
			check func(session.Message) bool
		}{
			{voice.ID, func(m session.Message) bool { return m.Kind == "voice" && m.Type == "ptt" }},
			{loc.ID, func(m session.Message) bool {
				return m.Kind == "location" && m.Location != nil && m.Location.Name == "Tour Eiffel" && m.Location.Address == "Paris"
			}},
			{card.ID, func(m session.Message) bool {
				return m.Kind == "contacts" && len(m.Contacts) == 1 && m.Contacts[0].Name == "Erin"
			}},
			{quote.ID, func(m session.Message) bool {
				return m.QuotedID == loc.ID && slices.Equal(m.Mentions, []string{me + "@c.us"})
			}},
		} {
			if got := pub.wait(t, "k", session.EventMessageReceived, msgID(c.id)).Data.(session.Message); !c.check(got) {
				t.Errorf("message.received = %+v", got)
			}
		}
		if code, b := srv.call("POST", "/v1/sessions/k/messages/"+voice.ID+"/played", nil); code != http.StatusNoContent {
			t.Fatalf("played: %d %s", code, b)
		}
		sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "played" && a.MessageID == voice.ID })
		if code, b := sm.control(t, "POST", "/__sim/edit", map[string]any{"phone": me, "id": quote.ID, "text": "see the map"}); code != http.StatusOK {
			t.Fatalf("phone edit: %d %s", code, b)
		}
		e := pub.wait(t, "k", session.EventMessageEdited, func(d any) bool { return d.(session.EditEvent).ID == quote.ID }).Data.(session.EditEvent)
		if e.FromMe || e.Body != "see the map" {
			t.Fatalf("their edit = %+v", e)
		}
		if code, b := sm.control(t, "POST", "/__sim/reaction", map[string]any{"phone": me, "from": bob, "id": loc.ID, "reaction": "❤️"}); code != http.StatusOK {
			t.Fatalf("phone reaction: %d %s", code, b)
		}
		r := pub.wait(t, "k", session.EventMessageReaction, func(d any) bool { return d.(session.ReactionEvent).MessageID == loc.ID }).Data.(session.ReactionEvent)
		if r.FromMe || r.From != bob+"@c.us" || r.Reaction != "❤️" {
			t.Fatalf("their reaction = %+v", r)
		}
		if code, b := sm.control(t, "POST", "/__sim/revoke", map[string]any{"phone": me, "id": card.ID}); code != http.StatusOK {
			t.Fatalf("phone revoke: %d %s", code, b)
		}
		if rv := pub.wait(t, "k", session.EventMessageRevoked, msgID(card.ID)).Data.(session.RevokeEvent); rv.FromMe {
			t.Fatalf("their revoke = %+v", rv)
		}
	})

	t.Run("read state and presence", func(t *testing.T) {
		if code, b := srv.call("POST", "/v1/sessions/k/chats/"+bob+"/seen", nil); code != http.StatusNoContent {
			t.Fatalf("seen: %d %s", code, b)
		}
		sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "seen" && a.ChatID == bob+"@c.us" })
		code, b := srv.call("POST", "/v1/sessions/k/chats/15550009999/seen", nil)
		wantProblem(t, "seen of an unknown chat", code, b, http.StatusNotFound, "chat_not_found", "")
		for _, st := range []struct{ state, want string }{{"typing", "composing"}, {"recording", "recording"}, {"paused", "paused"}} {
			if code, b := srv.call("POST", "/v1/sessions/k/chats/"+bob+"/presence", map[string]any{"state": st.state}); code != http.StatusNoContent {
				t.Fatalf("%s: %d %s", st.state, code, b)
			}
			sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "chatstate" && a.Value == st.want })
		}
		code, b = srv.call("POST", "/v1/sessions/k/chats/"+bob+"/presence", map[string]any{"state": "dancing"})
		wantProblem(t, "an unknown chat state", code, b, http.StatusBadRequest, "invalid_request", "state")
		for _, p := range []string{"available", "unavailable"} {
			if code, b := srv.call("PUT", "/v1/sessions/k/presence", map[string]string{"presence": p}); code != http.StatusNoContent {
				t.Fatalf("presence %s: %d %s", p, code, b)
			}
			sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "presence" && a.Value == p })
		}
		// Presence reaches us only once we subscribed, as with WhatsApp.
		code, b = sm.control(t, "POST", "/__sim/presence", map[string]any{"phone": me, "from": bob, "state": "available"})
		if code != http.StatusOK || !strings.Contains(string(b), `"devices":0`) {
			t.Fatalf("presence before subscribing: %d %s", code, b)
		}
		code, b = srv.call("POST", "/v1/sessions/k/presence/subscriptions", map[string]any{"chat_ids": []string{bob}})
		if code != http.StatusOK || !strings.Contains(string(b), bob+"@c.us") {
			t.Fatalf("subscribe: %d %s", code, b)
		}
		if code, b := sm.control(t, "POST", "/__sim/presence", map[string]any{"phone": me, "from": bob, "state": "composing"}); code != http.StatusOK {
			t.Fatalf("phone presence: %d %s", code, b)
		}
		p := pub.wait(t, "k", session.EventPresenceUpdate, nil).Data.(session.PresenceEvent)
		if p.ChatID != bob+"@c.us" || p.State != "typing" || !p.Online {
			t.Fatalf("presence.update = %+v", p)
		}
	})

	t.Run("each new event type reaches a filtered webhook and WebSocket", func(t *testing.T) {
		for _, typ := range newTypes {
			rcv.waitEvent(t, typ, isType(typ))
		}
		seen := map[string]bool{}
		readUntil(t, ws, func(ev envelope) bool {
			if !slices.Contains(newTypes, ev.Type) {
				t.Errorf("the WebSocket filtered to %v sent %s", newTypes, ev.Type)
			}
			seen[ev.Type] = true
			return len(seen) == len(newTypes)
		})
	})
}
