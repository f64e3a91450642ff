package events_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/google/go-cmp/cmp"
)

// sseClient reads an event stream the way curl -N shows it: line by line.
type sseClient struct {
	resp *http.Response
	r    *bufio.Reader
}

func openSSE(t *testing.T, ctx context.Context, url, lastEventID string) *sseClient {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	return &sseClient{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next returns the next event's id line value and data, or a comment
// (heartbeat) as id -1.
func (c *sseClient) next(t *testing.T) (id int64, data string) {
	t.Helper()
	id = -2
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && id != -2:
			return id, data
		case strings.HasPrefix(line, ": "):
			id = -1
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		}
	}
}

// events reads n events, skipping comments.
func (c *sseClient) events(t *testing.T, n int) []uint64 {
	t.Helper()
	var ids []uint64
	for len(ids) < n {
		id, data := c.next(t)
		if id < 0 {
			continue
		}
		if want := fmt.Sprintf(`{"id":%d,`, id); !strings.HasPrefix(data, want) {
			t.Fatalf("data %q does not start with %q", data, want)
		}
		ids = append(ids, uint64(id))
	}
	return ids
}

func TestSSEResumeWithLastEventID(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{PingInterval: 50 * time.Millisecond})
	ctx := ctxT(t, 20*time.Second)
	url := e.srv.URL + "/v1/events?session=alice&since=0"

	c := openSSE(t, ctx, url, "")
	want := e.publish(t, "alice", events.SessionQR, 3)
	if diff := cmp.Diff(want, c.events(t, 3)); diff != "" {
		t.Fatalf("first stream (-want +got):\n%s", diff)
	}
	// Idle: a heartbeat comment keeps proxies and clients from timing out.
	if id, _ := c.next(t); id != -1 {
		t.Fatalf("idle stream sent event %d, want a heartbeat comment", id)
	}
	c.resp.Body.Close()

	missed := e.publish(t, "alice", events.SessionQR, 3)
	// Last-Event-ID wins over the since=0 the URL still carries.
	c2 := openSSE(t, ctx, url, strconv.FormatUint(want[2], 10))
	if diff := cmp.Diff(missed, c2.events(t, 3)); diff != "" {
		t.Fatalf("resumed stream (-want +got):\n%s", diff)
	}
}

func TestSSEBadRequests(t *testing.T) {
	e := newEnv(t, events.BusConfig{MaxMsgs: 2}, events.HandlersConfig{})
	e.publish(t, "alice", events.SessionQR, 5)
	for _, tt := range []struct {
		header string
		query  string
		status int
	}{
		{"", "type=nope.nope", 400},
		{"1", "", 410},
		{"abc", "", 400},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v1/events?"+tt.query, nil)
		if tt.header != "" {
			req.Header.Set("Last-Event-ID", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("Last-Event-ID %q, query %q: status %d, want %d", tt.header, tt.query, resp.StatusCode, tt.status)
		}
	}
}
