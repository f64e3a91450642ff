package events_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/google/go-cmp/cmp"
)

type page struct {
	Events []events.Event `json:"events"`
	Next   *uint64        `json:"next"`
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode
}

func TestHistoryPages(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	var want []uint64
	for range 3 {
		want = append(want, e.publish(t, "alice", events.MessageReceived, 2)...)
		e.publish(t, "bob", events.MessageReceived, 1)
		e.publish(t, "alice", events.SessionQR, 1)
	}
	var got []uint64
	url := e.srv.URL + "/v1/sessions/alice/events?type=message.received&limit=4"
	for pages := 0; ; pages++ {
		var p page
		if code := getJSON(t, url, &p); code != 200 {
			t.Fatalf("GET %s: %d", url, code)
		}
		for _, ev := range p.Events {
			if ev.Session != "alice" || ev.Type != events.MessageReceived || !strings.Contains(string(ev.Data), `"i"`) {
				t.Errorf("unexpected event %+v", ev)
			}
			got = append(got, ev.ID)
		}
		if p.Next == nil {
			break
		}
		if pages > 3 {
			t.Fatal("too many pages")
		}
		url = fmt.Sprintf("%s/v1/sessions/alice/events?type=message.received&limit=4&since=%d", e.srv.URL, *p.Next)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestHistoryErrors(t *testing.T) {
	e := newEnv(t, events.BusConfig{MaxMsgs: 2}, events.HandlersConfig{})
	e.publish(t, "alice", events.SessionQR, 5)
	tests := []struct {
		path   string
		status int
		detail string
	}{
		{"/v1/sessions/alice/events?type=session.nope", 400, "key.revoked, label.changed, message.ack, message.edited"},
		{"/v1/sessions/-bad/events", 400, "not a valid session id"},
		{"/v1/sessions/alice/events?since=1", 410, "no longer retained"},
		{"/v1/sessions/alice/events?limit=0", 400, "limit"},
	}
	for _, tt := range tests {
		var p struct{ Detail string }
		if code := getJSON(t, e.srv.URL+tt.path, &p); code != tt.status || !strings.Contains(p.Detail, tt.detail) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tt.path, code, p.Detail, tt.status, tt.detail)
		}
	}
	var p page
	if code := getJSON(t, e.srv.URL+"/v1/sessions/nobody/events", &p); code != 200 || len(p.Events) != 0 || p.Next != nil {
		t.Errorf("empty history: %d %+v", code, p)
	}
}

// TestOneRetentionAnswer: past retention, history, SSE and WebSocket give
// the same answer for the same since: 410 naming the oldest id held. A
// history read without since starts at that oldest id and says so.
func TestOneRetentionAnswer(t *testing.T) {
	e := newEnv(t, events.BusConfig{MaxMsgs: 3}, events.HandlersConfig{})
	ids := e.publish(t, "alice", events.MessageReceived, 5)
	oldest := ids[2]
	routes := map[string]string{
		"history":   "/v1/sessions/alice/events",
		"sse":       "/v1/events?session=alice",
		"websocket": "/v1/ws?session=alice",
	}
	for name, path := range routes {
		for _, since := range []uint64{0, oldest - 2} {
			url := fmt.Sprintf("%s%s%ssince=%d", e.srv.URL, path, map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")], since)
			var p struct{ Detail string }
			code := getJSON(t, url, &p)
			want := fmt.Sprintf("the oldest id held is %d", oldest)
			if code != http.StatusGone || !strings.Contains(p.Detail, want) {
				t.Errorf("%s since=%d: %d %q, want 410 naming %q", name, since, code, p.Detail, want)
			}
		}
	}
	var p struct {
		page
		OldestID uint64 `json:"oldest_id"`
	}
	if code := getJSON(t, e.srv.URL+"/v1/sessions/alice/events", &p); code != 200 || p.OldestID != oldest || len(p.Events) != 3 || p.Events[0].ID != oldest {
		t.Errorf("history without since: %d oldest_id=%d %d events, want 200 from %d", code, p.OldestID, len(p.Events), oldest)
	}
	since := fmt.Sprintf("%s/v1/sessions/alice/events?since=%d", e.srv.URL, oldest-1)
	if code := getJSON(t, since, &p); code != 200 || len(p.Events) != 3 {
		t.Errorf("history since the oldest id - 1: %d, %d events, want all 3 held", code, len(p.Events))
	}
}
