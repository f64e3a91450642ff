package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// call sends one request to ts and returns the status, headers and body;
// a body goes as JSON.
func call(t *testing.T, ts *httptest.Server, method, path, body string, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	h := map[string]string{}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	maps.Copy(h, header)
	return roundTrip(t, http.DefaultClient, method, ts.URL+path, body, h)
}

// roundTrip sends one request through client, with the headers of header
// that are not empty, and returns the status, headers and body.
func roundTrip(t testing.TB, client *http.Client, method, url, body string, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, b
}

func decodeProblem(t *testing.T, b []byte) api.Problem {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("problem %q: %v", b, err)
	}
	return p
}

// TestSendToAWorkingSession sends a text through the route as a WORKING
// session would take it, with no browser behind it.
func TestSendToAWorkingSession(t *testing.T) {
	sent := session.Message{ID: "true_15551234567@c.us_3EB0AA", ChatID: "15551234567@c.us", FromMe: true,
		Type: "chat", Body: "hello", Timestamp: 1764136800, Ack: session.AckServer}
	var gotID, gotChat, gotText string
	ts := newFakeAPI(t, &fakeSessions{SendFn: func(_ context.Context, id string, out session.Outgoing) (session.Message, error) {
		if out.Kind != session.KindText {
			t.Errorf("a body without type went as kind %q, want text", out.Kind)
		}
		gotID, gotChat, gotText = id, out.ChatID, out.Text
		return sent, nil
	}}, nil)
	code, _, b := call(t, ts, "POST", "/v1/sessions/alice/messages", `{"chat_id":"15551234567","text":"hello"}`, nil)
	if code != http.StatusCreated {
		t.Fatalf("send: %d %s", code, b)
	}
	var got session.Message
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sent, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if gotID != "alice" || gotChat != "15551234567" || gotText != "hello" {
		t.Errorf("the session got (%q, %q, %q)", gotID, gotChat, gotText)
	}
}

// TestBadMessagesNeverReachTheSession: a bad body is a 400 naming the
// field; the fake has no send, so reaching it would be a 500.
func TestBadMessagesNeverReachTheSession(t *testing.T) {
	ts := newFakeAPI(t, &fakeSessions{}, nil)
	tests := []struct{ name, body, field string }{
		{"not a chat", `{"chat_id":"not a chat","text":"hi"}`, "chat_id"},
		{"text and media", `{"chat_id":"15551234567","text":"hi","media":{"data":"aGk="}}`, "text"},
		{"unknown field", `{"chat_id":"15551234567","txt":"hi"}`, "txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, b := call(t, ts, "POST", "/v1/sessions/alice/messages", tt.body, nil)
			if p := decodeProblem(t, b); code != http.StatusBadRequest || p.Field != tt.field {
				t.Errorf("%d %+v, want 400 on field %q", code, p, tt.field)
			}
		})
	}
}

// TestDomainErrorsBecomeStatuses: what the session domain answers reaches
// the client as its status and code; causes of 500s stay in the log.
func TestDomainErrorsBecomeStatuses(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   apperr.Code
		detail string
	}{
		{"not working", apperr.E(apperr.NotWorking, `session "alice" is SCAN_QR_CODE; listing chats needs WORKING`),
			409, apperr.NotWorking, `session "alice" is SCAN_QR_CODE; listing chats needs WORKING`},
		{"no session", apperr.E(apperr.SessionNotFound, `session "alice" does not exist`), 404, apperr.SessionNotFound, `session "alice" does not exist`},
		{"page too slow", apperr.E(apperr.Timeout, "the page did not answer within 30s"), 504, apperr.Timeout, "the page did not answer within 30s"},
		{"browser gone", apperr.E(apperr.Unavailable, "the browser went away"), 503, apperr.Unavailable, "the browser went away"},
		{"a bug", errors.New("bridge: listChats: TypeError at chat.js:42"), 500, apperr.Internal,
			"internal error; the server log has the details under this request id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newFakeAPI(t, &fakeSessions{ListChatsFn: func(context.Context, string, session.ChatFilter) (session.ChatPage, error) {
				return session.ChatPage{}, tt.err
			}}, nil)
			code, h, b := call(t, ts, "GET", "/v1/sessions/alice/chats", "", nil)
			p := decodeProblem(t, b)
			if code != tt.status || p.Code != string(tt.code) || p.Detail != tt.detail || p.RequestID == "" {
				t.Errorf("%d %+v, want %d %s %q with a request id", code, p, tt.status, tt.code, tt.detail)
			}
			if ct := h.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestListMessagesPaging(t *testing.T) {
	type args struct {
		Chat, Before string
		Limit        int
	}
	var got args
	ts := newFakeAPI(t, &fakeSessions{MessagesFn: func(_ context.Context, _, chat string, limit int, before string) ([]session.Message, error) {
		got = args{chat, before, limit}
		return []session.Message{{ID: "m1", Body: "older"}}, nil
	}}, nil)
	code, _, b := call(t, ts, "GET", "/v1/sessions/alice/chats/15551234567%40c.us/messages?limit=2&before=m9", "", nil)
	if code != http.StatusOK || !strings.Contains(string(b), `"older"`) {
		t.Fatalf("list: %d %s", code, b)
	}
	if want := (args{"15551234567@c.us", "m9", 2}); got != want {
		t.Errorf("the session was asked for %+v, want %+v", got, want)
	}
	if code, _, b := call(t, ts, "GET", "/v1/sessions/alice/chats/x/messages?limit=501", "", nil); code != 400 || decodeProblem(t, b).Field != "limit" {
		t.Errorf("limit 501: %d %s", code, b)
	}
	call(t, ts, "GET", "/v1/sessions/alice/chats/x/messages", "", nil)
	if got.Limit != 50 {
		t.Errorf("default limit %d, want 50", got.Limit)
	}
}

// TestQRFormats serves one QR code as PNG, JSON and raw text.
func TestQRFormats(t *testing.T) {
	qr := session.QR{Code: "2@abcdef,ghijkl", Index: 3, ExpiresAt: time.Date(2026, 11, 26, 6, 0, 20, 0, time.UTC)}
	ts := newFakeAPI(t, &fakeSessions{QRFn: func(context.Context, string) (session.QR, error) { return qr, nil }}, nil)

	code, h, b := call(t, ts, "GET", "/v1/sessions/alice/qr", "", nil)
	if code != 200 || h.Get("Content-Type") != "image/png" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("png: %d %v", code, h)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("png: %v", err)
	}

	code, _, b = call(t, ts, "GET", "/v1/sessions/alice/qr", "", map[string]string{"Accept": "application/json"})
	var j api.QRResponse
	if err := json.Unmarshal(b, &j); code != 200 || err != nil {
		t.Fatalf("json: %d %s", code, b)
	}
	if j.Code != qr.Code || j.Index != 3 || j.ExpiresAt != "2026-11-26T06:00:20.000Z" {
		t.Errorf("json answer %+v", j)
	}
	img, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(j.Image, "data:image/png;base64,"))
	if _, perr := png.Decode(bytes.NewReader(img)); err != nil || perr != nil {
		t.Errorf("json image is not a PNG data URL: %v %v", err, perr)
	}

	if code, _, b = call(t, ts, "GET", "/v1/sessions/alice/qr?format=raw", "", nil); code != 200 || string(b) != qr.Code {
		t.Errorf("raw: %d %q", code, b)
	}
}

// TestScopedKeyOverFakes: a scoped key reaches its session and gets, for
// another one, the answer of a session that does not exist, without the
// domain being asked.
func TestScopedKeyOverFakes(t *testing.T) {
	me := session.Account{ID: "15551234567@c.us", Phone: "15551234567", PushName: "Alice"}
	keys := &fakeKeys{byKey: map[string]apikey.Key{"eak_alice": {ID: "key_1", Sessions: []string{"alice"}}}}
	ts := newFakeAPI(t, &fakeSessions{MeFn: func(_ context.Context, id string) (session.Account, error) {
		if id != "alice" {
			t.Errorf("the domain was asked for %q", id)
		}
		return me, nil
	}}, func(c *api.Config) { c.AdminKey, c.Keys = "admin-key-0123456789abcdef", keys })

	key := map[string]string{"X-Api-Key": "eak_alice"}
	if code, _, b := call(t, ts, "GET", "/v1/sessions/alice/me", "", key); code != 200 || !strings.Contains(string(b), `"push_name":"Alice"`) {
		t.Errorf("own session: %d %s", code, b)
	}
	code, _, b := call(t, ts, "GET", "/v1/sessions/bob/me", "", key)
	if p := decodeProblem(t, b); code != 404 || p.Code != string(apperr.SessionNotFound) {
		t.Errorf("other session: %d %+v, want 404 session_not_found", code, p)
	}
	if code, _, _ := call(t, ts, "GET", "/v1/sessions/alice/me", "", map[string]string{"X-Api-Key": "eak_nope"}); code != 401 {
		t.Errorf("unknown key: %d, want 401", code)
	}
}

// TestReadyzSaysWhatToDo: an apperr from the readiness check reaches the
// client (what to do); any other cause stays in the log.
func TestReadyzSaysWhatToDo(t *testing.T) {
	tests := []struct {
		name, detail string
		err          error
	}{
		{"actionable", "not ready: wa-js bundle missing: run `easy-api setup`", errors.Join(nil, apperr.E(apperr.Unavailable, "wa-js bundle missing: run `easy-api setup`"))},
		{"internal cause", "not ready", errors.New("store: not connected to nats://127.0.0.1:4222")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newFakeAPI(t, &fakeSessions{}, func(c *api.Config) { c.Ready = func() error { return tt.err } })
			code, _, b := call(t, ts, "GET", "/readyz", "", nil)
			if p := decodeProblem(t, b); code != 503 || p.Detail != tt.detail {
				t.Errorf("%d %q, want 503 %q", code, p.Detail, tt.detail)
			}
		})
	}
	ts := newFakeAPI(t, &fakeSessions{}, func(c *api.Config) { c.Ready = func() error { return nil } })
	if code, _, b := call(t, ts, "GET", "/readyz", "", nil); code != 200 {
		t.Errorf("ready: %d %s", code, b)
	}
}
