package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/session"
)

func TestContacts(t *testing.T) {
	f := newChatFixture(t)
	bob, carol := chBob+"@c.us", chCarol+"@c.us"

	t.Run("100 numbers checked in one request", func(t *testing.T) {
		numbers := []string{"+1 555-333-0000", chCarol, chBobLID, "12ab", "15559990000@g.us", chMe}
		for i := len(numbers); i < session.MaxNumberCheck; i++ {
			numbers = append(numbers, fmt.Sprintf("1555700%04d", i)) // on nobody's phone
		}
		var res api.NumberCheckList
		start := time.Now()
		code, b := f.do("POST", "/contacts/check", map[string]any{"numbers": numbers}, &res)
		took := time.Since(start)
		if code != http.StatusOK || len(res.Results) != len(numbers) {
			t.Fatalf("check: %d %s", code, b)
		}
		t.Logf("checked %d numbers in one request in %s", len(numbers), took)
		want := []session.NumberCheck{
			{Input: numbers[0], Exists: true, ID: bob, Phone: chBob, LID: chBobLID, IsBusiness: true},
			{Input: numbers[1], Exists: true, ID: carol, Phone: chCarol},
			{Input: numbers[2], Exists: true, ID: chBobLID, IsBusiness: true, LID: chBobLID},
		}
		for i, w := range want {
			if res.Results[i] != w {
				t.Errorf("result %d = %+v, want %+v", i, res.Results[i], w)
			}
		}
		if r := res.Results[3]; r.Exists || r.Input != "12ab" || !strings.Contains(r.Error, "not a chat id") && !strings.Contains(r.Error, "phone number") {
			t.Errorf("malformed number = %+v", r)
		}
		if r := res.Results[4]; r.Exists || !strings.Contains(r.Error, "group") {
			t.Errorf("a group id = %+v", r)
		}
		if r := res.Results[5]; !r.Exists || r.ID != chMe+"@c.us" {
			t.Errorf("our own number = %+v", r)
		}
		for _, r := range res.Results[6:] {
			if r.Exists || r.Error != "" || r.ID != "" {
				t.Fatalf("a number on nobody's phone = %+v", r)
			}
		}
		code, b = f.do("POST", "/contacts/check", map[string]any{"numbers": append(numbers, chBob)}, nil)
		wantProblem(t, "101 numbers", code, b, 400, "invalid_request", "numbers")
		code, b = f.do("POST", "/contacts/check", map[string]any{"numbers": []string{}}, nil)
		wantProblem(t, "no numbers", code, b, 400, "invalid_request", "numbers")
		code, b = f.do("POST", "/contacts/check", map[string]any{"numbers": "15553330000"}, nil)
		wantProblem(t, "not a list", code, b, 400, "invalid_request", "numbers")
	})

	t.Run("one contact", func(t *testing.T) {
		var c session.ContactDetail
		if code, b := f.do("GET", "/contacts/"+chBobLID, nil, &c); code != http.StatusOK {
			t.Fatalf("get bob by LID: %d %s", code, b)
		}
		if code, b := f.do("GET", "/contacts/"+chBob, nil, &c); code != http.StatusOK || c.ID != bob || c.Name != "Bobby" ||
			c.PushName != "Bob B" || !c.IsMyContact || !c.IsBusiness || c.LID != chBobLID || c.Blocked {
			t.Fatalf("get bob: %d %s", code, b)
		}
		code, b := f.do("GET", "/contacts/15557001234", nil, nil)
		wantProblem(t, "a stranger", code, b, 404, "contact_not_found", "")
		code, b = f.do("GET", "/contacts/"+f.group, nil, nil)
		wantProblem(t, "a group", code, b, 400, "invalid_request", "contact")
	})

	t.Run("picture, about, business profile", func(t *testing.T) {
		var p session.ProfilePicture
		if code, b := f.do("GET", "/contacts/"+chBob+"/picture", nil, &p); code != http.StatusOK || p.URL != "https://pps.example/bob.jpg" || p.ID != bob {
			t.Errorf("bob's picture: %d %s", code, b)
		}
		if code, b := f.do("GET", "/contacts/"+chCarol+"/picture", nil, &p); code != http.StatusOK || p.URL != "" {
			t.Errorf("carol has no picture: %d %s", code, b)
		}
		var a session.About
		if code, b := f.do("GET", "/contacts/"+chBob+"/about", nil, &a); code != http.StatusOK || a.About != "Busy baking" {
			t.Errorf("bob's about: %d %s", code, b)
		}
		var bp session.BusinessProfile
		if code, b := f.do("GET", "/contacts/"+chBob+"/business", nil, &bp); code != http.StatusOK || bp.Description != "Fresh bread" ||
			bp.Email != "bob@example.com" || len(bp.Websites) != 1 || bp.Websites[0] != "https://bob.example" || len(bp.Categories) != 1 || bp.Categories[0] != "Bakery" {
			t.Errorf("bob's business: %d %s", code, b)
		}
		code, b := f.do("GET", "/contacts/"+chCarol+"/business", nil, nil)
		wantProblem(t, "not a business", code, b, 404, "not_found", "")
		for _, what := range []string{"picture", "about", "business"} {
			code, b := f.do("GET", "/contacts/15557001234/"+what, nil, nil)
			wantProblem(t, what+" of a number not on WhatsApp", code, b, 404, "not_on_whatsapp", "")
		}
	})

	t.Run("block, list blocked, unblock", func(t *testing.T) {
		rcv := newReceiver(t)
		f.srv.webhookTo(rcv, map[string]any{"sessions": []string{f.id}, "types": []string{session.EventContactChanged}})
		changed := func(change string) func(any) bool {
			return func(d any) bool { e := d.(session.ContactChangedEvent); return e.ID == carol && e.Change == change }
		}
		var r session.BlockResult
		if code, b := f.do("PUT", "/contacts/"+chCarol+"/block", nil, &r); code != http.StatusOK || !r.Blocked || r.ID != carol {
			t.Fatalf("block: %d %s", code, b)
		}
		if e := f.pub.wait(t, f.id, session.EventContactChanged, changed("blocked")).Data.(session.ContactChangedEvent); !e.Blocked || e.Phone != chCarol {
			t.Errorf("contact.changed = %+v", e)
		}
		var l api.BlockedList
		if f.do("GET", "/contacts/blocked", nil, &l); len(l.Blocked) != 1 || l.Blocked[0].ID != carol || l.Blocked[0].Phone != chCarol {
			t.Errorf("blocked = %+v", l)
		}
		var c session.ContactDetail
		if f.do("GET", "/contacts/"+chCarol, nil, &c); !c.Blocked {
			t.Errorf("carol = %+v", c)
		}
		if code, b := f.do("DELETE", "/contacts/"+chCarol+"/block", nil, &r); code != http.StatusOK || r.Blocked {
			t.Fatalf("unblock: %d %s", code, b)
		}
		f.pub.wait(t, f.id, session.EventContactChanged, changed("unblocked"))
		for _, change := range []string{"blocked", "unblocked"} {
			rcv.waitEvent(t, "contact.changed "+change, func(ev envelope) bool {
				return ev.Type == session.EventContactChanged && strings.Contains(string(ev.Data), `"change":"`+change+`"`)
			})
		}
		if f.do("GET", "/contacts/blocked", nil, &l); len(l.Blocked) != 0 {
			t.Errorf("blocked after unblock = %+v", l)
		}
		code, b := f.do("PUT", "/contacts/not-a-number/block", nil, nil)
		wantProblem(t, "block a bad id", code, b, 400, "invalid_request", "contact")
	})
}
