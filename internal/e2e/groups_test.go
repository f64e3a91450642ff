package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/internal/session"
)

// groupWatch sees a session's events on a WebSocket and a signed webhook at
// once: every step of a test is checked on both.
type groupWatch struct {
	t   *testing.T
	ws  *websocket.Conn
	rcv *receiver
}

// see waits for the next event of typ on the WebSocket that matches and
// for the same event (same id) on the webhook, and decodes its data.
func (g *groupWatch) see(what, typ string, v any, match func() bool) envelope {
	g.t.Helper()
	var hit envelope
	readUntil(g.t, g.ws, func(ev envelope) bool {
		if ev.Type != typ {
			return false
		}
		mustJSON(g.t, ev.Data, v)
		if !match() {
			return false
		}
		hit = ev
		return true
	})
	g.rcv.waitEvent(g.t, what, func(ev envelope) bool { return ev.ID == hit.ID && ev.Type == typ })
	return hit
}

func TestGroupLife(t *testing.T) {
	skipShort(t)
	const me, bob, carol, dave = "15554440000", "15554441111", "15554442222", "15554443333"
	sm, srv := fastServer(t)
	rcv := newReceiver(t)
	types := []string{session.EventGroupJoined, session.EventGroupLeft, session.EventGroupParticipants, session.EventGroupUpdated, "message.received"}
	srv.webhookTo(rcv, map[string]any{"types": types})
	srv.create("grp", nil)
	srv.link(sm, "grp", me)
	q := url.Values{"session": {"grp"}, "type": types}
	w := &groupWatch{t: t, ws: dialWS(t, srv, q.Encode()), rcv: rcv}
	base := "/v1/sessions/grp/groups"

	// Dave lets only his contacts add him: WhatsApp sends him an invite.
	if c, b := sm.control(t, "POST", "/__sim/groups/privacy", map[string]any{"phone": dave, "refuse_adds": true}); c != http.StatusOK {
		t.Fatalf("privacy: %d %s", c, b)
	}
	code, body := srv.call("POST", base, map[string]any{"subject": "Support", "participants": []string{"+1 555 444 1111", carol + "@c.us", dave}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var created session.CreatedGroup
	mustJSON(t, body, &created)
	gid := created.Group.ID
	results := map[string]session.ParticipantResult{}
	for _, r := range created.Results {
		results[r.ID] = r
	}
	if r := results[dave+"@c.us"]; r.OK || r.Code != "invited" || r.InviteCode == "" || r.InviteCodeExp == 0 {
		t.Fatalf("dave's result = %+v, want invited with an invite code", r)
	}
	if !results[bob+"@c.us"].OK || !results[carol+"@c.us"].OK || len(created.Group.Participants) != 3 {
		t.Fatalf("created %+v", created)
	}
	var joined session.GroupJoinedEvent
	w.see("group.joined", session.EventGroupJoined, &joined, func() bool { return joined.GroupID == gid })
	if joined.Reason != "created" || joined.By != me+"@c.us" || joined.Group == nil || joined.Group.Subject != "Support" {
		t.Fatalf("joined = %+v", joined)
	}

	// Bob writes to the group: every member's session gets it, with its author.
	if c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/messages", map[string]any{"phone": bob, "text": "hello team"}); c != http.StatusOK {
		t.Fatalf("bob writes: %d %s", c, b)
	}
	var msg session.Message
	w.see("bob's message", "message.received", &msg, func() bool { return msg.ChatID == gid })
	if msg.Body != "hello team" || msg.Author != bob+"@c.us" || msg.From != bob+"@c.us" || msg.FromMe {
		t.Fatalf("group message = %+v", msg)
	}

	// We promote Bob.
	// Groups in common: bob is in it; dave, only invited, is not.
	for contact, want := range map[string]bool{bob: true, dave: false} {
		code, body := srv.call("GET", "/v1/sessions/grp/contacts/"+contact+"/groups", nil)
		var common struct{ Groups []string }
		if code != http.StatusOK {
			t.Fatalf("common groups with %s: %d %s", contact, code, body)
		}
		if mustJSON(t, body, &common); slices.Contains(common.Groups, gid) != want {
			t.Errorf("common groups with %s = %v; want %s in it: %v", contact, common.Groups, gid, want)
		}
	}
	code, body = srv.call("POST", base+"/"+gid+"/participants/promote", map[string]any{"participants": []string{bob}})
	if code != http.StatusOK || !strings.Contains(string(body), `"ok":true`) {
		t.Fatalf("promote: %d %s", code, body)
	}
	var pe session.GroupParticipantsEvent
	w.see("promote", session.EventGroupParticipants, &pe, func() bool { return pe.Action == "promote" })
	if pe.GroupID != gid || pe.By != me+"@c.us" || !slices.Equal(pe.Participants, []string{bob + "@c.us"}) {
		t.Fatalf("promote event = %+v", pe)
	}
	code, body = srv.call("GET", base+"/"+gid, nil)
	var g session.Group
	mustJSON(t, body, &g)
	if code != http.StatusOK || !slices.Contains(g.Participants, session.GroupParticipant{ID: bob + "@c.us", Role: "admin"}) ||
		!slices.Contains(g.Participants, session.GroupParticipant{ID: me + "@c.us", Role: "superadmin"}) {
		t.Fatalf("group after promote: %d %+v", code, g)
	}

	// We rename it.
	if code, body = srv.call("PUT", base+"/"+gid+"/subject", map[string]any{"subject": "Support (EU)"}); code != http.StatusNoContent {
		t.Fatalf("rename: %d %s", code, body)
	}
	var up session.GroupUpdatedEvent
	w.see("rename", session.EventGroupUpdated, &up, func() bool { return up.Changed == "subject" })
	if up.By != me+"@c.us" || up.Group == nil || up.Group.Subject != "Support (EU)" {
		t.Fatalf("rename event = %+v", up)
	}

	// We revoke the invite link: the old code leads nowhere.
	var inv, fresh session.GroupInvite
	code, body = srv.call("GET", base+"/"+gid+"/invite", nil)
	mustJSON(t, body, &inv)
	if code != http.StatusOK || !strings.HasSuffix(inv.Link, "/"+inv.Code) {
		t.Fatalf("invite: %d %s", code, body)
	}
	code, body = srv.call("DELETE", base+"/"+gid+"/invite", nil)
	mustJSON(t, body, &fresh)
	if code != http.StatusOK || fresh.Code == "" || fresh.Code == inv.Code {
		t.Fatalf("revoke: %d %s (old %s)", code, body, inv.Code)
	}
	w.see("invite revoked", session.EventGroupUpdated, &up, func() bool { return up.Changed == "invite" })
	code, body = srv.call("GET", base+"/join?code="+inv.Code, nil)
	wantProblem(t, "old invite", code, body, http.StatusNotFound, "invite_not_found", "")
	if code, body = srv.call("GET", base+"/join?code="+url.QueryEscape(fresh.Link), nil); code != http.StatusOK || !strings.Contains(string(body), gid) {
		t.Fatalf("new invite info: %d %s", code, body)
	}

	// Carol leaves.
	if c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/participants", map[string]any{"phone": carol, "action": "leave"}); c != http.StatusOK {
		t.Fatalf("carol leaves: %d %s", c, b)
	}
	w.see("carol left", session.EventGroupParticipants, &pe, func() bool { return pe.Action == "remove" })
	if pe.Reason != "left" || pe.By != carol+"@c.us" || !slices.Equal(pe.Participants, []string{carol + "@c.us"}) {
		t.Fatalf("carol's leave = %+v", pe)
	}

	// We leave.
	if code, body = srv.call("POST", base+"/"+gid+"/leave", nil); code != http.StatusNoContent {
		t.Fatalf("leave: %d %s", code, body)
	}
	var left session.GroupLeftEvent
	w.see("we left", session.EventGroupLeft, &left, func() bool { return left.GroupID == gid })
	if left.Reason != "left" || left.By != me+"@c.us" {
		t.Fatalf("left = %+v", left)
	}
	// The group's notifications (created, promoted, renamed, ...) were
	// events, never messages: the webhook, which delivers in id order, got
	// one message, Bob's.
	rcv.mu.Lock()
	var received []string
	for _, ev := range rcv.got {
		if ev.Type == "message.received" {
			received = append(received, string(ev.Data))
		}
	}
	rcv.mu.Unlock()
	if len(received) != 1 {
		t.Fatalf("message.received events: %q, want only bob's", received)
	}
	code, body = srv.call("GET", base, nil)
	var list struct{ Groups []session.Group }
	mustJSON(t, body, &list)
	if code != http.StatusOK || len(list.Groups) != 0 {
		t.Fatalf("groups after leaving: %d %s", code, body)
	}
}

// TestGroupRefusals: bad input names its field; WhatsApp's refusals have
// stable codes, never a 500.
func TestGroupRefusals(t *testing.T) {
	skipShort(t)
	const me, bob = "15554450000", "15554451111"
	sm, srv := linkedServer(t, "ref", me)
	base := "/v1/sessions/ref/groups"

	code, body := srv.call("POST", base, map[string]any{"subject": "x", "participants": []string{"12"}})
	wantProblem(t, "bad participant", code, body, http.StatusBadRequest, "invalid_request", "participants[0]")
	code, body = srv.call("POST", base, map[string]any{"subject": " ", "participants": []string{bob}})
	wantProblem(t, "empty subject", code, body, http.StatusBadRequest, "invalid_request", "subject")
	code, body = srv.call("GET", base+"/nope", nil)
	wantProblem(t, "bad group id", code, body, http.StatusBadRequest, "invalid_request", "group")
	code, body = srv.call("GET", base+"/120363000000000001@g.us", nil)
	wantProblem(t, "unknown group", code, body, http.StatusNotFound, "group_not_found", "group")
	code, body = srv.call("POST", base+"/join", map[string]any{"code": "AAAAAAAAAAAAAAAAAAAAAA"})
	wantProblem(t, "unknown invite", code, body, http.StatusNotFound, "invite_not_found", "")

	// Bob creates a group with us in it: we are a member, not an admin.
	c, b := sm.control(t, "POST", "/__sim/groups/create", map[string]any{"phone": bob, "subject": "Bob's", "participants": []string{me}})
	if c != http.StatusOK {
		t.Fatalf("bob creates: %d %s", c, b)
	}
	var made struct{ Group struct{ ID string } }
	if err := json.Unmarshal(b, &made); err != nil {
		t.Fatal(err)
	}
	gid := made.Group.ID
	eventually(t, "bob's group listed", func() bool {
		code, body := srv.call("GET", base, nil)
		return code == http.StatusOK && strings.Contains(string(body), gid)
	})
	code, body = srv.call("POST", base+"/"+gid+"/participants/add", map[string]any{"participants": []string{"15554452222"}})
	wantProblem(t, "non-admin add", code, body, http.StatusForbidden, "not_group_admin", "")
	code, body = srv.call("DELETE", base+"/"+gid+"/invite", nil)
	wantProblem(t, "non-admin revoke", code, body, http.StatusForbidden, "not_group_admin", "")
	code, body = srv.call("POST", base+"/"+gid+"/participants/kick", map[string]any{"participants": []string{bob}})
	wantProblem(t, "unknown action", code, body, http.StatusBadRequest, "invalid_request", "action")

	// Bob lets only admins edit; our rename is refused.
	if c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/settings", map[string]any{"phone": bob, "what": "restrict", "flag": true}); c != http.StatusOK {
		t.Fatalf("restrict: %d %s", c, b)
	}
	eventually(t, "restrict seen", func() bool {
		code, body := srv.call("GET", base+"/"+gid, nil)
		return code == http.StatusOK && strings.Contains(string(body), `"restrict":true`)
	})
	code, body = srv.call("PUT", base+"/"+gid+"/subject", map[string]any{"subject": "ours now"})
	wantProblem(t, "restricted rename", code, body, http.StatusForbidden, "not_group_admin", "")

	// Bob promotes us; now we may.
	if c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/participants", map[string]any{"phone": bob, "action": "promote", "participants": []string{me}}); c != http.StatusOK {
		t.Fatalf("promote us: %d %s", c, b)
	}
	eventually(t, "we are admin", func() bool {
		code, _ := srv.call("PUT", base+"/"+gid+"/subject", map[string]any{"subject": "ours now"})
		return code == http.StatusNoContent
	})
}

// TestGroupSettingsInvitesAndRequests: the rest of a group's life — its
// description, picture and settings, joining by invite, membership
// requests, and another admin adding, promoting and removing us — each seen
// as its event.
func TestGroupSettingsInvitesAndRequests(t *testing.T) {
	skipShort(t)
	const me, bob, erin = "15554460000", "15554461111", "15554462222"
	sm, srv := fastServer(t)
	rcv := newReceiver(t)
	types := []string{session.EventGroupJoined, session.EventGroupLeft, session.EventGroupParticipants, session.EventGroupUpdated,
		session.EventGroupMembershipRequest}
	srv.webhookTo(rcv, map[string]any{"types": types})
	srv.create("set", nil)
	srv.link(sm, "set", me)
	w := &groupWatch{t: t, ws: dialWS(t, srv, url.Values{"session": {"set"}, "type": types}.Encode()), rcv: rcv}
	base := "/v1/sessions/set/groups"

	code, body := srv.call("POST", base, map[string]any{"subject": "Ops", "participants": []string{bob}})
	var created session.CreatedGroup
	mustJSON(t, body, &created)
	gid := created.Group.ID
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var joined session.GroupJoinedEvent
	w.see("created", session.EventGroupJoined, &joined, func() bool { return joined.GroupID == gid })

	// Description, picture, settings: each a group.updated with the group after it.
	var up session.GroupUpdatedEvent
	if code, body = srv.call("PUT", base+"/"+gid+"/description", map[string]any{"description": "on call rota"}); code != http.StatusNoContent {
		t.Fatalf("description: %d %s", code, body)
	}
	w.see("description", session.EventGroupUpdated, &up, func() bool { return up.Changed == "description" })
	if up.Group == nil || up.Group.Description != "on call rota" {
		t.Fatalf("description event = %+v", up)
	}
	png := []byte("\x89PNG\r\n\x1a\n0000")
	if code, body = srv.call("PUT", base+"/"+gid+"/picture", map[string]any{"data": b64(png), "mimetype": "image/png"}); code != http.StatusNoContent {
		t.Fatalf("picture: %d %s", code, body)
	}
	w.see("picture", session.EventGroupUpdated, &up, func() bool { return up.Changed == "picture" })
	if code, body = srv.call("DELETE", base+"/"+gid+"/picture", nil); code != http.StatusNoContent {
		t.Fatalf("remove picture: %d %s", code, body)
	}
	w.see("picture removed", session.EventGroupUpdated, &up, func() bool { return up.Changed == "picture" })
	code, body = srv.call("PATCH", base+"/"+gid+"/settings", map[string]any{"announcement": true, "ephemeral": 604800})
	var g session.Group
	mustJSON(t, body, &g)
	if code != http.StatusOK || !g.Announcement || g.Ephemeral != 604800 || g.Restrict {
		t.Fatalf("settings: %d %s", code, body)
	}
	w.see("announcement", session.EventGroupUpdated, &up, func() bool { return up.Changed == "announcement" })
	w.see("ephemeral", session.EventGroupUpdated, &up, func() bool { return up.Changed == "ephemeral" })
	code, body = srv.call("PATCH", base+"/"+gid+"/settings", map[string]any{"ephemeral": 5})
	wantProblem(t, "bad ephemeral", code, body, http.StatusBadRequest, "invalid_request", "ephemeral")

	// With approval on, Erin's join by link is a request we approve.
	if c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/settings", map[string]any{"phone": me, "what": "approval", "flag": true}); c != http.StatusOK {
		t.Fatalf("approval: %d %s", c, b)
	}
	w.see("approval", session.EventGroupUpdated, &up, func() bool { return up.Changed == "membership_approval" })
	var inv session.GroupInvite
	_, body = srv.call("GET", base+"/"+gid+"/invite", nil)
	mustJSON(t, body, &inv)
	if c, b := sm.control(t, "POST", "/__sim/groups/join", map[string]any{"phone": erin, "code": inv.Code}); c != http.StatusOK || !strings.Contains(string(b), `"pending":true`) {
		t.Fatalf("erin joins: %d %s", c, b)
	}
	var req session.GroupMembershipRequestEvent
	w.see("erin's request", session.EventGroupMembershipRequest, &req, func() bool { return req.GroupID == gid })
	if req.By != erin+"@c.us" || !slices.Equal(req.Participants, []string{erin + "@c.us"}) {
		t.Fatalf("request event = %+v", req)
	}
	code, body = srv.call("GET", base+"/"+gid+"/requests", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"id":"`+erin+`@c.us"`) || !strings.Contains(string(body), `"method":"InviteLink"`) {
		t.Fatalf("requests: %d %s", code, body)
	}
	code, body = srv.call("POST", base+"/"+gid+"/requests/approve", map[string]any{"participants": []string{erin}})
	if code != http.StatusOK || !strings.Contains(string(body), `"ok":true`) {
		t.Fatalf("approve: %d %s", code, body)
	}
	var pe session.GroupParticipantsEvent
	w.see("erin added", session.EventGroupParticipants, &pe, func() bool { return pe.Action == "add" })
	if !slices.Equal(pe.Participants, []string{erin + "@c.us"}) || pe.By != me+"@c.us" {
		t.Fatalf("approval event = %+v", pe)
	}

	// Bob's own group: he adds us by invite code, promotes and removes us.
	c, b := sm.control(t, "POST", "/__sim/groups/create", map[string]any{"phone": bob, "subject": "Bob's", "participants": []string{erin}})
	var made struct{ Group struct{ ID, Invite string } }
	if err := json.Unmarshal(b, &made); c != http.StatusOK || err != nil {
		t.Fatalf("bob creates: %d %s", c, b)
	}
	bg := made.Group.ID
	code, body = srv.call("GET", base+"/join?code="+made.Group.Invite, nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"subject":"Bob's"`) {
		t.Fatalf("invite info: %d %s", code, body)
	}
	code, body = srv.call("POST", base+"/join", map[string]any{"code": "https://chat.whatsapp.com/" + made.Group.Invite})
	if code != http.StatusOK || !strings.Contains(string(body), `"id":"`+bg+`"`) || !strings.Contains(string(body), `"pending_approval":false`) {
		t.Fatalf("join: %d %s", code, body)
	}
	w.see("our join", session.EventGroupParticipants, &pe, func() bool { return pe.GroupID == bg })
	if pe.Action != "add" || pe.Reason != "invite" {
		t.Fatalf("our join's participants event = %+v", pe)
	}
	w.see("joined by invite", session.EventGroupJoined, &joined, func() bool { return joined.GroupID == bg })
	if joined.Reason != "invite" {
		t.Fatalf("joined = %+v", joined)
	}
	if c, b := sm.control(t, "POST", "/__sim/groups/"+bg+"/participants", map[string]any{"phone": bob, "action": "promote", "participants": []string{me}}); c != http.StatusOK {
		t.Fatalf("bob promotes us: %d %s", c, b)
	}
	w.see("promoted", session.EventGroupParticipants, &pe, func() bool { return pe.GroupID == bg && pe.Action == "promote" })
	if pe.By != bob+"@c.us" || !slices.Equal(pe.Participants, []string{me + "@c.us"}) {
		t.Fatalf("promote = %+v", pe)
	}
	if c, b := sm.control(t, "POST", "/__sim/groups/"+bg+"/participants", map[string]any{"phone": bob, "action": "remove", "participants": []string{me}}); c != http.StatusOK {
		t.Fatalf("bob removes us: %d %s", c, b)
	}
	var left session.GroupLeftEvent
	w.see("removed", session.EventGroupLeft, &left, func() bool { return left.GroupID == bg })
	if left.Reason != "removed" || left.By != bob+"@c.us" {
		t.Fatalf("left = %+v", left)
	}
}
