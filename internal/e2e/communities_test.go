package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

// TestCommunityLife: create a community from a group of ours, read its
// announcement group and subgroups, link and unlink groups (WhatsApp's
// refusals listed per group), deactivate it.
func TestCommunityLife(t *testing.T) {
	skipShort(t)
	const me, bob = "15554470000", "15554471111"
	sm, srv := linkedServer(t, "com", me)
	newGroup := func(subject string) string {
		t.Helper()
		code, body := srv.call("POST", "/v1/sessions/com/groups", map[string]any{"subject": subject, "participants": []string{bob}})
		var g session.CreatedGroup
		mustJSON(t, body, &g)
		if code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", subject, code, body)
		}
		return g.Group.ID
	}
	g1, g2 := newGroup("Sales"), newGroup("Support")
	base := "/v1/sessions/com/communities"

	code, body := srv.call("POST", base, map[string]any{"name": "Acme", "description": "all of it", "groups": []string{g1}})
	var made session.CreatedCommunity
	mustJSON(t, body, &made)
	if code != http.StatusCreated || made.ID == "" || !slices.Equal(made.Linked, []string{g1}) || len(made.Failed) != 0 {
		t.Fatalf("create community: %d %s", code, body)
	}
	var c session.Community
	code, body = srv.call("GET", base+"/"+made.ID, nil)
	mustJSON(t, body, &c)
	if code != http.StatusOK || c.Name != "Acme" || c.Description != "all of it" || c.AnnouncementGroup == "" ||
		!slices.Equal(c.Subgroups, []string{c.AnnouncementGroup, g1}) {
		t.Fatalf("community: %d %s", code, body)
	}
	code, body = srv.call("GET", base+"/"+made.ID+"/subgroups", nil)
	var subs struct{ Groups []session.Group }
	mustJSON(t, body, &subs)
	if code != http.StatusOK || len(subs.Groups) != 2 || subs.Groups[0].ID != c.AnnouncementGroup || !subs.Groups[0].Announcement ||
		subs.Groups[1].Subject != "Sales" {
		t.Fatalf("subgroups: %d %s", code, body)
	}

	// Bob's group, where we are no admin, is refused; ours is linked.
	c2, b := sm.control(t, "POST", "/__sim/groups/create", map[string]any{"phone": bob, "subject": "Bob's", "participants": []string{me}})
	var bobs struct{ Group struct{ ID string } }
	if err := json.Unmarshal(b, &bobs); c2 != http.StatusOK || err != nil {
		t.Fatalf("bob creates: %d %s", c2, b)
	}
	eventually(t, "bob's group known", func() bool {
		code, _ := srv.call("GET", "/v1/sessions/com/groups/"+bobs.Group.ID, nil)
		return code == http.StatusOK
	})
	code, body = srv.call("POST", base+"/"+made.ID+"/subgroups", map[string]any{"groups": []string{g2, bobs.Group.ID}})
	var links session.SubgroupLinks
	mustJSON(t, body, &links)
	if code != http.StatusOK || !slices.Equal(links.Linked, []string{g2}) ||
		!slices.Equal(links.Failed, []session.LinkFailure{{ID: bobs.Group.ID, Error: "403"}}) {
		t.Fatalf("link: %d %s", code, body)
	}
	code, body = srv.call("DELETE", base+"/"+made.ID+"/subgroups/"+g2, nil)
	if mustJSON(t, body, &links); code != http.StatusOK || !slices.Equal(links.Linked, []string{g2}) {
		t.Fatalf("unlink: %d %s", code, body)
	}
	code, body = srv.call("DELETE", base+"/"+made.ID+"/subgroups/"+c.AnnouncementGroup, nil)
	if mustJSON(t, body, &links); code != http.StatusOK || len(links.Linked) != 0 || links.Failed[0].Error != "409" {
		t.Fatalf("unlink the announcement group: %d %s", code, body)
	}
	code, body = srv.call("POST", base, map[string]any{"name": "", "groups": []string{}})
	wantProblem(t, "nameless community", code, body, http.StatusBadRequest, "invalid_request", "name")
	code, body = srv.call("POST", base+"/"+made.ID+"/subgroups", map[string]any{"groups": []string{"x"}})
	wantProblem(t, "bad subgroup", code, body, http.StatusBadRequest, "invalid_request", "groups[0]")

	// Deactivated, the community is gone and its subgroups stay groups.
	if code, body = srv.call("DELETE", base+"/"+made.ID, nil); code != http.StatusNoContent {
		t.Fatalf("deactivate: %d %s", code, body)
	}
	eventually(t, "community gone", func() bool {
		code, _ := srv.call("GET", base+"/"+made.ID, nil)
		return code == http.StatusNotFound
	})
	if code, body = srv.call("GET", "/v1/sessions/com/groups/"+g1, nil); code != http.StatusOK {
		t.Fatalf("subgroup after deactivation: %d %s", code, body)
	}
}
