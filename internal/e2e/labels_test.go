package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// linkBusiness links a session like server.link, with the phone scanning
// as a WhatsApp Business account.
func (s *server) linkBusiness(sm *sim, id, phone string) {
	s.t.Helper()
	s.wait(id, session.StatusScanQRCode)
	code, body := s.call("GET", "/v1/sessions/"+id+"/qr?format=raw", nil)
	if code != http.StatusOK {
		s.t.Fatalf("qr: %d %s", code, body)
	}
	scan := map[string]any{"code": string(body), "phone": phone, "name": "Shop " + phone, "business": true}
	if c, b := sm.control(s.t, "POST", "/__sim/scan", scan); c != http.StatusOK {
		s.t.Fatalf("scan: %d %s", c, b)
	}
	s.wait(id, session.StatusWorking)
}

// deliverText is someone (from) writing to the account of phone, waited
// for as message.received of session id.
func deliverText(t testing.TB, sm *sim, pub *recordingPublisher, id, phone, from, text string) {
	t.Helper()
	m := sm.deliver(t, map[string]any{"phone": phone, "from": from, "from_name": "Bob", "text": text})
	pub.wait(t, id, session.EventMessageReceived, msgID(m.ID))
}

func isLabelEvent(action, labelID string) func(any) bool {
	return func(d any) bool {
		e, ok := d.(session.LabelEvent)
		return ok && e.Action == action && e.Label.ID == labelID
	}
}

func TestLabels(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, pageCallTimeout)
	t.Cleanup(func() { checkEventPayloads(t, pub) })
	const shop, person, bob = "15557770000", "15558880000", "15553330000"
	srv.create("shop", nil)
	srv.linkBusiness(sm, "shop", shop)
	srv.create("person", nil)
	srv.link(sm, "person", person)
	ws := dialWS(t, srv, "session=shop&type="+session.EventLabelChanged)
	deliverText(t, sm, pub, "shop", shop, bob, "do you have this in blue?")
	labels := "/v1/sessions/shop/labels"

	phoneSees := func() wasim.LabelsInfo {
		t.Helper()
		var info wasim.LabelsInfo
		sm.controlOK(t, "sim labels", "GET", "/__sim/labels?phone="+shop, nil, &info)
		return info
	}
	create := func(body map[string]any) session.Label {
		t.Helper()
		code, b := srv.call("POST", labels, body)
		if code != http.StatusCreated {
			t.Fatalf("create %v: %d %s", body, code, b)
		}
		var l session.Label
		mustJSON(t, b, &l)
		return l
	}

	var list session.LabelList
	code, b := srv.call("GET", labels, nil)
	mustJSON(t, b, &list)
	if code != http.StatusOK || len(list.Labels) != 0 || !slices.Equal(list.Palette, wasim.LabelPalette) {
		t.Fatalf("empty list: %d %s", code, b)
	}

	customer := create(map[string]any{"name": "New customer", "color": "#64C4FF"})
	vip := create(map[string]any{"name": "VIP"})
	if customer.Color != "#64c4ff" || customer.ColorIndex != 1 || vip.ColorIndex != 0 || vip.Color != wasim.LabelPalette[0] {
		t.Fatalf("created %+v and %+v; want the asked colour, then the first free one", customer, vip)
	}
	pub.wait(t, "shop", session.EventLabelChanged, isLabelEvent(session.LabelCreated, customer.ID))
	if got := phoneSees().Labels; len(got) != 2 || got[0].Name != "New customer" || got[1].Name != "VIP" {
		t.Fatalf("the phone sees %+v", got)
	}

	t.Run("bad input names the field", func(t *testing.T) {
		srv.wantProblems(t, []problemCase{
			{"no name", "POST", labels, map[string]any{"color": "#64c4ff"}, 400, "invalid_request", "name"},
			{"colour outside the palette", "POST", labels, map[string]any{"name": "x", "color": "#123456"}, 400, "invalid_request", "color"},
			{"colour that is no colour", "POST", labels, map[string]any{"name": "x", "color": "blue"}, 400, "invalid_request", "color"},
			{"unknown label", "PATCH", labels + "/999", map[string]any{"name": "x"}, 404, "label_not_found", ""},
			{"label id that is no id", "DELETE", labels + "/abc", nil, 400, "invalid_request", "label"},
			{"no chats", "POST", labels + "/" + customer.ID + "/chats", map[string]any{"chat_ids": []string{}}, 400, "invalid_request", "chat_ids"},
			{"a chat the session does not have", "POST", labels + "/" + customer.ID + "/chats", map[string]any{"chat_ids": []string{"15559990000"}}, 404, "chat_not_found", ""},
		})
	})

	t.Run("a label goes on a chat and comes off", func(t *testing.T) {
		code, b := srv.call("POST", labels+"/"+customer.ID+"/chats", map[string]any{"chat_ids": []string{bob}})
		var l session.Label
		mustJSON(t, b, &l)
		if code != http.StatusOK || l.Count != 1 {
			t.Fatalf("add: %d %s", code, b)
		}
		if got := phoneSees().Chats[bob+"@c.us"]; !slices.Equal(got, []string{customer.ID}) {
			t.Fatalf("the phone sees labels %v on bob's chat", got)
		}
		ev := pub.wait(t, "shop", session.EventLabelChanged, isLabelEvent(session.LabelChatsAdded, customer.ID)).Data.(session.LabelEvent)
		if !slices.Equal(ev.ChatIDs, []string{bob + "@c.us"}) || ev.Label.Count != 1 {
			t.Fatalf("label.changed = %+v", ev)
		}
		code, b = srv.call("DELETE", labels+"/"+customer.ID+"/chats/"+bob, nil)
		mustJSON(t, b, &l)
		if code != http.StatusOK || l.Count != 0 || len(phoneSees().Chats) != 0 {
			t.Fatalf("remove: %d %s; the phone sees %+v", code, b, phoneSees().Chats)
		}
		pub.wait(t, "shop", session.EventLabelChanged, isLabelEvent(session.LabelChatsRemoved, customer.ID))
	})

	t.Run("edit and delete", func(t *testing.T) {
		code, b := srv.call("PATCH", labels+"/"+customer.ID, map[string]any{"name": "Customer", "color": "5"})
		var l session.Label
		mustJSON(t, b, &l)
		if code != http.StatusOK || l.Name != "Customer" || l.ColorIndex != 5 || l.Color != wasim.LabelPalette[5] {
			t.Fatalf("edit: %d %s", code, b)
		}
		pub.wait(t, "shop", session.EventLabelChanged, isLabelEvent(session.LabelEdited, customer.ID))
		if code, b := srv.call("DELETE", labels+"/"+vip.ID, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", code, b)
		}
		pub.wait(t, "shop", session.EventLabelChanged, isLabelEvent(session.LabelDeleted, vip.ID))
		if got := phoneSees().Labels; len(got) != 1 || got[0].Name != "Customer" {
			t.Fatalf("after delete the phone sees %+v", got)
		}
		code, b = srv.call("DELETE", labels+"/"+vip.ID, nil)
		wantProblem(t, "delete again", code, b, 404, "label_not_found", "")
	})

	t.Run("a personal account has no labels", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/sessions/person/labels", nil},
			{"POST", "/v1/sessions/person/labels", map[string]any{"name": "VIP"}},
			{"POST", "/v1/sessions/person/labels/1/chats", map[string]any{"chat_ids": []string{bob}}},
		} {
			code, b := srv.call(c.method, c.path, c.body)
			wantProblem(t, c.method+" "+c.path, code, b, http.StatusConflict, "not_business_account", "")
		}
	})

	// Every change reached the WebSocket too, in order, as named payloads.
	got := readUntil(t, ws, func(ev envelope) bool { return strings.Contains(string(ev.Data), `"deleted"`) })
	var actions []string
	for _, ev := range got {
		var e session.LabelEvent
		if err := json.Unmarshal(ev.Data, &e); err != nil || ev.Type != session.EventLabelChanged {
			t.Fatalf("ws event %+v: %v", ev, err)
		}
		actions = append(actions, e.Action)
	}
	want := []string{"created", "created", "chats_added", "chats_removed", "edited", "deleted"}
	if !slices.Equal(actions, want) {
		t.Fatalf("ws label.changed actions %v, want %v", actions, want)
	}
}
