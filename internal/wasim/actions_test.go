package wasim

import (
	"strings"
	"testing"
)

// TestActionsReachTheOtherAccount: between two simulated accounts, a
// reply's quote is translated to the recipient's id, and a reaction, an
// edit and a revoke reach the recipient's device, as WhatsApp routes them;
// WhatsApp's refusals come back with wa-js's codes.
func TestActionsReachTheOtherAccount(t *testing.T) {
	_, ts := manualAckSim(t)
	alice, _ := linkedPage(t, ts, "15551230001")
	bob, _ := linkedPage(t, ts, "15551230002")

	alice.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0AAAA0001", To: "15551230002@c.us", Type: "chat", Body: "lunch?"}})
	first := alice.next(msgReply).Msg
	atBob := bob.next(msgMessage).Msg
	bob.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0BBBB0001", To: "15551230001@c.us", Type: "chat", Body: "yes",
		Content: Content{Quoted: atBob.ID}}})
	bob.next(msgReply)
	if reply := alice.next(msgMessage).Msg; reply.Quoted != first.ID {
		t.Fatalf("alice sees the reply quoting %q, want her own %q", reply.Quoted, first.ID)
	}

	alice.send(inMsg{T: msgAct, ID: 2, Act: &actReq{Type: "react", Msg: first.ID, Value: "👍"}})
	if r := alice.next(msgReaction).Reaction; r.Msg != first.ID || r.Sender != "15551230001@c.us" || !strings.HasPrefix(r.ID, "true_") {
		t.Fatalf("alice's own reaction = %+v", r)
	}
	if r := bob.next(msgReaction).Reaction; r.Msg != atBob.ID || r.Text != "👍" || !strings.HasPrefix(r.ID, "false_") {
		t.Fatalf("bob sees the reaction as %+v", r)
	}
	alice.next(msgReply)
	alice.send(inMsg{T: msgAct, ID: 3, Act: &actReq{Type: "edit", Msg: first.ID, Value: "lunch at 1?"}})
	if e := bob.next(msgEdit).Msg; e.ID != atBob.ID || e.Body != "lunch at 1?" || len(e.Edits) != 1 {
		t.Fatalf("bob sees the edit as %+v", e)
	}
	alice.next(msgEdit) // her own edit comes back to her devices too
	alice.next(msgReply)
	alice.send(inMsg{T: msgAct, ID: 4, Act: &actReq{Type: "edit", Msg: atBob.ID}})
	for {
		r := alice.next(msgReply)
		if r.ID == 4 {
			if r.OK || !strings.HasPrefix(r.Error, "msg_not_found") {
				t.Fatalf("editing an id alice does not hold = %+v", r)
			}
			break
		}
	}
	alice.send(inMsg{T: msgAct, ID: 5, Act: &actReq{Type: "pin", Msg: first.ID, Value: "OneDay"}})
	alice.send(inMsg{T: msgAct, ID: 6, Act: &actReq{Type: "pin", Msg: first.ID, Value: "OneDay"}})
	for {
		r := alice.next(msgReply)
		if r.ID == 6 {
			if r.OK || !strings.HasPrefix(r.Error, "pin_error: ") {
				t.Fatalf("pin twice = %+v", r)
			}
			break
		}
	}
	alice.send(inMsg{T: msgAct, ID: 7, Act: &actReq{Type: "revoke", Msg: first.ID}})
	if rv := bob.next(msgRevoke).Msg; rv.ID != atBob.ID || !rv.Revoked {
		t.Fatalf("bob sees the revoke as %+v", rv)
	}
	var out outboxResponse
	if st := call(t, ts, "GET", "/__sim/outbox?phone=15551230001", "", &out); st != 200 {
		t.Fatalf("outbox: %d", st)
	}
	var types []string
	for _, a := range out.Actions {
		types = append(types, a.Type)
	}
	if got := strings.Join(types, ","); got != "react,edit,pin,revoke" {
		t.Fatalf("alice's action log = %s", got)
	}
}

// TestPhoneSideVotesAndPresence: votes are checked against the poll, and a
// contact's presence reaches only devices that subscribed to it.
func TestPhoneSideVotesAndPresence(t *testing.T) {
	s, ts := manualAckSim(t)
	page, _ := linkedPage(t, ts, "15551230003")
	page.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0CCCC0001", To: "15559990000@c.us", Type: "poll_creation",
		Content: Content{Poll: &Poll{Name: "Lunch?", Options: []string{"Pizza", "Sushi"}, SelectableCount: 1}}}})
	poll := page.next(msgReply).Msg
	if _, err := s.Vote("15551230003", "15559990000", poll.ID, []int{0, 1}); err == nil {
		t.Fatal("two choices in a single-choice poll were accepted")
	}
	if _, err := s.Vote("15551230003", "15559990000", poll.ID, []int{2}); err == nil {
		t.Fatal("a choice outside the poll was accepted")
	}
	if _, err := s.Vote("15551230003", "15559990000", poll.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	if v := page.next(msgVote).Vote; v.Msg != poll.ID || len(v.Options) != 1 || v.Options[0] != 1 {
		t.Fatalf("vote = %+v", v)
	}
	if n, err := s.SetPresence("15551230003", "15559990000", "composing"); err != nil || n != 0 {
		t.Fatalf("presence before subscribing reached %d devices (%v)", n, err)
	}
	page.send(inMsg{T: msgAct, ID: 2, Act: &actReq{Type: "subscribe", Chats: []string{"15559990000@c.us"}}})
	page.next(msgReply)
	if n, err := s.SetPresence("15551230003", "15559990000", "composing"); err != nil || n != 1 {
		t.Fatalf("presence after subscribing reached %d devices (%v)", n, err)
	}
	if p := page.next(msgPresence).Presence; p.ID != "15559990000@c.us" || p.State != "composing" || !p.Online {
		t.Fatalf("presence = %+v", p)
	}
}
