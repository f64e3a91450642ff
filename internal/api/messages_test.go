package api_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
)

// newMessagingAPI serves the API with a small media limit and fetch
// timeout over a real store, with one created-but-stopped session "s".
func newMessagingAPI(t *testing.T, allowPrivate bool) *httptest.Server {
	t.Helper()
	ts, _ := newAPIWith(t, func(c *api.Config) {
		c.Media = api.MediaConfig{MaxBytes: 1000, FetchTimeout: 300 * time.Millisecond, AllowPrivateURLs: allowPrivate}
	})
	if code, _, _ := request(t, ts, "POST", "/v1/sessions", "application/json", `{"id":"s","start":false}`); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	return ts
}

// mediaOrigin serves the files media.url tests fetch.
func mediaOrigin(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/cat.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\nsmall"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) { w.Write(make([]byte, 5000)) })
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, _ *http.Request) {
		for range 5 {
			w.Write(make([]byte, 400))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/to-cat", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/cat.png", http.StatusFound) })
	mux.HandleFunc("/gone", http.NotFound)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestMessagingBadInput(t *testing.T) {
	ts := newMessagingAPI(t, true)
	origin := mediaOrigin(t)
	const js = "application/json"
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"malformed chat id", "POST", "/v1/sessions/s/messages", `{"chat_id":"bob","text":"hi"}`, 400, "invalid_request", "chat_id"},
		{"missing chat id", "POST", "/v1/sessions/s/messages", `{"text":"hi"}`, 400, "invalid_request", "chat_id"},
		{"empty text", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","text":""}`, 400, "invalid_request", "text"},
		{"blank text", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","text":"  \n"}`, 400, "invalid_request", "text"},
		{"text and media", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","text":"x","media":{"data":"AAAA"}}`, 400, "invalid_request", "text"},
		{"media without data or url", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"mimetype":"image/png"}}`, 400, "invalid_request", "media"},
		{"data and url", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"data":"AAAA","url":"http://x/"}}`, 400, "invalid_request", "media"},
		{"invalid base64", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"data":"not*base64!"}}`, 400, "invalid_request", "media.data"},
		{"bad mimetype", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"data":"AAAA","mimetype":"not a type"}}`, 400, "invalid_request", "media.mimetype"},
		{"media over the limit", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"data":"` + b64(1001) + `"}}`, 413, "body_too_large", "media.data"},
		{"url not http", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"file:///etc/passwd"}}`, 400, "invalid_request", "media.url"},
		{"url timing out", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"` + origin.URL + `/slow"}}`, 504, "timeout", "media.url"},
		{"url over the limit", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"` + origin.URL + `/big"}}`, 413, "body_too_large", "media.url"},
		{"url over the limit, chunked", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"` + origin.URL + `/big-chunked"}}`, 413, "body_too_large", "media.url"},
		{"url redirecting to file:", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"` + origin.URL + `/to-file"}}`, 400, "invalid_request", "media.url"},
		{"url answering 404", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"` + origin.URL + `/gone"}}`, 400, "invalid_request", "media.url"},
		{"text too long", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","text":"` + strings.Repeat("a", 70<<10) + `"}`, 400, "invalid_request", "text"},
		{"body over the route limit", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","text":"` + strings.Repeat("a", 1100<<10) + `"}`, 413, "body_too_large", ""},
		{"bad limit", "GET", "/v1/sessions/s/chats/15551234567/messages?limit=0", "", 400, "invalid_request", "limit"},
		{"limit too big", "GET", "/v1/sessions/s/chats/15551234567/messages?limit=501", "", 400, "invalid_request", "limit"},
		{"bad before", "GET", "/v1/sessions/s/chats/15551234567/messages?before=xyz", "", 400, "invalid_request", "before"},
		{"bad chat in path", "GET", "/v1/sessions/s/chats/bob/messages", "", 400, "invalid_request", "chat"},
		{"bad message id", "GET", "/v1/sessions/s/messages/abc/media", "", 400, "invalid_request", "msg"},
		{"unknown session", "POST", "/v1/sessions/nobody/messages", `{"chat_id":"15551234567","text":"hi"}`, 404, "session_not_found", ""},
		// Valid input on a session that is not WORKING: 409 naming its status.
		{"send while stopped", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","text":"hi"}`, 409, "session_not_working", ""},
		{"media by url while stopped", "POST", "/v1/sessions/s/messages", `{"chat_id":"15551234567","media":{"url":"` + origin.URL + `/to-cat"}}`, 409, "session_not_working", ""},
		{"chats while stopped", "GET", "/v1/sessions/s/chats", "", 409, "session_not_working", ""},
		{"contacts while stopped", "GET", "/v1/sessions/s/contacts", "", 409, "session_not_working", ""},
		{"messages while stopped", "GET", "/v1/sessions/s/chats/15551234567%40c.us/messages?limit=5", "", 409, "session_not_working", ""},
		{"media while stopped", "GET", "/v1/sessions/s/messages/true_15551234567@c.us_3EB0AA/media", "", 409, "session_not_working", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctype := ""
			if tc.body != "" {
				ctype = js
			}
			code, hdr, p := request(t, ts, tc.method, tc.path, ctype, tc.body)
			if code != tc.status || p["code"] != tc.code || (tc.field != "" && p["field"] != tc.field) ||
				hdr.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got %d %v, want %d %s field %q", code, p, tc.status, tc.code, tc.field)
			}
			if tc.code == "session_not_working" && !strings.Contains(p["detail"].(string), "STOPPED") {
				t.Errorf("detail %q does not name the status", p["detail"])
			}
		})
	}
}

func TestMediaURLRefusesPrivateAddresses(t *testing.T) {
	ts := newMessagingAPI(t, false)
	origin := mediaOrigin(t)
	code, _, p := request(t, ts, "POST", "/v1/sessions/s/messages", "application/json",
		`{"chat_id":"15551234567","media":{"url":"`+origin.URL+`/cat.png"}}`)
	if code != 400 || p["field"] != "media.url" || !strings.Contains(p["detail"].(string), "loopback") {
		t.Fatalf("loopback URL: %d %v", code, p)
	}
}
