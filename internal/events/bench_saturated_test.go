package events_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
)

// BenchmarkFanoutSaturated publishes b.N events to n WebSocket subscribers
// over loopback and reports the publish rate (events/s), the frames written
// per second (deliveries/s) and the publish-to-client-read latency
// percentiles. Eight publishers stay within 512 events of the slowest
// client, so the figures are sustained throughput with bounded queueing,
// not a burst that gets clients cut. It measures capacity (at saturation);
// BenchmarkFanoutWebSocket measures latency below it.
func BenchmarkFanoutSaturated(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) { benchSaturated(b, n) })
	}
}

func benchSaturated(b *testing.B, n int) {
	const buffer = 4096
	e := newEnv(b, events.BusConfig{Buffer: buffer}, events.HandlersConfig{})
	url := wsURL(e, "session=bench")
	counts := make([]atomic.Int64, n)
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	conns := dialAll(b, url, n)
	total := b.N
	for i, c := range conns {
		lat[i] = make([]time.Duration, 0, total)
		wg.Go(func() {
			for counts[i].Load() < int64(total) {
				_, msg, err := c.ReadMessage()
				if err != nil {
					b.Errorf("subscriber %d after %d events: %v", i, counts[i].Load(), err)
					return
				}
				lat[i] = append(lat[i], time.Duration(time.Now().UnixNano()-sentAt(msg)))
				counts[i].Add(1)
			}
		})
	}
	slowest := func() int64 {
		m := int64(total)
		for i := range counts {
			m = min(m, counts[i].Load())
		}
		return m
	}

	const publishers = 8 // sessions publish concurrently
	const window = 512   // events in flight at most: bounds queueing in the latency
	var published atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var pw sync.WaitGroup
	for p := range publishers {
		pw.Go(func() {
			for k := p; k < total; k += publishers {
				if k%64 == 0 {
					for int64(k)-slowest() > window {
						time.Sleep(50 * time.Microsecond)
					}
				}
				err := e.bus.Publish(context.Background(), "bench", events.MessageReceived,
					map[string]int64{"t": time.Now().UnixNano()})
				if err != nil {
					b.Error(err)
					return
				}
				published.Add(1)
			}
		})
	}
	pw.Wait()
	pubElapsed := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(total)/pubElapsed.Seconds(), "events/s")
	b.ReportMetric(float64(total*n)/elapsed.Seconds(), "deliveries/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
	}
}
