package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

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
	sm := msgSim(t)
	pub := newRecordingPublisher()
	const admin = "raw-call-admin-key-0123456789abcdef"
	srv := startServer(t, testDir(t), sm, serverOpts{tee: pub, callTimeout: pageCallTimeout, apiKey: admin, keys: true})
	const me, bob = "15552220000", "15553330000"
	srv.create("r", nil)
	srv.link(sm, "r", me)
	if code, b := srv.call("POST", "/v1/sessions", map[string]any{"id": "other", "start": false}); code != http.StatusCreated {
		t.Fatalf("create other: %d %s", code, b)
	}
	in := sm.deliver(t, map[string]any{"phone": me, "from": bob, "from_name": "Bob", "text": "hello raw"})
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
