package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// pictureOf is a real PNG of w×h: the left half red, the right half blue.
func pictureOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		c := color.RGBA{R: 255, A: 255}
		if x >= w/2 {
			c = color.RGBA{B: 255, A: 255}
		}
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// simProfile is the account's profile as the simulated phone shows it.
func (sm *sim) simProfile(t testing.TB, phone string) wasim.Profile {
	t.Helper()
	code, b := sm.control(t, "GET", "/__sim/profile?phone="+phone, nil)
	if code != http.StatusOK {
		t.Fatalf("sim profile: %d %s", code, b)
	}
	var p wasim.Profile
	mustJSON(t, b, &p)
	return p
}

// placeCall has from call phone on the simulated network.
func (sm *sim) placeCall(t testing.TB, phone, from string, video bool) wasim.Call {
	t.Helper()
	code, b := sm.control(t, "POST", "/__sim/call", map[string]any{"phone": phone, "from": from, "video": video})
	if code != http.StatusOK {
		t.Fatalf("place call: %d %s", code, b)
	}
	var c wasim.Call
	mustJSON(t, b, &c)
	return c
}

func callID(id string) func(any) bool {
	return func(d any) bool {
		switch v := d.(type) {
		case session.CallEvent:
			return v.ID == id
		case session.CallRejectedEvent:
			return v.ID == id
		}
		return false
	}
}

// TestProfileAndCalls drives our profile and calls through the API, real
// Chromium and the simulator: what the API sets is what the phone side
// sees, and a rejected caller sees the rejection and the text.
func TestProfileAndCalls(t *testing.T) {
	skipShort(t)
	sm := startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, SyncDelay: 50 * time.Millisecond,
		AckDelay: 100 * time.Millisecond})
	pub := newRecordingPublisher()
	srv := startServer(t, testDir(t), sm, serverOpts{tee: pub, callTimeout: pageCallTimeout,
		media: api.MediaConfig{MaxBytes: 1 << 20, FetchTimeout: 5 * time.Second, AllowPrivateURLs: true}})
	t.Cleanup(func() { checkEventPayloads(t, pub) })
	const me, bob, carol = "15552220000", "15553330000", "15554440000"
	srv.create("p", nil)
	srv.link(sm, "p", me)
	base := "/v1/sessions/p"

	profile := func(t *testing.T, method, path string, body any) session.Profile {
		t.Helper()
		code, b := srv.call(method, base+path, body)
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, code, b)
		}
		var p session.Profile
		mustJSON(t, b, &p)
		return p
	}

	t.Run("push name and about", func(t *testing.T) {
		p := profile(t, "GET", "/profile", nil)
		if p.ID != me+"@c.us" || p.Phone != me || p.PushName != "User "+me || p.About != "" || p.PictureURL != "" {
			t.Fatalf("profile = %+v", p)
		}
		p = profile(t, "PATCH", "/profile", map[string]any{"push_name": "Alice Ç", "about": "Out for lunch 🍕"})
		if p.PushName != "Alice Ç" || p.About != "Out for lunch 🍕" {
			t.Fatalf("after PATCH = %+v", p)
		}
		if sp := sm.simProfile(t, me); sp.Name != "Alice Ç" || sp.About != "Out for lunch 🍕" {
			t.Fatalf("the phone sees %+v", sp)
		}
		p = profile(t, "PATCH", "/profile", map[string]any{"about": ""})
		if p.PushName != "Alice Ç" || p.About != "" || sm.simProfile(t, me).About != "" {
			t.Fatalf("clearing about: %+v", p)
		}
		for _, c := range []struct {
			name  string
			body  any
			field string
		}{
			{"empty name", map[string]any{"push_name": ""}, "push_name"},
			{"name too long", map[string]any{"push_name": strings.Repeat("n", 26)}, "push_name"},
			{"about too long", map[string]any{"about": strings.Repeat("a", 140)}, "about"},
			{"nothing to set", map[string]any{}, "push_name"},
			{"wrong type", map[string]any{"about": 7}, "about"},
		} {
			code, b := srv.call("PATCH", base+"/profile", c.body)
			wantProblem(t, c.name, code, b, http.StatusBadRequest, "invalid_request", c.field)
		}
		if sp := sm.simProfile(t, me); sp.Name != "Alice Ç" {
			t.Fatalf("a refused PATCH changed the name: %+v", sp)
		}
	})

	t.Run("picture", func(t *testing.T) {
		pic := pictureOf(t, 800, 400)
		p := profile(t, "PUT", "/profile/picture", map[string]any{"image": map[string]any{"data": b64(pic)}})
		sp := sm.simProfile(t, me)
		if p.PictureURL == "" || sp.Picture == "" || !strings.Contains(p.PictureURL, sp.Picture) {
			t.Fatalf("picture_url %q, the phone has %+v", p.PictureURL, sp)
		}
		// WhatsApp's picture: the centred square, as a 640×640 JPEG.
		code, jb := sm.control(t, "GET", "/__sim/media/"+sp.Picture, nil)
		img, err := jpeg.Decode(bytes.NewReader(jb))
		if code != http.StatusOK || err != nil {
			t.Fatalf("picture on the phone: %d %v", code, err)
		}
		if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 640 {
			t.Fatalf("picture is %v, want 640×640", b)
		}
		if r, _, bl, _ := img.At(100, 320).RGBA(); r>>8 < 200 || bl>>8 > 60 {
			t.Errorf("left of the crop is not red: r=%d b=%d", r>>8, bl>>8)
		}
		if r, _, bl, _ := img.At(540, 320).RGBA(); bl>>8 < 200 || r>>8 > 60 {
			t.Errorf("right of the crop is not blue: r=%d b=%d", r>>8, bl>>8)
		}
		if got := profile(t, "GET", "/profile", nil); got.PictureURL != p.PictureURL {
			t.Errorf("GET picture_url %q, PUT said %q", got.PictureURL, p.PictureURL)
		}

		// From a URL, like a send's media.
		files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(pictureOf(t, 300, 300))
		}))
		t.Cleanup(files.Close)
		p2 := profile(t, "PUT", "/profile/picture", map[string]any{"image": map[string]any{"url": files.URL + "/me.png"}})
		if sp2 := sm.simProfile(t, me); sp2.Picture == sp.Picture || !strings.Contains(p2.PictureURL, sp2.Picture) {
			t.Fatalf("the url picture did not replace the first: %+v %+v", p2, sp2)
		}

		for _, c := range []struct {
			name, field string
			body        any
			status      int
			code        string
		}{
			{"no image", "image", map[string]any{}, 400, "invalid_request"},
			{"not an image", "image", map[string]any{"image": map[string]any{"data": b64(pdfBytes)}}, 400, "invalid_request"},
			{"bad base64", "image.data", map[string]any{"image": map[string]any{"data": "%%%"}}, 400, "invalid_request"},
			{"data and url", "image", map[string]any{"image": map[string]any{"data": b64(pic), "url": files.URL}}, 400, "invalid_request"},
			{"too large", "image.data", map[string]any{"image": map[string]any{"data": b64(randomBytes(1<<20 + 10))}}, 413, "body_too_large"},
		} {
			code, b := srv.call("PUT", base+"/profile/picture", c.body)
			wantProblem(t, c.name, code, b, c.status, c.code, c.field)
		}

		p = profile(t, "DELETE", "/profile/picture", nil)
		if p.PictureURL != "" || sm.simProfile(t, me).Picture != "" {
			t.Fatalf("after DELETE: %+v, phone %+v", p, sm.simProfile(t, me))
		}
		if p = profile(t, "DELETE", "/profile/picture", nil); p.PictureURL != "" {
			t.Fatalf("a second DELETE: %+v", p)
		}
	})

	t.Run("reject a call through the API", func(t *testing.T) {
		c := sm.placeCall(t, me, bob, true)
		got := pub.wait(t, "p", session.EventCallReceived, callID(c.ID)).Data.(session.CallEvent)
		if got.From != bob+"@c.us" || got.Phone != bob || !got.IsVideo || got.IsGroup || got.Timestamp != c.OfferTime {
			t.Fatalf("call.received = %+v, placed %+v", got, c)
		}
		code, b := srv.call("POST", base+"/calls/"+c.ID+"/reject", map[string]any{"message": "In a meeting, will call back"})
		if code != http.StatusOK {
			t.Fatalf("reject: %d %s", code, b)
		}
		var res session.RejectResult
		mustJSON(t, b, &res)
		if res.ID != c.ID || res.From != bob+"@c.us" || res.MessageID == "" {
			t.Fatalf("reject = %+v", res)
		}
		// The caller sees the rejection, then the text.
		act := sm.waitAction(t, me, func(a wasim.Action) bool { return a.Type == "call_reject" && a.Value == c.ID })
		if act.ChatID != bob+"@c.us" {
			t.Errorf("rejection logged for %q", act.ChatID)
		}
		if out := sm.sentAs(t, me, res.MessageID); out.Body != "In a meeting, will call back" || out.ChatID != bob+"@c.us" {
			t.Errorf("text to the caller = %+v", out)
		}
		ev := pub.wait(t, "p", session.EventCallRejected, callID(c.ID)).Data.(session.CallRejectedEvent)
		if ev.Auto || ev.From != bob+"@c.us" || ev.MessageID != res.MessageID || ev.Error != "" {
			t.Errorf("call.rejected = %+v", ev)
		}

		code, b = srv.call("POST", base+"/calls/"+c.ID+"/reject", nil)
		wantProblem(t, "rejected twice", code, b, http.StatusConflict, "not_allowed", "call")
		code, b = srv.call("POST", base+"/calls/ABCDEF0123456789ABCDEF0123456789/reject", nil)
		wantProblem(t, "unknown call", code, b, http.StatusNotFound, "call_not_found", "call")
		code, b = srv.call("POST", base+"/calls/no%20such%20id/reject", nil)
		wantProblem(t, "malformed call id", code, b, http.StatusBadRequest, "invalid_request", "call")
		code, b = srv.call("POST", base+"/calls/"+c.ID+"/reject", map[string]any{"message": strings.Repeat("x", 4097)})
		wantProblem(t, "message too long", code, b, http.StatusBadRequest, "invalid_request", "message")
	})

	t.Run("reject_calls", func(t *testing.T) {
		code, b := srv.call("PATCH", base, map[string]any{"reject_calls": true, "reject_calls_message": "I do not take calls here; please write."})
		if code != http.StatusOK {
			t.Fatalf("PATCH: %d %s", code, b)
		}
		var v session.View
		mustJSON(t, b, &v)
		if !v.EffectiveConfig.RejectCalls || v.EffectiveConfig.RejectCallsMessage == "" {
			t.Fatalf("effective_config = %+v", v.EffectiveConfig)
		}
		c := sm.placeCall(t, me, carol, false)
		ev := pub.wait(t, "p", session.EventCallRejected, callID(c.ID)).Data.(session.CallRejectedEvent)
		if !ev.Auto || ev.From != carol+"@c.us" || ev.MessageID == "" || ev.Error != "" {
			t.Fatalf("call.rejected = %+v", ev)
		}
		if got := pub.wait(t, "p", session.EventCallReceived, callID(c.ID)).Data.(session.CallEvent); got.From != carol+"@c.us" || got.IsVideo {
			t.Errorf("call.received = %+v", got)
		}
		sm.waitAction(t, me, func(a wasim.Action) bool {
			return a.Type == "call_reject" && a.Value == c.ID && a.ChatID == carol+"@c.us"
		})
		if out := sm.sentAs(t, me, ev.MessageID); out.Body != "I do not take calls here; please write." || out.ChatID != carol+"@c.us" {
			t.Errorf("text to the caller = %+v", out)
		}

		code, b = srv.call("PATCH", base, map[string]any{"reject_calls_message": strings.Repeat("x", 4097)})
		wantProblem(t, "message too long", code, b, http.StatusBadRequest, "invalid_request", "reject_calls_message")
		if code, b = srv.call("PATCH", base, map[string]any{"reject_calls": false}); code != http.StatusOK {
			t.Fatalf("PATCH off: %d %s", code, b)
		}
		c = sm.placeCall(t, me, carol, false)
		pub.wait(t, "p", session.EventCallReceived, callID(c.ID))
		// Off: the call keeps ringing, and the API can still reject it.
		code, b = srv.call("POST", base+"/calls/"+c.ID+"/reject", nil)
		var res session.RejectResult
		mustJSON(t, b, &res)
		if code != http.StatusOK || res.MessageID != "" {
			t.Fatalf("reject after turning reject_calls off: %d %s", code, b)
		}
		if n := pub.count("p", session.EventCallRejected, callID(c.ID)); n != 1 {
			t.Errorf("%d call.rejected events for one call", n)
		}
	})
}

// wppResult is the answer of POST .../wpp.
type wppResult struct {
	Result json.RawMessage `json:"result"`
}

// TestRawCall drives POST /v1/sessions/{id}/wpp through real Chromium and
// the simulator's WPP: results come back as JSON shaped like the typed
// routes' models, every name outside the guard is refused before or in the
// page, and a scoped key reaches only its own session.
func TestRawCall(t *testing.T) {
	skipShort(t)
	sm := startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, SyncDelay: 50 * time.Millisecond,
		AckDelay: 100 * time.Millisecond})
	pub := newRecordingPublisher()
	const admin = "raw-call-admin-key-0123456789abcdef"
	srv := startServer(t, testDir(t), sm, serverOpts{tee: pub, callTimeout: pageCallTimeout, apiKey: admin, keys: true})
	const me, bob = "15552220000", "15553330000"
	srv.create("r", nil)
	srv.link(sm, "r", me)
	if code, b := srv.call("POST", "/v1/sessions", map[string]any{"id": "other", "start": false}); code != http.StatusCreated {
		t.Fatalf("create other: %d %s", code, b)
	}
	code, b := sm.control(t, "POST", "/__sim/messages", map[string]any{"phone": me, "from": bob, "from_name": "Bob", "text": "hello raw"})
	if code != http.StatusOK {
		t.Fatalf("deliver: %d %s", code, b)
	}
	var in wasim.Message
	mustJSON(t, b, &in)
	pub.wait(t, "r", session.EventMessageReceived, msgID(in.ID))

	wpp := func(t *testing.T, fn string, args ...any) (int, []byte) {
		t.Helper()
		body := map[string]any{"function": fn}
		if args != nil {
			body["args"] = args
		}
		return srv.call("POST", "/v1/sessions/r/wpp", body)
	}
	result := func(t *testing.T, fn string, args ...any) json.RawMessage {
		t.Helper()
		code, b := wpp(t, fn, args...)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", fn, code, b)
		}
		var r wppResult
		mustJSON(t, b, &r)
		return r.Result
	}

	t.Run("results", func(t *testing.T) {
		if r := string(result(t, "profile.setMyStatus", "set raw")); r != "true" {
			t.Errorf("setMyStatus = %s", r)
		}
		if r := string(result(t, "profile.getMyStatus")); r != `"set raw"` {
			t.Errorf("getMyStatus = %s", r)
		}
		if p := srv.profileOf(t, "r"); p.About != "set raw" {
			t.Errorf("the typed route sees about %q", p.About)
		}
		if r := string(result(t, "conn.getMyUserId")); r != `"`+me+`@c.us"` {
			t.Errorf("getMyUserId (a Wid) = %s, want its serialized id", r)
		}
		var chats []struct {
			ID          string `json:"id"`
			UnreadCount int    `json:"unreadCount"`
		}
		mustJSON(t, result(t, "chat.list", map[string]any{"onlyUsers": true}), &chats)
		if len(chats) != 1 || chats[0].ID != bob+"@c.us" {
			t.Errorf("chat.list = %+v", chats)
		}
		var msg struct{ ID, Body, From string }
		mustJSON(t, result(t, "chat.getMessageById", in.ID), &msg)
		if msg.ID != in.ID || msg.Body != "hello raw" || msg.From != bob+"@c.us" {
			t.Errorf("getMessageById = %+v (MsgKey and Wids as their serialized ids)", msg)
		}
		// wa-js's starMessage answers each message's star as it was before.
		var star struct {
			ID   string `json:"id"`
			Star bool   `json:"star"`
		}
		for _, want := range []bool{false, true} {
			mustJSON(t, result(t, "chat.starMessage", in.ID, true), &star)
			if star.ID != in.ID || star.Star != want {
				t.Errorf("starMessage = %+v, want star %v (before the call)", star, want)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			name, fn    string
			args        []any
			status      int
			code, field string
		}{
			{"a function the page's WPP does not have", "chat.getNotes", []any{bob}, 404, "wpp_function_not_found", "function"},
			{"a non-function export", "chat.defaultSendMessageOptions", nil, 404, "wpp_function_not_found", "function"},
			{"constructor", "chat.constructor", nil, 404, "wpp_function_not_found", "function"},
			{"a prototype member", "chat.hasOwnProperty", []any{"list"}, 404, "wpp_function_not_found", "function"},
			{"__proto__", "chat.__proto__", nil, 400, "invalid_request", "function"},
			{"no member", "chat", nil, 400, "invalid_request", "function"},
			{"a namespace off the list", "whatsapp.Socket", nil, 400, "invalid_request", "function"},
			{"eval", "window.eval", []any{"1"}, 400, "invalid_request", "function"},
			{"wa-js refuses: no such message", "chat.getMessageById", []any{"false_" + bob + "@c.us_3A00FFFFFFFFFFFF"}, 404, "message_not_found", ""},
			{"wa-js refuses: a chat the page does not have", "chat.deleteMessage", []any{"15559990000@c.us", in.ID}, 404, "chat_not_found", ""},
			{"the function throws", "chat.forwardMessages", []any{bob, nil}, 422, "wpp_call_failed", ""},
			{"too many arguments", "chat.list", make([]any, 17), 400, "invalid_request", "args"},
			{"arguments too large", "chat.list", []any{strings.Repeat("a", 300<<10)}, 413, "body_too_large", "args"},
		} {
			code, b := wpp(t, c.fn, c.args...)
			wantProblem(t, c.name, code, b, c.status, c.code, c.field)
		}
		code, b := srv.call("POST", "/v1/sessions/r/wpp", map[string]any{"function": "chat.list", "args": "x"})
		wantProblem(t, "args not an array", code, b, 400, "invalid_request", "args")
		code, b = srv.call("POST", "/v1/sessions/r/wpp", map[string]any{"function": "chat.list", "timeout_ms": 1 << 40})
		wantProblem(t, "timeout too long", code, b, 400, "invalid_request", "timeout_ms")
		code, b = srv.call("POST", "/v1/sessions/other/wpp", map[string]any{"function": "chat.list"})
		wantProblem(t, "a stopped session", code, b, 409, "session_not_working", "")
	})

	t.Run("scoped key", func(t *testing.T) {
		code, b := srv.call("POST", "/v1/keys", map[string]any{"sessions": []string{"r"}, "name": "raw"})
		if code != http.StatusCreated {
			t.Fatalf("create key: %d %s", code, b)
		}
		var key struct{ Key string }
		mustJSON(t, b, &key)
		as := func(path string) (int, []byte) {
			req, _ := http.NewRequest("POST", srv.http.URL+path, strings.NewReader(`{"function":"profile.getMyStatus"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Api-Key", key.Key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			return resp.StatusCode, buf.Bytes()
		}
		if code, b := as("/v1/sessions/r/wpp"); code != http.StatusOK || !strings.Contains(string(b), `"set raw"`) {
			t.Errorf("own session: %d %s", code, b)
		}
		code, b = as("/v1/sessions/other/wpp")
		wantProblem(t, "another session", code, b, 404, "session_not_found", "")
	})
}

// profileOf reads a session's profile through the typed route.
func (s *server) profileOf(t testing.TB, id string) session.Profile {
	t.Helper()
	code, b := s.call("GET", "/v1/sessions/"+id+"/profile", nil)
	if code != http.StatusOK {
		t.Fatalf("profile: %d %s", code, b)
	}
	var p session.Profile
	mustJSON(t, b, &p)
	return p
}
