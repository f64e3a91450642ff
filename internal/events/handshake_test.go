package events_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
)

// TestHandshakeProblems checks that a refused WebSocket handshake answers
// problem+json like every other error, with the upgrader's status.
func TestHandshakeProblems(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{
		CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://ok.example" },
	})
	check := func(t *testing.T, resp *http.Response, status int, code apperr.Code) {
		t.Helper()
		defer resp.Body.Close()
		var p apperr.Problem
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatalf("%d body: %v", resp.StatusCode, err)
		}
		if resp.StatusCode != status || p.Status != status || p.Code != string(code) || p.Detail == "" ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("got %d %s %+v, want %d %s", resp.StatusCode, resp.Header.Get("Content-Type"), p, status, code)
		}
	}
	t.Run("foreign origin", func(t *testing.T) {
		_, resp, err := websocket.DefaultDialer.Dial(wsURL(e, ""), http.Header{"Origin": {"https://evil.example"}})
		if err == nil || resp == nil {
			t.Fatalf("dial: %v, want a refused handshake", err)
		}
		check(t, resp, http.StatusForbidden, apperr.Forbidden)
	})
	t.Run("not a websocket request", func(t *testing.T) {
		resp, err := http.Get(e.srv.URL + "/v1/ws")
		if err != nil {
			t.Fatal(err)
		}
		check(t, resp, http.StatusBadRequest, apperr.Invalid)
	})
}
