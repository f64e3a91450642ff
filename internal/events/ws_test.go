package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
)

func wsURL(e *env, query string) string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/v1/ws?" + query
}

func dialWS(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (response %v)", url, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readIDs reads n event frames and returns their ids.
func readIDs(t *testing.T, c *websocket.Conn, n int) []uint64 {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	ids := make([]uint64, 0, n)
	for range n {
		var ev events.Event
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("read after ids %v: %v", ids, err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

func TestWebSocketResumeAcrossReconnect(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	c := dialWS(t, wsURL(e, "session=alice&type=session.status,session.qr"))
	want := e.publish(t, "alice", events.SessionStatus, 5)
	e.publish(t, "bob", events.SessionStatus, 2) // filtered out
	got := readIDs(t, c, 5)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("first connection (-want +got):\n%s", diff)
	}
	c.Close()

	missed := e.publish(t, "alice", events.SessionQR, 5)
	c2 := dialWS(t, wsURL(e, fmt.Sprintf("session=alice&type=session.status&type=session.qr&since=%d", got[len(got)-1])))
	live := func() uint64 {
		// Published only once the replay is under way, so it comes live.
		return e.publish(t, "alice", events.SessionStatus, 1)[0]
	}
	got2 := readIDs(t, c2, 5)
	if diff := cmp.Diff(missed, got2); diff != "" {
		t.Fatalf("replay after reconnect (-want +got):\n%s", diff)
	}
	id := live()
	if got3 := readIDs(t, c2, 1); got3[0] != id {
		t.Fatalf("live after replay: got %d, want %d", got3[0], id)
	}
}

func TestWebSocketRejectsBadRequests(t *testing.T) {
	e := newEnv(t, events.BusConfig{MaxMsgs: 3}, events.HandlersConfig{})
	e.publish(t, "alice", events.SessionStatus, 6)
	tests := []struct {
		name, query string
		status      int
		detail      string
	}{
		{"unknown type", "type=session.nope", 400, "valid types: "},
		{"bad session", "session=a.b", 400, "not a valid session id"},
		{"bad since", "since=x", 400, "since"},
		{"since too old", "since=1", 410, "no longer retained"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := websocket.DefaultDialer.Dial(wsURL(e, tt.query), nil)
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded")
			}
			defer resp.Body.Close()
			var p struct{ Detail string }
			_ = json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, p.Detail, tt.status, tt.detail)
			}
		})
	}
}

// TestWebSocketSlowClient has one client that stops reading while events
// flow: a second client and the publisher are not slowed down, and the slow
// client, once it reads again, finds the frames it was sent followed by a
// close frame naming the last of them.
func TestWebSocketSlowClient(t *testing.T) {
	// The write timeout must outlast the whole publishing below even on a
	// loaded machine: the slow client is to be cut for falling behind, not
	// for one blocked write.
	e := newEnv(t, events.BusConfig{Buffer: 32}, events.HandlersConfig{WriteTimeout: 2 * time.Minute})
	slow, _, err := websocket.DefaultDialer.Dial(wsURL(e, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast := dialWS(t, wsURL(e, ""))

	// The publisher stays at most 8 events ahead of the fast client (whose
	// buffer is 32), so only the client that stopped reading can fall behind.
	const n, window = 400, 8
	received := make(chan uint64, n)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(received)
		_ = fast.SetReadDeadline(time.Now().Add(2 * time.Minute))
		for range n {
			_, msg, err := fast.ReadMessage()
			if err != nil {
				return
			}
			received <- frameID(msg)
		}
	})
	pad := strings.Repeat("x", 32<<10) // 400 × 32 KiB is well past the socket buffers
	var ids, fastIDs []uint64
	for i := range n {
		for len(fastIDs) < i-window {
			id, ok := <-received
			if !ok {
				t.Fatalf("fast client stopped after %d events", len(fastIDs))
			}
			fastIDs = append(fastIDs, id)
		}
		ev, err := e.bus.PublishEvent(context.Background(), "alice", events.MessageReceived, map[string]string{"pad": pad})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	for id := range received {
		fastIDs = append(fastIDs, id)
	}
	wg.Wait()
	if diff := cmp.Diff(ids, fastIDs); diff != "" {
		t.Fatalf("fast client (-want +got):\n%s", diff)
	}

	_ = slow.SetReadDeadline(time.Now().Add(2 * time.Minute))
	var last uint64
	for {
		var ev events.Event
		err := slow.ReadJSON(&ev)
		if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
			if ce.Code != websocket.CloseTryAgainLater {
				t.Errorf("close code %d, want %d", ce.Code, websocket.CloseTryAgainLater)
			}
			if want := fmt.Sprintf("slow consumer; last id %d", last); ce.Text != want {
				t.Errorf("close reason %q, want %q", ce.Text, want)
			}
			break
		}
		if err != nil {
			t.Fatalf("slow read after id %d: %v", last, err)
		}
		if ev.ID != last+1 && last != 0 {
			t.Fatalf("slow client: id %d after %d", ev.ID, last)
		}
		last = ev.ID
	}
	if last >= ids[n-1] {
		t.Errorf("slow client got every event (last %d): it was never cut", last)
	}
}

// frameID reads the id of an event frame without decoding the rest: the
// envelope starts with {"id":N,.
func frameID(msg []byte) uint64 {
	var id uint64
	_, _ = fmt.Sscanf(string(msg[:min(len(msg), 32)]), `{"id":%d,`, &id)
	return id
}

func TestWebSocketOriginCheck(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{
		CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://ok.example" },
	})
	for origin, ok := range map[string]bool{"https://ok.example": true, "https://evil.example": false} {
		c, _, err := websocket.DefaultDialer.Dial(wsURL(e, ""), http.Header{"Origin": {origin}})
		if (err == nil) != ok {
			t.Errorf("origin %s: dial error %v, want ok=%v", origin, err, ok)
		}
		if c != nil {
			c.Close()
		}
	}
}

// TestWebSocketOriginDefault: with no CheckOrigin, a page of the server's
// own origin (or no browser at all) may stream; another origin is a 403
// problem.
func TestWebSocketOriginDefault(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	u, _ := url.Parse(e.srv.URL)
	for origin, want := range map[string]int{"": 101, "http://" + u.Host: 101, "https://evil.example": 403} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		c, resp, _ := websocket.DefaultDialer.Dial(wsURL(e, ""), h)
		if c != nil {
			c.Close()
		}
		if resp == nil || resp.StatusCode != want {
			t.Errorf("origin %q: %v, want %d", origin, resp, want)
		} else if want != 101 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("origin %q: Content-Type %q", origin, resp.Header.Get("Content-Type"))
		}
	}
}
