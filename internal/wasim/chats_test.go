package wasim

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// replyTo reads p's messages up to the reply of request id, returning it
// and the chat pushes seen on the way.
func (p *wsPage) replyTo(id int) (outMsg, []Chat) {
	p.t.Helper()
	var pushed []Chat
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var m outMsg
		if err := p.conn.ReadJSON(&m); err != nil {
			p.t.Fatalf("waiting for reply %d: %v", id, err)
		}
		switch {
		case m.T == msgReply && m.ID == id:
			return m, pushed
		case m.T == msgChat:
			pushed = append(pushed, m.Chats...)
		}
	}
}

// TestChatSettingsWithWhatsAppsRefusals: a device's chat actions change the
// account's chats with WhatsApp's rules (three pins, no mute in the past, a
// cleared chat keeps starred messages, a deleted chat comes back with a new
// message), and each change is pushed to the devices.
func TestChatSettingsWithWhatsAppsRefusals(t *testing.T) {
	s, ts := manualAckSim(t)
	const me = "15551230001"
	page, _ := linkedPage(t, ts, me)
	var chats []string
	for i := range 4 {
		from := "1555999000" + strconv.Itoa(i)
		if _, err := s.Deliver(me, from, "", "hi", nil); err != nil {
			t.Fatal(err)
		}
		page.next(msgMessage)
		chats = append(chats, from+"@c.us")
	}
	id := 0
	act := func(a actReq) (outMsg, []Chat) {
		id++
		page.send(inMsg{T: msgAct, ID: id, Act: &a})
		return page.replyTo(id)
	}
	for _, c := range chats[:3] {
		if r, pushed := act(actReq{Type: "pin_chat", Chat: c, Flag: true}); !r.OK || len(r.Chats) != 1 || r.Chats[0].Pinned == 0 || len(pushed) != 1 {
			t.Fatalf("pin %s = %+v (pushed %+v)", c, r, pushed)
		}
	}
	if r, _ := act(actReq{Type: "pin_chat", Chat: chats[3], Flag: true}); r.OK || !strings.HasPrefix(r.Error, "pin_limit: ") {
		t.Fatalf("a fourth pin = %+v", r)
	}
	if r, _ := act(actReq{Type: "mute", Chat: chats[0], Value: "1"}); !strings.HasPrefix(r.Error, "negative_time_mute: ") {
		t.Errorf("mute in the past = %+v", r)
	}
	if r, _ := act(actReq{Type: "mute", Chat: chats[0], Value: "-1"}); !r.OK || r.Chats[0].MuteExpiration != -1 {
		t.Errorf("mute forever = %+v", r)
	}
	if r, _ := act(actReq{Type: "archive", Chat: "15550000000@c.us", Flag: true}); !strings.HasPrefix(r.Error, "chat_not_found: ") {
		t.Errorf("archive a chat that does not exist = %+v", r)
	}
	if r, _ := act(actReq{Type: "mark_unread", Chat: chats[1]}); r.Chats[0].UnreadCount != 1 {
		t.Errorf("marking a chat with an unread message keeps its count: %+v", r.Chats[0])
	}

	if r, pushed := act(actReq{Type: "delete_chat", Chat: chats[2]}); !r.OK || len(r.Chats) != 0 || len(pushed) != 1 || !pushed[0].Deleted {
		t.Fatalf("delete = %+v (pushed %+v)", r, pushed)
	}
	s.mu.Lock()
	_, listed := s.accounts[me].chatLocked(chats[2])
	s.mu.Unlock()
	if listed {
		t.Fatal("a deleted chat is still listed")
	}
	if _, err := s.Deliver(me, strings.TrimSuffix(chats[2], "@c.us"), "", "again", nil); err != nil {
		t.Fatal(err)
	}
	page.next(msgMessage)
	s.mu.Lock()
	c, listed := s.accounts[me].chatLocked(chats[2])
	msgs, _ := s.accounts[me].history(chats[2], 0, "")
	s.mu.Unlock()
	if !listed || c.Pinned != 0 || c.UnreadCount != 1 || len(msgs) != 1 || msgs[0].Body != "again" {
		t.Fatalf("after a new message: %+v, history %+v", c, msgs)
	}
}

// TestUsersAndBlockList: the directory says who is on WhatsApp (every
// simulated phone, and the users registered), with their LID, and blocking
// pushes the block list to the devices.
func TestUsersAndBlockList(t *testing.T) {
	s, ts := manualAckSim(t)
	const me = "15551230001"
	page, _ := linkedPage(t, ts, me)
	if _, err := s.SetUser(User{Phone: "+1 555 999 0001", LID: "12345678901", About: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUser(User{Phone: "1"}); err == nil {
		t.Error("a one-digit phone was accepted")
	}
	query := func(id int, jid string) WireUser {
		page.send(inMsg{T: msgQuery, ID: id, Q: "user", Chat: jid})
		r, _ := page.replyTo(id)
		return *r.User
	}
	if u := query(1, "15559990001@c.us"); !u.Exists || u.LID != "12345678901@lid" || u.About != "hi" || u.Known {
		t.Errorf("a registered user = %+v", u)
	}
	if u := query(2, "12345678901@lid"); !u.Exists || u.Phone != "15559990001@c.us" {
		t.Errorf("the same by LID = %+v", u)
	}
	if u := query(3, "15559990002@c.us"); u.Exists {
		t.Errorf("a number nobody registered = %+v", u)
	}
	if u := query(4, me+"@c.us"); !u.Exists {
		t.Errorf("a simulated phone = %+v", u)
	}
	page.send(inMsg{T: msgAct, ID: 5, Act: &actReq{Type: "block", Chat: "12345678901@lid", Flag: true}})
	if b := page.next(msgBlocklist); len(b.IDs) != 1 || b.IDs[0] != "15559990001@c.us" {
		t.Fatalf("block list pushed = %+v", b.IDs)
	}
	if r, _ := page.replyTo(5); !r.OK || len(r.IDs) != 1 {
		t.Fatalf("block = %+v", r)
	}
	page.send(inMsg{T: msgAct, ID: 6, Act: &actReq{Type: "block", Chat: "120363041234567890@g.us", Flag: true}})
	if r, _ := page.replyTo(6); !strings.HasPrefix(r.Error, "invalid_wid: ") {
		t.Errorf("blocking a group = %+v", r)
	}
}
