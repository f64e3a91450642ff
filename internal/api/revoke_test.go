package api_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/internal/events"
)

// TestRevokedKeyEndsItsStreams: revoking a scoped key over the API ends the
// SSE and WebSocket streams it opened (the events package's
// TestRevocationEndsStreamsAtOnce shows it is the key.revoked event, not a
// heartbeat).
func TestRevokedKeyEndsItsStreams(t *testing.T) {
	f := newFull(t, nil)
	k := f.scopedKey("alice")

	sse, _ := http.NewRequest("GET", f.ts.URL+"/v1/events?session=alice", nil)
	sse.Header.Set("X-Api-Key", k.Key)
	res, err := f.ts.Client().Do(sse)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sse: %v %v", err, res)
	}
	defer res.Body.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(f.ts.URL, "http")+"/v1/ws?session=alice&api_key="+k.Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	f.must(http.StatusNoContent, req{method: "DELETE", path: "/v1/keys/" + k.ID, key: adminKey})

	sseDone := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		last := ""
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), ":") {
				last = sc.Text()
			}
		}
		sseDone <- last
	}()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = ws.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != events.CloseKeyRevoked {
		t.Fatalf("ws after revoke: %v, want close %d", err, events.CloseKeyRevoked)
	}
	select {
	case last := <-sseDone:
		if !strings.Contains(last, "API key revoked") {
			t.Fatalf("sse ended with %q", last)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the SSE stream outlived its revoked key")
	}
}
