package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// chatFixture is a linked session with chats from bob, carol and dave and
// a group, through the real API, Chromium and the simulator.
type chatFixture struct {
	t     *testing.T
	sm    *sim
	srv   *server
	pub   *recordingPublisher
	id    string
	group string
}

const (
	chMe, chBob, chCarol, chDave = "15552220000", "15553330000", "15554440000", "15556660000"
	chBobLID                     = "987654321000333@lid"
)

func newChatFixture(t *testing.T) *chatFixture {
	skipShort(t)
	sm := msgSim(t)
	pub := newRecordingPublisher()
	f := &chatFixture{t: t, sm: sm, srv: startMsgServer(t, testDir(t), sm, pub, pageCallTimeout), pub: pub, id: "c",
		group: "120363041234567890@g.us"}
	t.Cleanup(func() { checkEventPayloads(t, pub) })
	f.srv.create(f.id, nil)
	f.srv.link(sm, f.id, chMe)
	f.control("/__sim/users", map[string]any{"phone": chBob, "lid": chBobLID, "name": "Bob B", "picture": "https://pps.example/bob.jpg",
		"about": "Busy baking", "business": map[string]any{"description": "Fresh bread", "email": "bob@example.com",
			"website": []string{"https://bob.example"}, "categories": []string{"Bakery"}}})
	f.control("/__sim/users", map[string]any{"phone": chCarol, "name": "Carol", "about": ""})
	f.control("/__sim/users", map[string]any{"phone": chDave, "name": "Dave"})
	f.control("/__sim/contacts", map[string]any{"phone": chMe, "id": chBob, "name": "Bobby"})
	for _, from := range []string{chBob, chCarol, chDave} {
		f.deliver(from, "hello from "+from)
	}
	if code, _, b := f.srv.send(f.id, map[string]any{"chat_id": f.group, "text": "hi group"}); code != http.StatusCreated {
		t.Fatalf("send to the group: %d %s", code, b)
	}
	return f
}

func (f *chatFixture) control(path string, body any) []byte {
	f.t.Helper()
	return f.sm.controlOK(f.t, fmt.Sprintf("%s %v", path, body), "POST", path, body, nil)
}

// deliver has from write to us and waits for message.received.
func (f *chatFixture) deliver(from, text string) wasim.Message {
	f.t.Helper()
	m := f.sm.deliver(f.t, map[string]any{"phone": chMe, "from": from, "text": text})
	f.pub.wait(f.t, f.id, session.EventMessageReceived, msgID(m.ID))
	return m
}

// do calls the API and decodes a 2xx answer into out.
func (f *chatFixture) do(method, path string, body, out any) (int, []byte) {
	f.t.Helper()
	code, b := f.srv.call(method, "/v1/sessions/"+f.id+path, body)
	if code/100 == 2 && out != nil {
		mustJSON(f.t, b, out)
	}
	return code, b
}

// get reads path of the session into out, failing unless it answers 200.
func (f *chatFixture) get(path string, out any) {
	f.t.Helper()
	if code, b := f.do("GET", path, nil, out); code != http.StatusOK {
		f.t.Fatalf("GET %s: %d %s", path, code, b)
	}
}

// chat reads one chat, failing unless it answers 200.
func (f *chatFixture) chat(jid string) (c session.Chat) {
	f.t.Helper()
	f.get("/chats/"+jid, &c)
	return c
}

// list reads a page of chats, failing unless it answers 200.
func (f *chatFixture) list(query string) (p session.ChatPage) {
	f.t.Helper()
	f.get("/chats"+query, &p)
	return p
}

func chatIDs(cs []session.Chat) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestChats(t *testing.T) {
	f := newChatFixture(t)
	bob, carol, dave := chBob+"@c.us", chCarol+"@c.us", chDave+"@c.us"
	all := []string{f.group, dave, carol, bob} // the latest message first

	t.Run("list, filters and paging", func(t *testing.T) {
		if got := chatIDs(f.list("").Chats); !slices.Equal(got, all) {
			t.Fatalf("chats = %v, want %v", got, all)
		}
		if got := chatIDs(f.list("?type=groups").Chats); !slices.Equal(got, []string{f.group}) {
			t.Errorf("groups = %v", got)
		}
		if got := chatIDs(f.list("?type=users&unread=true").Chats); !slices.Equal(got, all[1:]) {
			t.Errorf("unread user chats = %v", got)
		}
		p1 := f.list("?limit=3")
		p2 := f.list("?limit=3&after=" + p1.Next)
		if got := chatIDs(append(p1.Chats, p2.Chats...)); !slices.Equal(got, all) || p1.Next != carol || p2.Next != "" {
			t.Errorf("pages = %v (next %q) + %v (next %q)", chatIDs(p1.Chats), p1.Next, chatIDs(p2.Chats), p2.Next)
		}
		code, b := f.do("GET", "/chats?type=groups&after="+bob, nil, nil)
		wantProblem(t, "after outside the filter", code, b, 400, "invalid_request", "after")
		code, b = f.do("GET", "/chats?type=people", nil, nil)
		wantProblem(t, "bad type", code, b, 400, "invalid_request", "type")
		code, b = f.do("GET", "/chats?limit=0", nil, nil)
		wantProblem(t, "bad limit", code, b, 400, "invalid_request", "limit")
	})

	t.Run("one chat and the unread ones", func(t *testing.T) {
		c := f.chat("+" + chBob)
		if c.ID != bob || c.UnreadCount != 1 || c.Phone != chBob || c.LID != chBobLID || c.Archived || c.Pinned || c.Muted {
			t.Fatalf("bob's chat = %+v", c)
		}
		var u session.UnreadChats
		f.do("GET", "/chats/unread", nil, &u)
		if u.Count != 3 || u.Messages != 3 || !slices.Equal(chatIDs(u.Chats), all[1:]) {
			t.Errorf("unread = %+v", u)
		}
		code, b := f.do("GET", "/chats/15559990000", nil, nil)
		wantProblem(t, "unknown chat", code, b, 404, "chat_not_found", "")
		code, b = f.do("GET", "/chats/bob", nil, nil)
		wantProblem(t, "bad chat", code, b, 400, "invalid_request", "chat")
	})

	t.Run("archive from here and from the phone", func(t *testing.T) {
		ws := dialWS(t, f.srv, "session="+f.id+"&type="+session.EventChatArchived)
		archived := func(want bool) func(any) bool {
			return func(d any) bool { e := d.(session.ChatArchivedEvent); return e.ChatID == bob && e.Archived == want }
		}
		var c session.Chat
		if code, b := f.do("PUT", "/chats/"+chBob+"/archive", nil, &c); code != http.StatusOK || !c.Archived {
			t.Fatalf("archive: %d %s", code, b)
		}
		if e := f.pub.wait(t, f.id, session.EventChatArchived, archived(true)).Data.(session.ChatArchivedEvent); e.Phone != chBob || e.LID != chBobLID {
			t.Errorf("chat.archived = %+v", e)
		}
		if got := readUntil(t, ws, isType(session.EventChatArchived)); !strings.Contains(string(got[0].Data), `"archived":true`) {
			t.Errorf("the WebSocket got %s", got[0].Data)
		}
		if code, b := f.do("PUT", "/chats/"+chBob+"/archive", nil, &c); code != http.StatusOK || !c.Archived {
			t.Errorf("archive again: %d %s", code, b)
		}
		if got := chatIDs(f.list("?archived=true").Chats); !slices.Equal(got, []string{bob}) {
			t.Errorf("archived = %v", got)
		}
		f.control("/__sim/chat", map[string]any{"phone": chMe, "chat": bob, "archived": false})
		f.pub.wait(t, f.id, session.EventChatArchived, archived(false))
		if c := f.chat(bob); c.Archived {
			t.Errorf("after the phone unarchived: %+v", c)
		}
		if code, b := f.do("DELETE", "/chats/"+bob+"/archive", nil, &c); code != http.StatusOK || c.Archived {
			t.Errorf("unarchive: %d %s", code, b)
		}
	})

	t.Run("pin at most three", func(t *testing.T) {
		for _, c := range []string{carol, dave, bob} {
			var got session.Chat
			if code, b := f.do("PUT", "/chats/"+c+"/pin", nil, &got); code != http.StatusOK || !got.Pinned {
				t.Fatalf("pin %s: %d %s", c, code, b)
			}
		}
		code, b := f.do("PUT", "/chats/"+f.group+"/pin", nil, nil)
		wantProblem(t, "a fourth pin", code, b, 409, "not_allowed", "")
		if got := chatIDs(f.list("").Chats); len(got) != 4 || got[3] != f.group {
			t.Errorf("pinned chats do not lead: %v", got)
		}
		for _, c := range []string{carol, dave, bob} {
			var got session.Chat
			if code, b := f.do("DELETE", "/chats/"+c+"/pin", nil, &got); code != http.StatusOK || got.Pinned {
				t.Fatalf("unpin %s: %d %s", c, code, b)
			}
		}
		if got := chatIDs(f.list("").Chats); !slices.Equal(got, all) {
			t.Errorf("after unpinning: %v", got)
		}
	})

	t.Run("mute for a while, forever, unmute", func(t *testing.T) {
		var c session.Chat
		before := time.Now().Unix()
		if code, b := f.do("PUT", "/chats/"+carol+"/mute", map[string]any{"duration_seconds": 3600}, &c); code != http.StatusOK ||
			!c.Muted || c.MuteExpiration < before+3600 || c.MuteExpiration > time.Now().Unix()+3600 {
			t.Fatalf("mute an hour: %d %s", code, b)
		}
		if code, b := f.do("PUT", "/chats/"+carol+"/mute", map[string]any{"forever": true}, &c); code != http.StatusOK || !c.Muted || c.MuteExpiration != -1 {
			t.Fatalf("mute forever: %d %s", code, b)
		}
		if c := f.chat(carol); !c.Muted || c.MuteExpiration != -1 {
			t.Errorf("read back: %+v", c)
		}
		var un session.Chat
		if code, b := f.do("DELETE", "/chats/"+carol+"/mute", nil, &un); code != http.StatusOK || un.Muted || un.MuteExpiration != 0 {
			t.Errorf("unmute: %d %s", code, b)
		}
		for _, body := range []map[string]any{{}, {"duration_seconds": 5, "forever": true}, {"duration_seconds": 40000000}} {
			code, b := f.do("PUT", "/chats/"+carol+"/mute", body, nil)
			wantProblem(t, fmt.Sprint("mute ", body), code, b, 400, "invalid_request", "duration_seconds")
		}
	})

	t.Run("read, mark unread, and the unread events", func(t *testing.T) {
		unread := func(n int, marked bool) func(any) bool {
			return func(d any) bool {
				e := d.(session.ChatUnreadEvent)
				return e.ChatID == carol && e.UnreadCount == n && e.MarkedUnread == marked
			}
		}
		if code, b := f.do("POST", "/chats/"+carol+"/seen", nil, nil); code != http.StatusNoContent {
			t.Fatalf("seen: %d %s", code, b)
		}
		f.pub.wait(t, f.id, session.EventChatUnread, unread(0, false))
		var c session.Chat
		if code, b := f.do("POST", "/chats/"+carol+"/unread", nil, &c); code != http.StatusOK || !c.MarkedUnread || c.UnreadCount != 0 {
			t.Fatalf("mark unread: %d %s", code, b)
		}
		f.pub.wait(t, f.id, session.EventChatUnread, unread(0, true))
		var u session.UnreadChats
		f.do("GET", "/chats/unread", nil, &u)
		if !slices.Contains(chatIDs(u.Chats), carol) || !slices.Contains(chatIDs(f.list("?unread=true").Chats), carol) {
			t.Errorf("a chat marked unread is not among the unread: %+v", u)
		}
		f.deliver(chCarol, "are you there?")
		if e := f.pub.wait(t, f.id, session.EventChatUnread, unread(1, false)).Data.(session.ChatUnreadEvent); e.Phone != chCarol {
			t.Errorf("chat.unread = %+v", e)
		}
	})

	t.Run("labels filter", func(t *testing.T) {
		f.control("/__sim/chat", map[string]any{"phone": chMe, "chat": dave, "labels": []string{"7"}})
		eventually(t, "the label reaches the page", func() bool { return slices.Contains(f.chat(dave).Labels, "7") })
		if got := chatIDs(f.list("?label=7&label=9").Chats); !slices.Equal(got, []string{dave}) {
			t.Errorf("label 7 = %v", got)
		}
		if got := f.list("?label=9").Chats; len(got) != 0 {
			t.Errorf("label 9 = %v", chatIDs(got))
		}
	})

	t.Run("clear keeps starred messages, delete removes the chat", func(t *testing.T) {
		_, kept, b := f.srv.send(f.id, map[string]any{"chat_id": bob, "text": "keep me"})
		if kept.ID == "" {
			t.Fatalf("send: %s", b)
		}
		if code, b := f.do("PUT", "/messages/"+kept.ID+"/star", nil, nil); code != http.StatusNoContent {
			t.Fatalf("star: %d %s", code, b)
		}
		if code, b := f.do("POST", "/chats/"+bob+"/clear", nil, nil); code != http.StatusNoContent {
			t.Fatalf("clear: %d %s", code, b)
		}
		var ms struct{ Messages []session.Message }
		f.do("GET", "/chats/"+bob+"/messages", nil, &ms)
		if len(ms.Messages) != 1 || ms.Messages[0].ID != kept.ID {
			t.Errorf("after clear: %+v", ms.Messages)
		}
		if code, b := f.do("POST", "/chats/"+bob+"/clear?keep_starred=false", nil, nil); code != http.StatusNoContent {
			t.Fatalf("clear all: %d %s", code, b)
		}
		f.do("GET", "/chats/"+bob+"/messages", nil, &ms)
		if len(ms.Messages) != 0 || f.chat(bob).ID != bob {
			t.Errorf("after clear all: %+v", ms.Messages)
		}
		if code, b := f.do("DELETE", "/chats/"+dave, nil, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", code, b)
		}
		code, b := f.do("GET", "/chats/"+dave, nil, nil)
		wantProblem(t, "a deleted chat", code, b, 404, "chat_not_found", "")
		if slices.Contains(chatIDs(f.list("").Chats), dave) {
			t.Errorf("deleted chat still listed")
		}
		f.deliver(chDave, "me again")
		if c := f.chat(dave); c.UnreadCount != 1 {
			t.Errorf("dave's chat after a new message: %+v", c)
		}
		code, b = f.do("POST", "/chats/"+chDave+"/clear?keep_starred=maybe", nil, nil)
		wantProblem(t, "bad keep_starred", code, b, 400, "invalid_request", "keep_starred")
	})
}
