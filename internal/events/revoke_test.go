package events_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/eventstest"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"
)

// TestRevocationEndsStreamsAtOnce: a key.revoked event ends, well within
// the heartbeat's minute (which would also notice), the SSE and WebSocket
// streams opened with that key; streams of other keys go on.
func TestRevocationEndsStreamsAtOnce(t *testing.T) {
	st := eventstest.OpenStore(t, "")
	bus, err := events.NewBus(context.Background(), events.BusConfig{JS: st.JetStream()})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler { // stands in for the API's key middleware
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			ctx := events.WithKey(req.Context(), req.Header.Get("X-Key-Id"), func(context.Context) bool { return true })
			next.ServeHTTP(w, req.WithContext(ctx))
		})
	})
	events.NewHandlers(events.HandlersConfig{Bus: bus, PingInterval: time.Minute}).Mount(r, eventstest.Wrap)
	srv := httptest.NewServer(r)
	t.Cleanup(func() { bus.Close(); srv.Close() })

	dial := func(key string) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/v1/ws?session=alice",
			http.Header{"X-Key-Id": {key}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	revoked, other := dial("key_a"), dial("key_b")
	req, _ := http.NewRequest("GET", srv.URL+"/v1/events?session=alice", nil)
	req.Header.Set("X-Key-Id", "key_a")
	sse, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Body.Close()

	// Ten seconds is room for a loaded machine, and still far below the
	// heartbeat: an end that waited for it would fail.
	const within = 10 * time.Second
	start := time.Now()
	if err := bus.Publish(context.Background(), events.Global, events.KeyRevoked, events.KeyRevokedData{KeyID: "key_a"}); err != nil {
		t.Fatal(err)
	}
	_ = revoked.SetReadDeadline(start.Add(within))
	_, _, err = revoked.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != events.CloseKeyRevoked {
		t.Fatalf("websocket after revocation: %v, want close %d within %s", err, events.CloseKeyRevoked, within)
	}
	sseDone := make(chan string, 1)
	go func() { b, _ := io.ReadAll(sse.Body); sseDone <- string(b) }()
	select {
	case body := <-sseDone:
		if !strings.Contains(body, ": API key revoked") {
			t.Errorf("SSE ended with %q", body)
		}
	case <-time.After(time.Until(start.Add(within))):
		t.Fatalf("the SSE stream outlived its revoked key by more than %s", within)
	}

	id := publishOne(t, bus)
	_ = other.SetReadDeadline(time.Now().Add(within))
	if _, msg, err := other.ReadMessage(); err != nil || frameID(msg) != id {
		t.Fatalf("the other key's stream: %v %s, want event %d", err, msg, id)
	}
}

func publishOne(t *testing.T, bus *events.Bus) uint64 {
	t.Helper()
	ev, err := bus.PublishEvent(context.Background(), "alice", events.MessageReceived, map[string]int{"i": 1})
	if err != nil {
		t.Fatal(err)
	}
	return ev.ID
}
