package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

func (sm *sim) channel(t testing.TB, id string) wasim.ChannelInfo {
	t.Helper()
	var out struct{ Channels []wasim.ChannelInfo }
	b := sm.controlOK(t, "sim channels", "GET", "/__sim/channels", nil, &out)
	for _, c := range out.Channels {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("the simulator has no channel %s: %s", id, b)
	return wasim.ChannelInfo{}
}

func TestChannels(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, pageCallTimeout)
	t.Cleanup(func() { checkEventPayloads(t, pub) })
	const me, carol = "15552226666", "15554447777"
	srv.create("ch", nil)
	srv.link(sm, "ch", me)
	base := "/v1/sessions/ch/channels"

	code, b := sm.control(t, "POST", "/__sim/channels", map[string]any{"phone": carol, "name": "Carol's Bakery news", "description": "fresh bread daily"})
	if code != http.StatusOK {
		t.Fatalf("carol creates a channel: %d %s", code, b)
	}
	var bakery wasim.ChannelInfo
	mustJSON(t, b, &bakery)

	var ours session.Channel
	t.Run("create", func(t *testing.T) {
		code, b := srv.call("POST", base, map[string]any{"name": "Store news", "description": "Offers and opening hours",
			"picture": map[string]any{"data": b64(pngBytes)}})
		mustJSON(t, b, &ours)
		if code != http.StatusCreated || !strings.HasSuffix(ours.ID, "@newsletter") || ours.Name != "Store news" ||
			ours.Description != "Offers and opening hours" || ours.InviteLink != "https://whatsapp.com/channel/"+ours.InviteCode || ours.State != "ACTIVE" {
			t.Fatalf("create: %d %s", code, b)
		}
		if c := sm.channel(t, ours.ID); c.Owner != me || !c.Picture || c.Name != "Store news" {
			t.Fatalf("the simulator holds %+v", c)
		}
	})
	if ours.ID == "" {
		t.FailNow()
	}

	t.Run("search the directory, a page at a time", func(t *testing.T) {
		var res session.ChannelSearch
		code, b := srv.call("GET", base+"?q=bakery", nil)
		mustJSON(t, b, &res)
		if code != http.StatusOK || len(res.Channels) != 1 || res.Channels[0].ID != bakery.ID || res.Channels[0].Description != "fresh bread daily" {
			t.Fatalf("search bakery: %d %s", code, b)
		}
		code, b = srv.call("GET", base+"?q=news&limit=1", nil)
		mustJSON(t, b, &res)
		if code != http.StatusOK || len(res.Channels) != 1 || res.NextCursor == "" {
			t.Fatalf("page 1: %d %s", code, b)
		}
		first := res.Channels[0].ID
		code, b = srv.call("GET", base+"?q=news&limit=1&cursor="+url.QueryEscape(res.NextCursor), nil)
		res = session.ChannelSearch{}
		mustJSON(t, b, &res)
		if code != http.StatusOK || len(res.Channels) != 1 || res.Channels[0].ID == first || res.NextCursor != "" {
			t.Fatalf("page 2: %d %s", code, b)
		}
	})

	t.Run("follow, mute, unmute, unfollow", func(t *testing.T) {
		for _, step := range []struct {
			method, path     string
			followers, muted []string
		}{
			{"PUT", "/follow", []string{me}, []string{}},
			{"PUT", "/mute", []string{me}, []string{me}},
			{"DELETE", "/mute", []string{me}, []string{}},
			{"DELETE", "/follow", []string{}, []string{}},
		} {
			if code, b := srv.call(step.method, base+"/"+bakery.ID+step.path, nil); code != http.StatusNoContent {
				t.Fatalf("%s %s: %d %s", step.method, step.path, code, b)
			}
			if c := sm.channel(t, bakery.ID); !slices.Equal(c.Followers, step.followers) || !slices.Equal(c.Muted, step.muted) {
				t.Fatalf("after %s %s the simulator has followers %v, muted %v", step.method, step.path, c.Followers, c.Muted)
			}
		}
		code, b := srv.call("PUT", base+"/"+bakery.ID+"/mute", nil)
		wantProblem(t, "mute a channel we left", code, b, http.StatusNotFound, "channel_not_found", "")
	})

	t.Run("a followed channel's posts arrive", func(t *testing.T) {
		if code, b := srv.call("PUT", base+"/"+bakery.ID+"/follow", nil); code != http.StatusNoContent {
			t.Fatalf("follow: %d %s", code, b)
		}
		code, b := sm.control(t, "POST", "/__sim/channel-post", map[string]any{"id": bakery.ID, "text": "Croissants are out"})
		if code != http.StatusOK {
			t.Fatalf("carol posts: %d %s", code, b)
		}
		got := pub.wait(t, "ch", session.EventMessageReceived, func(d any) bool {
			m, ok := d.(session.Message)
			return ok && m.ChatID == bakery.ID
		}).Data.(session.Message)
		if got.Body != "Croissants are out" || got.FromMe || got.Kind != "text" {
			t.Fatalf("message.received = %+v", got)
		}
	})

	t.Run("edit ours, not theirs", func(t *testing.T) {
		code, b := srv.call("PATCH", base+"/"+ours.ID, map[string]any{"name": "Store news (EU)", "description": "Offers"})
		var c session.Channel
		mustJSON(t, b, &c)
		if code != http.StatusOK || c.Name != "Store news (EU)" || c.Description != "Offers" {
			t.Fatalf("edit: %d %s", code, b)
		}
		if got := sm.channel(t, ours.ID); got.Name != "Store news (EU)" {
			t.Fatalf("the simulator holds %+v", got)
		}
		code, b = srv.call("PATCH", base+"/"+bakery.ID, map[string]any{"name": "Mine now"})
		wantProblem(t, "edit carol's", code, b, http.StatusConflict, "not_allowed", "")
	})

	t.Run("post the kinds a channel takes", func(t *testing.T) {
		code, msg, b := srv.send("ch", map[string]any{"type": "text", "chat_id": ours.ID, "text": "20% off today"})
		if code != http.StatusCreated || msg.ChatID != ours.ID || msg.Kind != "text" {
			t.Fatalf("text: %d %s", code, b)
		}
		pub.wait(t, "ch", session.EventMessageSent, msgID(msg.ID))
		code, img, b := srv.send("ch", map[string]any{"type": "image", "chat_id": ours.ID, "caption": "new in",
			"media": map[string]any{"data": b64(pngBytes)}})
		if code != http.StatusCreated || img.Kind != "image" {
			t.Fatalf("image: %d %s", code, b)
		}
		code, poll, b := srv.send("ch", map[string]any{"type": "poll", "chat_id": ours.ID,
			"poll": map[string]any{"name": "Next sale?", "options": []string{"Shoes", "Hats"}, "selectable_count": 1}})
		if code != http.StatusCreated || poll.Kind != "poll" {
			t.Fatalf("poll: %d %s", code, b)
		}
		posts := sm.channel(t, ours.ID).Posts
		types := []string{}
		for _, p := range posts {
			types = append(types, p.Type)
		}
		if !slices.Equal(types, []string{"chat", "image", "poll_creation"}) || posts[0].Body != "20% off today" || posts[1].Caption != "new in" {
			t.Fatalf("the channel holds %+v", posts)
		}
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"a document", map[string]any{"type": "document", "media": map[string]any{"data": b64(pdfBytes)}}, "type"},
			{"a location", map[string]any{"type": "location", "location": map[string]any{"latitude": 1, "longitude": 2}}, "type"},
			{"a reply", map[string]any{"type": "text", "text": "re", "reply_to": msg.ID}, "reply_to"},
			{"a mention", map[string]any{"type": "text", "text": "hi @1555", "mentions": []string{carol}}, "mentions"},
			{"view once", map[string]any{"type": "image", "view_once": true, "media": map[string]any{"data": b64(pngBytes)}}, "view_once"},
		} {
			tc.body["chat_id"] = ours.ID
			code, _, b := srv.send("ch", tc.body)
			wantProblem(t, tc.name, code, b, http.StatusBadRequest, "invalid_request", tc.field)
		}
		if n := len(sm.channel(t, ours.ID).Posts); n != 3 {
			t.Fatalf("refused sends reached the channel: %d posts", n)
		}
	})

	t.Run("bad input and refusals", func(t *testing.T) {
		srv.wantProblems(t, []problemCase{
			{"search without words", "GET", base, nil, 400, "invalid_request", "q"},
			{"search limit", "GET", base + "?q=news&limit=500", nil, 400, "invalid_request", "limit"},
			{"create without a name", "POST", base, map[string]any{"description": "x"}, 400, "invalid_request", "name"},
			{"a picture that is a PDF", "POST", base, map[string]any{"name": "x", "picture": map[string]any{"data": b64(pdfBytes)}}, 400, "invalid_request", "picture"},
			{"a channel id that is no id", "PUT", base + "/12345/follow", nil, 400, "invalid_request", "channel"},
			{"follow a channel that does not exist", "PUT", base + "/120363999999999999@newsletter/follow", nil, 409, "not_allowed", ""},
			{"edit nothing", "PATCH", base + "/" + ours.ID, map[string]any{}, 400, "invalid_request", "name"},
			{"delete carol's", "DELETE", base + "/" + bakery.ID, nil, 409, "not_allowed", ""},
		})
	})

	t.Run("delete ours", func(t *testing.T) {
		if code, b := srv.call("DELETE", base+"/"+ours.ID, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", code, b)
		}
		if c := sm.channel(t, ours.ID); !c.Deleted {
			t.Fatalf("the simulator holds %+v", c)
		}
		code, b := srv.call("DELETE", base+"/"+ours.ID, nil)
		wantProblem(t, "delete again", code, b, http.StatusConflict, "not_allowed", "")
	})
}
