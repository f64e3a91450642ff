package e2e

import (
	"bytes"
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
	var p wasim.Profile
	sm.controlOK(t, "sim profile", "GET", "/__sim/profile?phone="+phone, nil, &p)
	return p
}

// placeCall has from call phone on the simulated network.
func (sm *sim) placeCall(t testing.TB, phone, from string, video bool) wasim.Call {
	t.Helper()
	var c wasim.Call
	sm.controlOK(t, "place call", "POST", "/__sim/call", map[string]any{"phone": phone, "from": from, "video": video}, &c)
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
	sm := msgSim(t)
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
