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
		{"/v1/sessions/alice/events?type=session.nope", 400, "valid types: message.ack, message.received"},
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
