package e2e

import (
	"context"
	"encoding/base64"
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

// BenchmarkMessagingKinds measures, in one run through one session: sends
// per second of text, an image and a reaction through the HTTP API, each
// next to its floor (the same bridge call straight over CDP), and the
// latency from an incoming message with a rich payload (a location that
// quotes and mentions) to its signed webhook delivery (p50/p99). Run with
// `make bench`.
func BenchmarkMessagingKinds(b *testing.B) {
	for range b.N {
		benchMessagingKinds(b)
	}
}

func benchMessagingKinds(b *testing.B) {
	sm := manualAckSim(b, 10*time.Second)
	pub := newRecordingPublisher()
	srv := startMsgServer(b, testDir(b), sm, pub, 10*time.Second)
	const me, peer = "15554440100", "15557770000"
	srv.create("kb", nil)
	srv.link(sm, "kb", me)
	ids := []string{"kb"}
	page := func() interface {
		Call(context.Context, string, any, any) error
	} {
		return srv.launcher.page("kb")
	}
	png := base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), randomBytes(2000)...))
	api := func(body func(i int) map[string]any) func(string, int) error {
		return func(id string, i int) error {
			code, _, b := srv.send(id, body(i))
			if code != http.StatusCreated {
				return fmt.Errorf("%d %s", code, b)
			}
			return nil
		}
	}
	bridge := func(method string, args func(i int) map[string]any) func(string, int) error {
		return func(_ string, i int) error { return page().Call(context.Background(), method, args(i), nil) }
	}
	textArgs := func(i int) map[string]any {
		return map[string]any{"chat_id": peer + "@c.us", "text": fmt.Sprintf("t %d", i)}
	}
	imageArgs := func(i int) map[string]any {
		return map[string]any{"chat_id": peer + "@c.us", "kind": "image", "data": png, "mimetype": "image/png", "filename": "p.png"}
	}
	textFloor := sendRate(b, ids, bridge("sendText", textArgs))
	textAPI := sendRate(b, ids, api(func(i int) map[string]any {
		return map[string]any{"type": "text", "chat_id": peer, "text": fmt.Sprintf("t %d", i)}
	}))
	imageFloor := sendRate(b, ids, bridge("sendFile", imageArgs))
	imageAPI := sendRate(b, ids, api(func(int) map[string]any {
		return map[string]any{"type": "image", "chat_id": peer, "media": map[string]any{"data": png}}
	}))
	target := srv.mustSend(b, "kb", map[string]any{"type": "text", "chat_id": peer, "text": "react to me"})
	emoji := []string{"👍", "❤️", "😂", "🎉"}
	reactFloor := sendRate(b, ids, bridge("react", func(i int) map[string]any { return map[string]any{"id": target, "reaction": emoji[i%4]} }))
	reactAPI := sendRate(b, ids, func(id string, i int) error {
		code, body := srv.call("PUT", "/v1/sessions/"+id+"/messages/"+target+"/reaction", map[string]string{"reaction": emoji[i%4]})
		if code != http.StatusNoContent {
			return fmt.Errorf("%d %s", code, body)
		}
		return nil
	})

	h50, h99 := richWebhookLatency(b, srv, sm, me)
	b.ReportMetric(textAPI, "text/s")
	b.ReportMetric(imageAPI, "image/s")
	b.ReportMetric(reactAPI, "react/s")
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| measure (1 session, %d in flight) | floor (bridge call over CDP) | easy-api (HTTP API) |\n| --- | --- | --- |\n", benchWorkers)
	fmt.Fprintf(&sb, "| text sends/s | %.0f | %.0f |\n", textFloor, textAPI)
	fmt.Fprintf(&sb, "| image sends/s (2 KB PNG, base64) | %.0f | %.0f |\n", imageFloor, imageAPI)
	fmt.Fprintf(&sb, "| reactions/s | %.0f | %.0f |\n", reactFloor, reactAPI)
	fmt.Fprintf(&sb, "| incoming location (quote, mention) → signed webhook, p50 / p99 | – | %s / %s |\n", msf(h50), msf(h99))
	fmt.Fprint(os.Stdout, sb.String())
}

// mustSend sends through the API and returns the message id.
func (s *server) mustSend(b testing.TB, id string, body map[string]any) string {
	code, m, raw := s.send(id, body)
	if code != http.StatusCreated {
		b.Fatalf("send: %d %s", code, raw)
	}
	return m.ID
}

// richWebhookLatency delivers benchIncoming locations that quote a message
// and mention us, one at a time, and returns the p50 and p99 of the time
// from the phone's send to the webhook receiving message.received.
func richWebhookLatency(b *testing.B, srv *server, sm *sim, me string) (time.Duration, time.Duration) {
	var mu sync.Mutex
	arrived := map[string]chan time.Time{}
	wait := func(id string) chan time.Time {
		mu.Lock()
		defer mu.Unlock()
		if arrived[id] == nil {
			arrived[id] = make(chan time.Time, 1)
		}
		return arrived[id]
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Data session.Message }
		_ = json.NewDecoder(r.Body).Decode(&ev)
		if ev.Data.Location != nil && ev.Data.QuotedID != "" {
			wait(ev.Data.ID) <- time.Now()
		}
	}))
	defer hook.Close()
	if code, body := srv.call("POST", "/v1/webhooks", map[string]any{"url": hook.URL, "sessions": []string{"kb"},
		"types": []string{session.EventMessageReceived}}); code != http.StatusCreated {
		b.Fatalf("webhook: %d %s", code, body)
	}
	first := sm.deliver(b, map[string]string{"phone": me, "from": "15558880000", "text": "first"})
	lat := make([]time.Duration, 0, benchIncoming)
	for i := range benchIncoming {
		start := time.Now()
		m := sm.deliver(b, map[string]any{"phone": me, "from": "15558880000", "type": "location",
			"location":  map[string]any{"lat": 48.8584, "lng": 2.2945, "name": fmt.Sprintf("place %d", i), "address": "Paris"},
			"quoted_id": first.ID, "mentions": []string{me + "@c.us"}})
		select {
		case at := <-wait(m.ID):
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatalf("incoming %s never reached the webhook", m.ID)
		}
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}
