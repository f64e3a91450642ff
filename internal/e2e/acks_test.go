package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/session"
)

// TestAcksWholeRange: the simulator's phone moves sent messages through
// wa-js 4.6.0's whole ACK range. Receipts (RECEIVED, READ, PLAYED, PEER)
// reach clients as message.ack under the API's names; a failure (here
// CONTENT_TOO_BIG) changes the message, which the API then shows under
// its own name, and, as in wa-js, is no ack event.
func TestAcksWholeRange(t *testing.T) {
	skipShort(t)
	const me, bob = "15552230000", "15554450000"
	sm, pub, srv := manualAcksSession(t, "k", me)
	send := func(text string) session.Message {
		t.Helper()
		code, msg, b := srv.send("k", map[string]any{"chat_id": bob, "text": text})
		if code != http.StatusCreated {
			t.Fatalf("send: %d %s", code, b)
		}
		return msg
	}
	ack := func(id, ack string) {
		t.Helper()
		if code, b := sm.control(t, "POST", "/__sim/ack", map[string]string{"id": id, "ack": ack}); code != http.StatusOK {
			t.Fatalf("ack %s: %d %s", ack, code, b)
		}
	}
	acked := func(id string, want session.Ack) {
		t.Helper()
		pub.wait(t, "k", session.EventMessageAck, func(d any) bool {
			a := d.(session.AckEvent)
			return a.ID == id && a.Ack == want
		})
	}

	voice, failed, peer := send("a voice note, say"), send("too big"), send("to my other device")
	for _, step := range []struct {
		sim  string
		want session.Ack
	}{{"RECEIVED", session.AckDevice}, {"READ", session.AckRead}, {"PLAYED", session.AckPlayed}} {
		ack(voice.ID, step.sim)
		acked(voice.ID, step.want)
	}
	ack(failed.ID, "CONTENT_TOO_BIG")
	ack(peer.ID, "PEER")
	acked(peer.ID, session.AckPeer)
	// Events leave the page in order: had the failure been an event, it
	// would be in by now.
	if n := pub.count("k", session.EventMessageAck, msgID(failed.ID)); n != 0 {
		t.Errorf("%d message.ack events for a failed message; wa-js emits none", n)
	}

	code, b := srv.call("GET", "/v1/sessions/k/chats/"+bob+"/messages?limit=10", nil)
	var list api.MessageList
	mustJSON(t, b, &list)
	got := map[string]session.Ack{}
	for _, m := range list.Messages {
		got[m.ID] = m.Ack
	}
	want := map[string]session.Ack{voice.ID: session.AckPlayed, failed.ID: session.AckContentTooBig, peer.ID: session.AckPeer}
	for id, a := range want {
		if got[id] != a {
			t.Errorf("GET messages: %s has ack %v, want %v (%d %s)", id, got[id], a, code, b)
		}
	}
}

// manualAcksSession starts a simulator whose acks move only by
// POST /__sim/ack and a server with session id linked to phone me.
func manualAcksSession(t *testing.T, id, me string) (*sim, *recordingPublisher, *server) {
	t.Helper()
	sm := manualAckSim(t, 5*time.Second)
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, pageCallTimeout)
	srv.create(id, nil)
	srv.wait(id, session.StatusScanQRCode)
	srv.link(sm, id, me)
	return sm, pub, srv
}
