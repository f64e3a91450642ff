package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// statusWatch follows the session.status events of every session on one
// node's SSE stream (GET /v1/events), reconnecting with Last-Event-ID when
// the stream ends, and notes when each status arrived.
type statusWatch struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	seen    map[string][]arrival // per session, in stream order
	changed chan struct{}        // closed and replaced at each arrival
}

// arrival is one session.status event as the watcher got it.
type arrival struct {
	at     time.Time
	status string
}

// watchStatuses connects to nd's stream and returns once it is open, so
// that no later event is missed.
func watchStatuses(t testing.TB, nd *clusterNode) *statusWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &statusWatch{cancel: cancel, done: make(chan struct{}), seen: map[string][]arrival{}, changed: make(chan struct{})}
	opened := make(chan struct{})
	go w.run(ctx, nd.base+"/v1/events?type=session.status", opened)
	select {
	case <-opened:
	case <-time.After(30 * time.Second):
		w.close()
		t.Fatalf("the event stream of %s did not open", nd.name)
	}
	return w
}

func (w *statusWatch) close() {
	w.cancel()
	<-w.done
}

// run reads the stream until ctx ends; each connection has its own
// deadline for the headers, none for the body (a stream is long).
func (w *statusWatch) run(ctx context.Context, url string, opened chan struct{}) {
	defer close(w.done)
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Second}}
	defer client.CloseIdleConnections()
	var last uint64
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Accept", "text/event-stream")
		if last > 0 {
			req.Header.Set("Last-Event-ID", strconv.FormatUint(last, 10))
		}
		resp, err := client.Do(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			if opened != nil {
				close(opened)
				opened = nil
			}
			last = w.read(resp, last)
		} else if err == nil {
			resp.Body.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond): // reconnect pause
		}
	}
}

// read consumes one connection's events; it returns the last id seen.
func (w *statusWatch) read(resp *http.Response, last uint64) uint64 {
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") {
			continue
		}
		var e struct {
			ID      uint64
			Session string
			Type    string
			Data    struct{ Status string }
		}
		if json.Unmarshal([]byte(line[len("data: "):]), &e) != nil {
			continue
		}
		last = max(last, e.ID)
		if e.Type == "session.status" {
			w.mu.Lock()
			w.seen[e.Session] = append(w.seen[e.Session], arrival{time.Now(), e.Data.Status})
			close(w.changed)
			w.changed = make(chan struct{})
			w.mu.Unlock()
		}
	}
	return last
}

// waitWorking waits up to d for a WORKING of each of ids that arrived
// after since, and returns when each first did.
func (w *statusWatch) waitWorking(t testing.TB, ids []string, since time.Time, d time.Duration) map[string]time.Time {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		at, missing := map[string]time.Time{}, []string(nil)
		for _, id := range ids {
			for _, a := range w.seen[id] {
				if a.status == "WORKING" && a.at.After(since) {
					at[id] = a.at
					break
				}
			}
			if at[id].IsZero() {
				missing = append(missing, id)
			}
		}
		changed := w.changed
		w.mu.Unlock()
		if len(missing) == 0 {
			return at
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("after %v, not WORKING again on the stream: %v", d, missing)
		}
	}
}

// drops counts, over ids, the statuses other than WORKING that came after
// a session's first WORKING since since: a session that fell again.
func (w *statusWatch) drops(ids []string, since time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, id := range ids {
		up := false
		for _, a := range w.seen[id] {
			switch {
			case !a.at.After(since):
			case a.status == "WORKING":
				up = true
			case up:
				n++
				up = false
			}
		}
	}
	return n
}
