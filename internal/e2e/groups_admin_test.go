package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// simGroup is the group as the simulator (WhatsApp's side) holds it.
func (sm *sim) simGroup(t testing.TB, gid string) wasim.GroupInfo {
	t.Helper()
	code, b := sm.control(t, "GET", "/__sim/groups", nil)
	var all struct{ Groups []wasim.GroupInfo }
	if mustJSON(t, b, &all); code != http.StatusOK {
		t.Fatalf("sim groups: %d %s", code, b)
	}
	for _, g := range all.Groups {
		if g.ID == gid {
			return g
		}
	}
	t.Fatalf("the simulator has no group %s", gid)
	return wasim.GroupInfo{}
}

// simRole is jid's role in g on WhatsApp's side: member, admin,
// superadmin, or "" when jid is not a participant.
func simRole(g wasim.GroupInfo, jid string) string {
	for _, p := range g.Participants {
		if p.ID == jid {
			switch {
			case p.IsSuperAdmin:
				return "superadmin"
			case p.IsAdmin:
				return "admin"
			}
			return "member"
		}
	}
	return ""
}

// participantResults calls a participants route and decodes its results.
func participantResults(t *testing.T, srv *server, path string, ids ...string) (int, map[string]session.ParticipantResult, []byte) {
	t.Helper()
	code, body := srv.call("POST", path, map[string]any{"participants": ids})
	var out struct{ Results []session.ParticipantResult }
	json.Unmarshal(body, &out) // a problem has no results
	res := map[string]session.ParticipantResult{}
	for _, r := range out.Results {
		res[r.ID] = r
	}
	return code, res, body
}

// TestGroupAdminRoutes: demote, remove, PATCH settings {restrict} and
// rejecting a membership request, each checked in the API's answer, as its
// event on the WebSocket, and on WhatsApp's side (the simulator).
func TestGroupAdminRoutes(t *testing.T) {
	skipShort(t)
	const me, bob, carol, dave, erin = "15554490000", "15554491111", "15554492222", "15554493333", "15554494444"
	sm := fastSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{})
	srv.create("adm", nil)
	srv.link(sm, "adm", me)
	types := []string{session.EventGroupJoined, session.EventGroupParticipants, session.EventGroupUpdated, session.EventGroupMembershipRequest}
	ws := dialWS(t, srv, url.Values{"session": {"adm"}, "type": types}.Encode())
	base := "/v1/sessions/adm/groups"

	gid := newGroupOn(t, srv, ws, "adm", "Desk", bob, carol, dave).Group.ID
	var pe session.GroupParticipantsEvent
	if code, res, body := participantResults(t, srv, base+"/"+gid+"/participants/promote", bob); code != http.StatusOK || !res[bob+"@c.us"].OK {
		t.Fatalf("promote: %d %s", code, body)
	}
	seeOn(t, ws, session.EventGroupParticipants, &pe, func() bool { return pe.Action == "promote" })

	// Demote: bob is a member again; carol never was an admin.
	code, res, body := participantResults(t, srv, base+"/"+gid+"/participants/demote", bob, carol)
	if code != http.StatusOK || res[bob+"@c.us"] != (session.ParticipantResult{ID: bob + "@c.us", OK: true, Code: "ok"}) ||
		res[carol+"@c.us"].OK || res[carol+"@c.us"].Code != "group_participant_is_already_not_a_group_admin" {
		t.Fatalf("demote: %d %s", code, body)
	}
	seeOn(t, ws, session.EventGroupParticipants, &pe, func() bool { return pe.Action == "demote" })
	if pe.GroupID != gid || pe.By != me+"@c.us" || !slices.Equal(pe.Participants, []string{bob + "@c.us"}) {
		t.Fatalf("demote event = %+v", pe)
	}
	if r := simRole(sm.simGroup(t, gid), bob+"@c.us"); r != "member" {
		t.Fatalf("bob on WhatsApp's side after demote: %q", r)
	}

	// Remove: carol is out; a number that is no participant is answered on its own.
	code, res, body = participantResults(t, srv, base+"/"+gid+"/participants/remove", carol, erin)
	if code != http.StatusOK || !res[carol+"@c.us"].OK || res[erin+"@c.us"].OK || res[erin+"@c.us"].Code != "group_participant_not_found" {
		t.Fatalf("remove: %d %s", code, body)
	}
	seeOn(t, ws, session.EventGroupParticipants, &pe, func() bool { return pe.Action == "remove" })
	if pe.By != me+"@c.us" || pe.Reason != "" || !slices.Equal(pe.Participants, []string{carol + "@c.us"}) {
		t.Fatalf("remove event = %+v", pe)
	}
	if g := sm.simGroup(t, gid); simRole(g, carol+"@c.us") != "" || g.Size != 3 {
		t.Fatalf("WhatsApp's side after remove: %+v", g)
	}

	// Restrict: only admins edit; WhatsApp then refuses bob's rename.
	code, body = srv.call("PATCH", base+"/"+gid+"/settings", map[string]any{"restrict": true})
	var g session.Group
	if mustJSON(t, body, &g); code != http.StatusOK || !g.Restrict || g.Announcement {
		t.Fatalf("restrict: %d %s", code, body)
	}
	var up session.GroupUpdatedEvent
	seeOn(t, ws, session.EventGroupUpdated, &up, func() bool { return up.Changed == "restrict" })
	if up.By != me+"@c.us" || up.Group == nil || !up.Group.Restrict {
		t.Fatalf("restrict event = %+v", up)
	}
	if !sm.simGroup(t, gid).Restrict {
		t.Fatal("WhatsApp's side is not restricted")
	}
	c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/settings", map[string]any{"phone": bob, "what": "subject", "value": "bob's now"})
	if c != http.StatusForbidden {
		t.Fatalf("bob renames a restricted group: %d %s", c, b)
	}

	// Reject: with approval on, erin asks to join and we say no.
	if c, b := sm.control(t, "POST", "/__sim/groups/"+gid+"/settings", map[string]any{"phone": me, "what": "approval", "flag": true}); c != http.StatusOK {
		t.Fatalf("approval: %d %s", c, b)
	}
	seeOn(t, ws, session.EventGroupUpdated, &up, func() bool { return up.Changed == "membership_approval" })
	var inv session.GroupInvite
	_, body = srv.call("GET", base+"/"+gid+"/invite", nil)
	mustJSON(t, body, &inv)
	if c, b := sm.control(t, "POST", "/__sim/groups/join", map[string]any{"phone": erin, "code": inv.Code}); c != http.StatusOK {
		t.Fatalf("erin asks: %d %s", c, b)
	}
	var req session.GroupMembershipRequestEvent
	seeOn(t, ws, session.EventGroupMembershipRequest, &req, func() bool { return req.GroupID == gid })
	if req.By != erin+"@c.us" || !slices.Equal(req.Participants, []string{erin + "@c.us"}) || req.Method != "InviteLink" {
		t.Fatalf("request event = %+v", req)
	}
	code, res, body = participantResults(t, srv, base+"/"+gid+"/requests/reject", erin, dave)
	if code != http.StatusOK || !res[erin+"@c.us"].OK || res[dave+"@c.us"].OK {
		t.Fatalf("reject: %d %s", code, body)
	}
	code, body = srv.call("GET", base+"/"+gid+"/requests", nil)
	var reqs struct{ Requests []json.RawMessage }
	if mustJSON(t, body, &reqs); code != http.StatusOK || len(reqs.Requests) != 0 {
		t.Fatalf("requests after reject: %d %s", code, body)
	}
	if r := simRole(sm.simGroup(t, gid), erin+"@c.us"); r != "" {
		t.Fatalf("erin on WhatsApp's side after reject: %q", r)
	}
	// Nothing added erin: the next event is our next change, not an add.
	if code, body = srv.call("PATCH", base+"/"+gid+"/settings", map[string]any{"restrict": false}); code != http.StatusOK {
		t.Fatalf("unrestrict: %d %s", code, body)
	}
	for _, ev := range readUntil(t, ws, func(ev envelope) bool { return ev.Type == session.EventGroupUpdated }) {
		if ev.Type == session.EventGroupParticipants {
			t.Fatalf("after the rejection: %s %s", ev.Type, ev.Data)
		}
	}
}

// TestGroupFull: at WhatsApp's participant limit an add is answered
// group_full per participant, 409 group_full when nobody fits, and joining
// a full group by invite is 409 group_full.
func TestGroupFull(t *testing.T) {
	skipShort(t)
	const me, bob, carol, dave, erin, frank = "15554500000", "15554501111", "15554502222", "15554503333", "15554504444", "15554505555"
	sm := startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, QRMax: 6, SyncDelay: 50 * time.Millisecond,
		GroupSizeLimit: 4})
	srv := startServer(t, testDir(t), sm, serverOpts{})
	srv.create("full", nil)
	srv.link(sm, "full", me)
	ws := dialWS(t, srv, url.Values{"session": {"full"}, "type": {session.EventGroupJoined, session.EventGroupParticipants}}.Encode())
	base := "/v1/sessions/full/groups"

	// We and three fit; the fourth participant does not.
	created := newGroupOn(t, srv, ws, "full", "Four", bob, carol, dave, erin)
	gid := created.Group.ID
	for _, r := range created.Results {
		if want := r.ID != erin+"@c.us"; r.OK != want || (!want && r.Code != "group_full") {
			t.Errorf("create result %+v", r)
		}
	}

	code, _, body := participantResults(t, srv, base+"/"+gid+"/participants/add", erin)
	wantProblem(t, "add to a full group", code, body, http.StatusConflict, "group_full", "")
	if code, res, body := participantResults(t, srv, base+"/"+gid+"/participants/remove", dave); code != http.StatusOK || !res[dave+"@c.us"].OK {
		t.Fatalf("remove: %d %s", code, body)
	}
	var pe session.GroupParticipantsEvent
	seeOn(t, ws, session.EventGroupParticipants, &pe, func() bool { return pe.Action == "remove" })

	// One place free: erin gets it, frank is answered group_full.
	code, res, body := participantResults(t, srv, base+"/"+gid+"/participants/add", erin, frank)
	if code != http.StatusOK || !res[erin+"@c.us"].OK || res[frank+"@c.us"].OK || res[frank+"@c.us"].Code != "group_full" {
		t.Fatalf("add with one place: %d %s", code, body)
	}
	seeOn(t, ws, session.EventGroupParticipants, &pe, func() bool { return pe.Action == "add" })
	if !slices.Equal(pe.Participants, []string{erin + "@c.us"}) {
		t.Fatalf("add event = %+v", pe)
	}
	if g := sm.simGroup(t, gid); g.Size != 4 || simRole(g, frank+"@c.us") != "" {
		t.Fatalf("WhatsApp's side: %+v", g)
	}

	// Bob's group is full too: our join by its invite is refused.
	c, b := sm.control(t, "POST", "/__sim/groups/create", map[string]any{"phone": bob, "subject": "Bob's four", "participants": []string{carol, dave, frank}})
	var bobs struct{ Group struct{ ID, Invite string } }
	if mustJSON(t, b, &bobs); c != http.StatusOK || bobs.Group.Invite == "" {
		t.Fatalf("bob creates: %d %s", c, b)
	}
	code, body = srv.call("POST", base+"/join", map[string]any{"code": bobs.Group.Invite})
	wantProblem(t, "join a full group", code, body, http.StatusConflict, "group_full", "")
	if simRole(sm.simGroup(t, bobs.Group.ID), me+"@c.us") != "" {
		t.Fatal("we are in bob's full group")
	}
}
