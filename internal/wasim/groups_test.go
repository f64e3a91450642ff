package wasim

import (
	"strings"
	"testing"
)

// TestGroupsSharedByPhones: a group is the server's; its changes and
// messages reach every member's linked device, admin rules hold for pages
// and control calls alike, and a number that refuses adds gets an invite.
func TestGroupsSharedByPhones(t *testing.T) {
	_, ts := manualAckSim(t)
	const a, b, c, d = "15556660001", "15556660002", "15556660003", "15556660004"
	pa, _ := linkedPage(t, ts, a)
	pb, _ := linkedPage(t, ts, b)
	if st := call(t, ts, "POST", "/__sim/groups/privacy", `{"phone":"`+d+`","refuse_adds":true}`, nil); st != 200 {
		t.Fatalf("privacy: %d", st)
	}

	pa.send(inMsg{T: msgGroup, ID: 1, Group: &groupReq{Op: "create", Subject: "Team", Participants: []string{b, c + "@c.us", d}}})
	push := pa.next(msgGroup)
	if note := pa.next(msgMessage).Msg; note.Type != "gp2" || note.Subtype != "create" || note.Author != a+"@c.us" {
		t.Fatalf("creator's notification = %+v", note)
	}
	r := pa.next(msgReply)
	gid := r.Group.ID
	codes := map[string]AddResult{}
	for _, x := range r.Results {
		codes[x.ID] = x
	}
	if !r.OK || push.Group.ID != gid || codes[b+"@c.us"].Code != addOK || codes[c+"@c.us"].Code != addOK ||
		codes[d+"@c.us"].Code != addInvite || codes[d+"@c.us"].InviteCode == "" || r.Group.Size != 3 {
		t.Fatalf("create = %+v", r)
	}
	if got := pb.next(msgGroup).Group; got.ID != gid || !got.Member || got.Invite != "" {
		t.Fatalf("bob's push = %+v", got)
	}
	pb.next(msgMessage)

	// Bob is no admin: his add is refused, with wa-js's code for the page.
	pb.send(inMsg{T: msgGroup, ID: 2, Group: &groupReq{Op: "add", Gid: gid, Participants: []string{"15556660009"}}})
	if r := pb.next(msgReply); r.OK || !strings.HasPrefix(r.Error, "group_you_are_not_admin: ") {
		t.Fatalf("non-admin add = %+v", r)
	}
	if st := call(t, ts, "POST", "/__sim/groups/"+gid+"/participants", `{"phone":"`+c+`","action":"add","participants":["15556660009"]}`, nil); st != 403 {
		t.Fatalf("control add by a non-admin: %d", st)
	}

	// Carol (no linked device) writes: both sessions get it with its author.
	if st := call(t, ts, "POST", "/__sim/groups/"+gid+"/messages", `{"phone":"`+c+`","text":"hi all"}`, nil); st != 200 {
		t.Fatalf("carol writes: %d", st)
	}
	for _, p := range []*wsPage{pa, pb} {
		if m := p.next(msgMessage).Msg; m.ChatID != gid || m.From != gid || m.Author != c+"@c.us" || m.Body != "hi all" || m.FromMe {
			t.Fatalf("carol's message = %+v", m)
		}
	}
	// Our send to the group reaches Bob with us as author.
	pa.send(inMsg{T: msgSend, ID: 3, Send: &sendReq{Key: "3EB0AABBCCDDEEFF", To: gid, Type: "chat", Body: "welcome"}})
	if r := pa.next(msgReply); !r.OK {
		t.Fatalf("send: %+v", r)
	}
	if m := pb.next(msgMessage).Msg; m.Author != a+"@c.us" || m.ChatID != gid || m.Body != "welcome" {
		t.Fatalf("our message at bob's = %+v", m)
	}

	// Only admins send: Bob's send is refused.
	pa.send(inMsg{T: msgGroup, ID: 4, Group: &groupReq{Op: "set", Gid: gid, What: "announce", Flag: true}})
	pa.next(msgGroup)
	pa.next(msgMessage)
	pa.next(msgReply)
	pb.next(msgGroup)
	pb.next(msgMessage)
	pb.send(inMsg{T: msgSend, ID: 5, Send: &sendReq{Key: "3EB0AABBCCDDEE00", To: gid, Type: "chat", Body: "me too"}})
	if r := pb.next(msgReply); r.OK || !strings.HasPrefix(r.Error, "group_not_allowed: ") {
		t.Fatalf("send in an announcement group = %+v", r)
	}

	// We remove Bob: he is told, with the change, and is no member.
	pa.send(inMsg{T: msgGroup, ID: 6, Group: &groupReq{Op: "remove", Gid: gid, Participants: []string{b}}})
	if ch := pa.next(msgGroup).Change; ch == nil || ch.Action != "remove" || ch.Author != a+"@c.us" || ch.Participants[0] != b+"@c.us" {
		t.Fatalf("remove change = %+v", ch)
	}
	got := pb.next(msgGroup)
	if got.Group.Member || got.Change == nil || got.Change.Operation != "remove" {
		t.Fatalf("bob's removal push = %+v", got)
	}
	pb.next(msgMessage)
	// The superadmin cannot be removed; unknown invites are refused.
	pa.next(msgMessage)
	pa.next(msgReply)
	pa.send(inMsg{T: msgGroup, ID: 7, Group: &groupReq{Op: "remove", Gid: gid, Participants: []string{a}}})
	if r := pa.next(msgReply); r.OK || !strings.HasPrefix(r.Error, "group_participant_is_not_a_group_member: ") {
		t.Fatalf("removing the creator = %+v", r)
	}
	if st := call(t, ts, "POST", "/__sim/groups/join", `{"phone":"`+b+`","code":"nosuchcode"}`, nil); st != 404 {
		t.Fatalf("join by unknown code: %d", st)
	}
}
