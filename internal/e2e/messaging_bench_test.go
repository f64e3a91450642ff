package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// BenchmarkMessaging measures, in one run: text messages sent per second
// through the HTTP API with one session and with 5 sessions at once (next to
// a floor: the same bridge call made straight over CDP, no HTTP, no
// Manager), and the latency from a simulated incoming message (POST
// /__sim/messages) to its message.received publish (p50/p99). Run with
// `make bench`.
func BenchmarkMessaging(b *testing.B) {
	for range b.N {
		benchMessaging(b)
	}
}

const (
	benchWorkers    = 4   // concurrent senders per session
	benchPerSession = 200 // messages per session per measure
	benchIncoming   = 200 // incoming messages for the latency measure
)

func benchMessaging(b *testing.B) {
	sm := manualAckSim(b, 10*time.Second)
	pub := newRecordingPublisher()
	srv := startMsgServer(b, testDir(b), sm, pub, 10*time.Second)
	ids := []string{"b0", "b1", "b2", "b3", "b4"}
	for _, id := range ids {
		srv.create(id, nil)
	}
	for i, id := range ids {
		srv.link(sm, id, fmt.Sprintf("1555444000%d", i))
	}

	floor := sendRate(b, ids[:1], func(id string, i int) error {
		var m session.Message
		return srv.launcher.page(id).Call(context.Background(), "sendText",
			map[string]string{"chat_id": "15557770000@c.us", "text": fmt.Sprintf("floor %d", i)}, &m)
	})
	viaAPI := func(id string, i int) error {
		code, _, body := srv.send(id, map[string]any{"chat_id": "15557770000", "text": fmt.Sprintf("bench %d", i)})
		if code != http.StatusCreated {
			return fmt.Errorf("%d %s", code, body)
		}
		return nil
	}
	one := sendRate(b, ids[:1], viaAPI)
	five := sendRate(b, ids, viaAPI)

	// A webhook receiver records when each message.received arrives.
	var hmu sync.Mutex
	arrived := map[string]time.Time{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Data struct{ ID string } }
		_ = json.NewDecoder(r.Body).Decode(&ev)
		hmu.Lock()
		arrived[ev.Data.ID] = time.Now()
		hmu.Unlock()
	}))
	defer hook.Close()
	if code, body := srv.call("POST", "/v1/webhooks", map[string]any{"url": hook.URL, "sessions": []string{"b0"}, "types": []string{session.EventMessageReceived}}); code != http.StatusCreated {
		b.Fatalf("webhook: %d %s", code, body)
	}
	starts := map[string]time.Time{}
	lat := make([]time.Duration, 0, benchIncoming)
	for i := range benchIncoming {
		start := time.Now()
		m := sm.deliver(b, map[string]string{"phone": "15554440000", "from": "15558880000", "text": fmt.Sprintf("incoming %d", i)})
		ev := pub.wait(b, "b0", session.EventMessageReceived, msgID(m.ID))
		lat = append(lat, ev.At.Sub(start))
		starts[m.ID] = start
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	deadline := time.Now().Add(30 * time.Second)
	var hookLat []time.Duration
	for len(hookLat) < len(starts) && time.Now().Before(deadline) {
		hookLat = hookLat[:0]
		hmu.Lock()
		for id, at := range arrived {
			if st, ok := starts[id]; ok {
				hookLat = append(hookLat, at.Sub(st))
			}
		}
		hmu.Unlock()
		time.Sleep(10 * time.Millisecond) // polling interval, bounded by the deadline
	}
	if len(hookLat) < len(starts) {
		b.Fatalf("%d of %d incoming messages reached the webhook", len(hookLat), len(starts))
	}
	slices.Sort(hookLat)
	h50, h99 := hookLat[len(hookLat)/2], hookLat[len(hookLat)*99/100]

	b.ReportMetric(one, "msgs/s@1")
	b.ReportMetric(five, "msgs/s@5")
	b.ReportMetric(float64(p50.Microseconds())/1000, "ms-p50-in")
	b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99-in")
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| measure | floor (bridge call over CDP) | easy-api (HTTP API) |\n| --- | --- | --- |\n")
	fmt.Fprintf(&sb, "| text messages/s, 1 session (%d in flight) | %.0f | %.0f |\n", benchWorkers, floor, one)
	fmt.Fprintf(&sb, "| text messages/s, 5 sessions at once | – | %.0f |\n", five)
	fmt.Fprintf(&sb, "| incoming message → message.received publish, p50 | – | %s |\n", msf(p50))
	fmt.Fprintf(&sb, "| incoming message → message.received publish, p99 | – | %s |\n", msf(p99))
	fmt.Fprintf(&sb, "| incoming message → signed webhook delivery, p50 / p99 | – | %s / %s |\n", msf(h50), msf(h99))
	fmt.Fprint(os.Stdout, sb.String())
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// sendRate sends benchPerSession messages through each session at once,
// benchWorkers at a time per session, and returns messages per second.
func sendRate(b *testing.B, ids []string, send func(id string, i int) error) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for _, id := range ids {
		for w := range benchWorkers {
			wg.Go(func() {
				for i := w; i < benchPerSession; i += benchWorkers {
					if err := send(id, i); err != nil {
						b.Errorf("send %s #%d: %v", id, i, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	return float64(len(ids)*benchPerSession) / time.Since(start).Seconds()
}
