package wasim

import (
	"strings"
	"testing"
)

// TestGroupReactionsAndHistory: a reaction to a group message reaches
// every member holding it, a member's phone's copy of the group chat can be
// read, and after leaving a member's reaction is refused.
func TestGroupReactionsAndHistory(t *testing.T) {
	_, ts := manualAckSim(t)
	const a, b, c = "15556670001", "15556670002", "15556670003"
	pa, _ := linkedPage(t, ts, a)
	pb, _ := linkedPage(t, ts, b)
	var made createGroupResponse
	if st := call(t, ts, "POST", "/__sim/groups/create", `{"phone":"`+c+`","subject":"Trio","participants":["`+a+`","`+b+`"]}`, &made); st != 200 {
		t.Fatalf("carol creates: %d", st)
	}
	gid := made.Group.ID
	for _, p := range []*wsPage{pa, pb} {
		p.next(msgGroup)
		p.next(msgMessage)
	}
	pa.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0AABBCCDD0001", To: gid, Type: "chat", Body: "hello"}})
	sent := pa.next(msgReply).Msg
	atBob := pb.next(msgMessage).Msg

	pb.send(inMsg{T: msgAct, ID: 2, Act: &actReq{Type: "react", Msg: atBob.ID, Value: "🎉"}})
	pb.next(msgReaction)
	if r := pb.next(msgReply); !r.OK {
		t.Fatalf("bob reacts: %+v", r)
	}
	if rc := pa.next(msgReaction).Reaction; rc.Msg != sent.ID || rc.Sender != b+"@c.us" || rc.Text != "🎉" {
		t.Fatalf("our copy's reaction = %+v", rc)
	}
	var hist groupHistoryResponse
	if st := call(t, ts, "GET", "/__sim/groups/"+gid+"/history?phone="+c, "", &hist); st != 200 {
		t.Fatalf("carol's history: %d", st)
	}
	last := hist.Messages[len(hist.Messages)-1]
	if last.Key != sent.Key || last.Author != a+"@c.us" || last.FromMe || last.Reactions[b+"@c.us"] != "🎉" {
		t.Fatalf("carol holds %+v", last)
	}

	if st := call(t, ts, "POST", "/__sim/groups/"+gid+"/participants", `{"phone":"`+b+`","action":"leave"}`, nil); st != 200 {
		t.Fatalf("bob leaves: %d", st)
	}
	pb.next(msgGroup)
	pb.next(msgMessage)
	pb.send(inMsg{T: msgAct, ID: 3, Act: &actReq{Type: "react", Msg: atBob.ID, Value: "👋"}})
	if r := pb.next(msgReply); r.OK || !strings.HasPrefix(r.Error, "group_not_allowed: ") {
		t.Fatalf("reaction after leaving = %+v", r)
	}
	if st := call(t, ts, "GET", "/__sim/groups/"+gid+"/history?phone=15556670009", "", nil); st != 404 {
		t.Fatalf("history of a number that is no simulated phone: %d", st)
	}
}
