package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
)

// BenchmarkWebhookDeliveries publishes b.N events and measures signed
// deliveries per second to local receivers, per webhook in id order
// (MaxAckPending 1), with one and with four webhooks.
func BenchmarkWebhookDeliveries(b *testing.B) {
	for _, hooks := range []int{1, 4} {
		b.Run(fmt.Sprintf("webhooks=%d", hooks), func(b *testing.B) { benchWebhooks(b, hooks) })
	}
}

func benchWebhooks(b *testing.B, hooks int) {
	e := newEnv(b, "", webhook.Config{Timeout: 5 * time.Second})
	var got atomic.Int64
	done := make(chan struct{})
	want := int64(b.N * hooks)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("webhook-signature") == "" {
			w.WriteHeader(400)
			return
		}
		if got.Add(1) == want {
			close(done)
		}
	}))
	b.Cleanup(rcv.Close)
	for range hooks {
		if _, err := e.outbox.Create(context.Background(), webhook.Input{URL: ptr(rcv.URL)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := e.bus.Publish(context.Background(), "bench", events.MessageReceived, map[string]int{"i": i}); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%d of %d deliveries", got.Load(), want)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/time.Since(start).Seconds(), "deliveries/s")
}

func ptr[T any](v T) *T { return &v }
