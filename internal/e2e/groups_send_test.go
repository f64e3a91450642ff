package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// seeOn waits on ws for the next event of typ whose data, decoded into v,
// matches.
func seeOn(t *testing.T, ws *websocket.Conn, typ string, v any, match func() bool) {
	t.Helper()
	readUntil(t, ws, func(ev envelope) bool {
		if ev.Type != typ {
			return false
		}
		mustJSON(t, ev.Data, v)
		return match()
	})
}

// newGroupOn creates a group through session id's API and waits for its
// group.joined on ws (a WebSocket of that session taking group.joined).
func newGroupOn(t *testing.T, srv *server, ws *websocket.Conn, id, subject string, participants ...string) session.CreatedGroup {
	t.Helper()
	code, body := srv.call("POST", "/v1/sessions/"+id+"/groups", map[string]any{"subject": subject, "participants": participants})
	var created session.CreatedGroup
	if mustJSON(t, body, &created); code != http.StatusCreated {
		t.Fatalf("create %s: %d %s", subject, code, body)
	}
	var joined session.GroupJoinedEvent
	seeOn(t, ws, session.EventGroupJoined, &joined, func() bool { return joined.GroupID == created.Group.ID })
	return created
}

// groupHistory is the group's chat as the simulated phone of phone holds it.
func (sm *sim) groupHistory(t testing.TB, gid, phone string) []wasim.Message {
	t.Helper()
	code, b := sm.control(t, "GET", "/__sim/groups/"+gid+"/history?phone="+phone, nil)
	if code != http.StatusOK {
		t.Fatalf("history of %s: %d %s", phone, code, b)
	}
	var out struct{ Messages []wasim.Message }
	mustJSON(t, b, &out)
	return out.Messages
}

// heldAs waits for the phone to hold the group message with key (the part
// of a message id after its chat) and returns it.
func (sm *sim) heldAs(t testing.TB, gid, phone, key string, ok func(wasim.Message) bool) wasim.Message {
	t.Helper()
	var got wasim.Message
	eventually(t, phone+" holds "+key, func() bool {
		for _, m := range sm.groupHistory(t, gid, phone) {
			if m.Key == key && ok(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// TestGroupSend: we send every kind of part 1 to a group through the API;
// each other member's phone holds it with us as its author, and a member's
// own linked session receives it as message.received with its author. A
// group we left, and one where only admins send, refuse our sends.
func TestGroupSend(t *testing.T) {
	skipShort(t)
	const me, bob, carol = "15554480000", "15554481111", "15554482222"
	sm := fastSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{})
	srv.create("me", nil)
	srv.link(sm, "me", me)
	srv.create("bob", nil)
	srv.link(sm, "bob", bob)
	types := []string{"message.received", "message.sent", session.EventMessageReaction, session.EventGroupJoined, session.EventGroupUpdated}
	ours := dialWS(t, srv, url.Values{"session": {"me"}, "type": types}.Encode())
	bobs := dialWS(t, srv, url.Values{"session": {"bob"}, "type": types}.Encode())

	gid := newGroupOn(t, srv, ours, "me", "Crew", bob, carol).Group.ID
	var joined session.GroupJoinedEvent
	seeOn(t, bobs, session.EventGroupJoined, &joined, func() bool { return joined.GroupID == gid })

	// Carol (a phone with no linked device) asks; both sessions get it.
	c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/messages", map[string]any{"phone": carol, "text": "who is on call?"})
	var asked wasim.Message
	if mustJSON(t, b, &asked); c != http.StatusOK {
		t.Fatalf("carol writes: %d %s", c, b)
	}
	var question, bobsQuestion session.Message
	seeOn(t, ours, "message.received", &question, func() bool { return question.ChatID == gid })
	seeOn(t, bobs, "message.received", &bobsQuestion, func() bool { return bobsQuestion.ChatID == gid })
	if question.Author != carol+"@c.us" || bobsQuestion.Author != carol+"@c.us" {
		t.Fatalf("carol's message: ours %+v, bob's %+v", question, bobsQuestion)
	}

	sends := []struct {
		what string
		body map[string]any
		// check looks at the message as a member's phone holds it.
		check func(wasim.Message) bool
		// seen looks at it as bob's session received it.
		seen func(session.Message) bool
	}{
		{"text", map[string]any{"text": "hello crew"},
			func(m wasim.Message) bool { return m.Type == "chat" && m.Body == "hello crew" },
			func(m session.Message) bool { return m.Kind == "text" && m.Body == "hello crew" }},
		{"reply", map[string]any{"text": "I am", "reply_to": question.ID},
			func(m wasim.Message) bool { return m.Body == "I am" && m.Quoted == asked.ID },
			func(m session.Message) bool { return m.Body == "I am" && m.QuotedID == bobsQuestion.ID }},
		{"image", map[string]any{"type": "image", "caption": "the rota", "media": map[string]any{"data": b64(pngBytes)}},
			func(m wasim.Message) bool {
				return m.Type == "image" && m.Caption == "the rota" && m.Mimetype == "image/png" && m.MediaURL != ""
			},
			func(m session.Message) bool { return m.Kind == "image" && m.Caption == "the rota" }},
		{"poll", map[string]any{"type": "poll", "poll": map[string]any{"name": "Lunch?", "options": []string{"Pizza", "Sushi"}, "selectable_count": 1}},
			func(m wasim.Message) bool {
				return m.Type == "poll_creation" && m.Poll != nil && m.Poll.Name == "Lunch?" && len(m.Poll.Options) == 2
			},
			func(m session.Message) bool { return m.Kind == "poll" && m.Poll != nil && m.Poll.Name == "Lunch?" }},
	}
	for _, s := range sends {
		s.body["chat_id"] = gid
		code, body := srv.call("POST", "/v1/sessions/me/messages", s.body)
		var sent session.Message
		if mustJSON(t, body, &sent); code != http.StatusCreated || sent.ChatID != gid || !sent.FromMe {
			t.Fatalf("%s: %d %s", s.what, code, body)
		}
		key := sent.ID[len("true_"+gid+"_"):]
		held := sm.heldAs(t, gid, carol, key, s.check)
		if held.Author != me+"@c.us" || held.FromMe || held.From != gid {
			t.Errorf("%s as carol holds it: %+v", s.what, held)
		}
		if s.what == "image" {
			code, data := sm.control(t, "GET", held.MediaURL, nil)
			if code != http.StatusOK || !bytes.Equal(data, pngBytes) {
				t.Errorf("carol's image: %d, %d bytes, want our %d", code, len(data), len(pngBytes))
			}
		}
		var got session.Message
		seeOn(t, bobs, "message.received", &got, func() bool { return got.ChatID == gid && got.ID != bobsQuestion.ID })
		if !s.seen(got) || got.Author != me+"@c.us" || got.From != me+"@c.us" || got.FromMe || got.ID != "false_"+gid+"_"+key {
			t.Errorf("%s as bob's session received it: %+v", s.what, got)
		}
		if s.what == "image" {
			code, data := srv.call("GET", "/v1/sessions/bob/messages/"+url.PathEscape(got.ID)+"/media", nil)
			if code != http.StatusOK || !bytes.Equal(data, pngBytes) {
				t.Errorf("bob's session's image: %d, %d bytes", code, len(data))
			}
		}
	}

	// We react to Carol's question: her phone holds our reaction, bob's
	// session sees it on his copy.
	if code, body := srv.call("PUT", "/v1/sessions/me/messages/"+url.PathEscape(question.ID)+"/reaction", map[string]any{"reaction": "👍"}); code != http.StatusNoContent {
		t.Fatalf("react: %d %s", code, body)
	}
	sm.heldAs(t, gid, carol, asked.Key, func(m wasim.Message) bool { return m.Reactions[me+"@c.us"] == "👍" })
	var rc session.ReactionEvent
	seeOn(t, bobs, session.EventMessageReaction, &rc, func() bool { return rc.MessageID == bobsQuestion.ID })
	if rc.Reaction != "👍" || rc.From != me+"@c.us" || rc.FromMe || rc.ChatID != gid {
		t.Errorf("bob's session saw the reaction as %+v", rc)
	}

	// Bob's announcement group: we are a member, only admins send.
	c, b = sm.control(t, "POST", "/__sim/groups/create", map[string]any{"phone": bob, "subject": "News", "participants": []string{me}})
	var news struct{ Group struct{ ID string } }
	if mustJSON(t, b, &news); c != http.StatusOK {
		t.Fatalf("bob creates: %d %s", c, b)
	}
	seeOn(t, ours, session.EventGroupJoined, &joined, func() bool { return joined.GroupID == news.Group.ID })
	if c, b := sm.control(t, "POST", "/__sim/groups/"+news.Group.ID+"/settings", map[string]any{"phone": bob, "what": "announce", "flag": true}); c != http.StatusOK {
		t.Fatalf("announce: %d %s", c, b)
	}
	var up session.GroupUpdatedEvent
	seeOn(t, ours, session.EventGroupUpdated, &up, func() bool { return up.GroupID == news.Group.ID && up.Changed == "announcement" })
	code, body := srv.call("POST", "/v1/sessions/me/messages", map[string]any{"chat_id": news.Group.ID, "text": "may I?"})
	wantProblem(t, "send to an announcement group", code, body, http.StatusConflict, "not_allowed", "")

	// We leave our group: no more sends, no more reactions there.
	if code, body := srv.call("POST", "/v1/sessions/me/groups/"+gid+"/leave", nil); code != http.StatusNoContent {
		t.Fatalf("leave: %d %s", code, body)
	}
	eventually(t, "we are out", func() bool {
		code, body := srv.call("GET", "/v1/sessions/me/groups/"+gid, nil)
		return code == http.StatusOK && bytes.Contains(body, []byte(`"member":false`))
	})
	code, body = srv.call("POST", "/v1/sessions/me/messages", map[string]any{"chat_id": gid, "text": "still here?"})
	wantProblem(t, "send to a group we left", code, body, http.StatusConflict, "not_allowed", "")
	code, body = srv.call("PUT", "/v1/sessions/me/messages/"+url.PathEscape(question.ID)+"/reaction", map[string]any{"reaction": "👋"})
	wantProblem(t, "react in a group we left", code, body, http.StatusConflict, "not_allowed", "")
	for _, m := range sm.groupHistory(t, gid, carol) {
		if m.Author == me+"@c.us" && (m.Body == "still here?" || m.Reactions[me+"@c.us"] == "👋") {
			t.Fatalf("a refused send reached carol: %+v", m)
		}
	}
}
