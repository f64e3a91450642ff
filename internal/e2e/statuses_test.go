package e2e

import (
	"net/http"
	"slices"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

func (sm *sim) statuses(t testing.TB, phone string) wasim.StatusesInfo {
	t.Helper()
	var info wasim.StatusesInfo
	sm.controlOK(t, "sim statuses", "GET", "/__sim/statuses?phone="+phone, nil, &info)
	return info
}

func TestStatusUpdates(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, pageCallTimeout)
	t.Cleanup(func() { checkEventPayloads(t, pub) })
	const me, bob = "15552224444", "15553335555"
	srv.create("st", nil)
	srv.link(sm, "st", me)
	rcv := newReceiver(t)
	srv.webhookTo(rcv, map[string]any{"sessions": []string{"st"}, "types": []string{session.EventStatusReceived}})
	ws := dialWS(t, srv, "session=st&type="+session.EventStatusReceived)
	deliverText(t, sm, pub, "st", me, bob, "hi, saw my status?")

	t.Run("a contact's status arrives as status.received", func(t *testing.T) {
		code, b := sm.control(t, "POST", "/__sim/status", map[string]any{"phone": bob, "text": "Back from holidays",
			"background_color": "#0275d8", "font": 1})
		if code != http.StatusOK {
			t.Fatalf("bob posts: %d %s", code, b)
		}
		ev := pub.wait(t, "st", session.EventStatusReceived, nil).Data.(session.StatusUpdate)
		want := session.StatusUpdate{ID: ev.ID, From: bob + "@c.us", Kind: "text", Text: "Back from holidays",
			BackgroundColor: "#0275d8", Font: "serif", Timestamp: ev.Timestamp}
		if ev != want || ev.Timestamp == 0 {
			t.Fatalf("status.received = %+v, want %+v", ev, want)
		}
		got := readUntil(t, ws, isType(session.EventStatusReceived))
		hit := rcv.waitEvent(t, "the status", isType(session.EventStatusReceived))
		if hit.ID != got[len(got)-1].ID {
			t.Fatalf("webhook event %d, WebSocket %d", hit.ID, got[len(got)-1].ID)
		}
		if code, b := sm.control(t, "POST", "/__sim/status", map[string]any{"phone": bob,
			"media": map[string]any{"data": b64(pngBytes), "mimetype": "image/png", "caption": "the beach"}}); code != http.StatusOK {
			t.Fatalf("bob posts an image: %d %s", code, b)
		}
		img := pub.wait(t, "st", session.EventStatusReceived, func(d any) bool { return d.(session.StatusUpdate).Kind == "image" }).Data.(session.StatusUpdate)
		if img.Caption != "the beach" || img.Mimetype != "image/png" || img.From != bob+"@c.us" {
			t.Fatalf("image status = %+v", img)
		}

		var list StatusListBody
		code, b = srv.call("GET", "/v1/sessions/st/status", nil)
		mustJSON(t, b, &list)
		ids := []string{}
		for _, st := range list.Statuses {
			ids = append(ids, st.ID)
		}
		slices.Sort(ids)
		want2 := []string{ev.ID, img.ID}
		slices.Sort(want2)
		if code != http.StatusOK || !slices.Equal(ids, want2) {
			t.Fatalf("GET status: %d %s", code, b)
		}
	})

	var posted []session.StatusUpdate
	t.Run("we post text, image and video statuses", func(t *testing.T) {
		for _, tc := range []struct {
			body     map[string]any
			wantType string // as WhatsApp records it
		}{
			{map[string]any{"type": "text", "text": "Open until 8pm", "background_color": "#FF8800", "font": "oswald"}, "chat"},
			{map[string]any{"type": "image", "media": map[string]any{"data": b64(pngBytes)}, "caption": "new in"}, "image"},
			{map[string]any{"type": "video", "media": map[string]any{"data": b64(randomBytes(500)), "mimetype": "video/mp4"}}, "video"},
		} {
			code, b := srv.call("POST", "/v1/sessions/st/status", tc.body)
			var st session.StatusUpdate
			mustJSON(t, b, &st)
			if code != http.StatusCreated || !st.FromMe || st.Kind != tc.body["type"] || st.ID == "" {
				t.Fatalf("post %v: %d %s", tc.body["type"], code, b)
			}
			posted = append(posted, st)
			recs := sm.statuses(t, me).Posted
			i := slices.IndexFunc(recs, func(r wasim.Status) bool { return r.ID == st.ID })
			if i < 0 || recs[i].Type != tc.wantType {
				t.Fatalf("the phone recorded %+v; want %s with id %s", recs, tc.wantType, st.ID)
			}
			if tc.wantType == "chat" && (recs[i].Body != "Open until 8pm" || recs[i].Font != 5 || recs[i].BackgroundColor != 0xffff8800) {
				t.Fatalf("text status recorded as %+v", recs[i])
			}
			if tc.wantType == "image" && (recs[i].Caption != "new in" || recs[i].Mimetype != "image/png") {
				t.Fatalf("image status recorded as %+v", recs[i])
			}
		}
		if n := pub.count("st", session.EventStatusReceived, func(d any) bool { return d.(session.StatusUpdate).FromMe }); n != 0 {
			t.Fatalf("our own statuses came back as %d status.received events", n)
		}
	})

	t.Run("bad input names the field", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			body        map[string]any
			field, code string
		}{
			{"unknown font", map[string]any{"type": "text", "text": "x", "font": "comic"}, "font", "invalid_request"},
			{"colour that is no colour", map[string]any{"type": "text", "text": "x", "background_color": "blue"}, "background_color", "invalid_request"},
			{"empty text", map[string]any{"type": "text", "text": " "}, "text", "invalid_request"},
			{"audio is no status", map[string]any{"type": "audio", "media": map[string]any{"data": b64(mp3Bytes)}}, "type", "invalid_request"},
			{"image without media", map[string]any{"type": "image"}, "media", "invalid_request"},
			{"image that is a PDF", map[string]any{"type": "image", "media": map[string]any{"data": b64(pdfBytes)}}, "media", "invalid_request"},
		} {
			code, b := srv.call("POST", "/v1/sessions/st/status", tc.body)
			wantProblem(t, tc.name, code, b, http.StatusBadRequest, tc.code, tc.field)
		}
	})

	t.Run("we delete one of ours", func(t *testing.T) {
		if len(posted) == 0 {
			t.Fatal("no status was posted: the post step failed first")
		}
		id := posted[0].ID
		if code, b := srv.call("DELETE", "/v1/sessions/st/status/"+id, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", code, b)
		}
		recs := sm.statuses(t, me).Posted
		if i := slices.IndexFunc(recs, func(r wasim.Status) bool { return r.ID == id }); i < 0 || !recs[i].Deleted {
			t.Fatalf("the phone sees %+v", recs)
		}
		code, b := srv.call("DELETE", "/v1/sessions/st/status/"+id, nil)
		wantProblem(t, "delete again", code, b, http.StatusNotFound, "status_not_found", "")
		code, b = srv.call("DELETE", "/v1/sessions/st/status/false_15553335555@c.us_3A0011223344", nil)
		wantProblem(t, "not ours", code, b, http.StatusBadRequest, "invalid_request", "status")
	})
}

// StatusListBody is the body of GET .../status as a client decodes it.
type StatusListBody struct {
	Statuses []session.StatusUpdate `json:"statuses"`
}
