package e2e

import (
	"net/http"
	"testing"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/session"
)

// TestLIDContacts: WhatsApp shows some contacts by their LID (…@lid) instead
// of their phone number. The shapes carry chat_id as WhatsApp gives it plus
// phone and lid; a route given the phone number finds the LID chat; and a
// receipt whose key names the LID (wa-js rebuilds ack keys from receipts)
// still becomes message.ack for the id the client got.
func TestLIDContacts(t *testing.T) {
	skipShort(t)
	const me, carol, carolLID = "15552220000", "15554440000", "987654321012345"
	const lidJID = carolLID + "@lid"
	sm, pub, srv := manualAcksSession(t, "l", me)

	in := sm.deliver(t, map[string]string{"phone": me, "from": carol, "from_lid": carolLID, "from_name": "Carol", "text": "hi from my lid"})
	got := pub.wait(t, "l", session.EventMessageReceived, msgID(in.ID)).Data.(session.Message)
	if got.ChatID != lidJID || got.From != lidJID || got.Phone != carol || got.LID != lidJID {
		t.Fatalf("received = %+v, want chat_id and from %s with phone %s", got, lidJID, carol)
	}

	// Sending to the phone number lands in the LID chat.
	code, msg, b := srv.send("l", map[string]any{"chat_id": "+1 555 444 0000", "text": "hello carol"})
	if code != http.StatusCreated || msg.ChatID != lidJID || msg.Phone != carol || msg.LID != lidJID {
		t.Fatalf("send by phone number: %d %s", code, b)
	}
	out := sm.outbox(t, me)
	if len(out) != 1 || out[0].To != lidJID || out[0].Body != "hello carol" {
		t.Fatalf("outbox = %+v, want the message to %s", out, lidJID)
	}

	// Every route taking a chat id finds the same chat by number, @c.us or @lid.
	for _, chat := range []string{carol, carol + "@c.us", lidJID} {
		code, b := srv.call("GET", "/v1/sessions/l/chats/"+chat+"/messages?limit=10", nil)
		var list api.MessageList
		mustJSON(t, b, &list)
		if code != http.StatusOK || len(list.Messages) != 2 || list.Messages[1].ID != msg.ID {
			t.Errorf("messages of %s: %d %s", chat, code, b)
		}
	}
	code, b = srv.call("GET", "/v1/sessions/l/chats", nil)
	var chats session.ChatPage
	mustJSON(t, b, &chats)
	if code != http.StatusOK || len(chats.Chats) != 1 || chats.Chats[0].ID != lidJID || chats.Chats[0].Phone != carol {
		t.Fatalf("chats: %d %s", code, b)
	}

	// Dave writes from his number first, then from his LID: his number's
	// chat stays, sends by number go there, and his receipts name the LID.
	const dave, daveLID = "15556660000", "123456789000111"
	for _, lid := range []string{"", daveLID} {
		m := sm.deliver(t, map[string]string{"phone": me, "from": dave, "from_lid": lid, "text": "hi"})
		pub.wait(t, "l", session.EventMessageReceived, msgID(m.ID))
	}
	code, msg, b = srv.send("l", map[string]any{"chat_id": dave, "text": "hello dave"})
	if code != http.StatusCreated || msg.ChatID != dave+"@c.us" || msg.LID != daveLID+"@lid" {
		t.Fatalf("send to dave: %d %s", code, b)
	}
	if code, b := sm.control(t, "POST", "/__sim/ack", map[string]string{"id": msg.ID, "ack": "DEVICE"}); code != http.StatusOK {
		t.Fatalf("ack: %d %s", code, b)
	}
	pub.wait(t, "l", session.EventMessageAck, func(d any) bool {
		a := d.(session.AckEvent)
		return a.ID == msg.ID && a.Ack == session.AckDevice && a.ChatID == dave+"@c.us"
	})
}
