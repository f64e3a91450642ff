package webhook_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/jsonbody"
	"github.com/easy-api/easy-api/internal/logtest"
)

func TestRetrySchedules(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		in   webhook.Retry
		want []time.Duration
	}{
		{"default", webhook.Retry{}, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, time.Minute, time.Minute}},
		{"linear", webhook.Retry{Policy: webhook.Linear, Delay: jsonbody.Duration(10 * s), MaxDelay: jsonbody.Duration(35 * s)},
			[]time.Duration{10 * s, 20 * s, 30 * s, 35 * s, 35 * s}},
		{"constant", webhook.Retry{Policy: webhook.Constant, Delay: jsonbody.Duration(5 * s)}, []time.Duration{5 * s, 5 * s, 5 * s}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.in.Schedule(len(tt.want))); diff != "" {
				t.Errorf("schedule (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWebhookRetryShape: a webhook's own schedule is what its receiver
// sees: constant 300 ms, 3 attempts, then a dead letter; the webhook shows
// the effective schedule, defaults filled in.
func TestWebhookRetryShape(t *testing.T) {
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Delay: jsonbody.Duration(webhook.DefaultRetryDelay)}})
	r := newReceiver(t)
	var mu sync.Mutex
	var at []time.Time
	wh := e.create(t, r, map[string]any{"retry": map[string]any{"policy": "constant", "delay": "300ms", "attempts": 3}},
		func(int, uint64, http.ResponseWriter) int {
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			return 500
		})
	want := webhook.Retry{Policy: webhook.Constant, Delay: jsonbody.Duration(300 * time.Millisecond), MaxDelay: jsonbody.Duration(time.Minute), Attempts: 3}
	if diff := cmp.Diff(want, wh.Retry); diff != "" {
		t.Errorf("effective retry (-want +got):\n%s", diff)
	}
	id := e.publish(t, "alice", 1)[0]
	d := e.waitDelivery(t, wh.ID, id, webhook.StatusDead, 10*time.Second)
	if d.Attempts != 3 || d.StatusCode != 500 {
		t.Errorf("dead letter = %+v, want 3 attempts ending in 500", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 3 {
		t.Fatalf("receiver saw %d attempts, want 3", len(at))
	}
	for i := 1; i < len(at); i++ {
		// Jitter only shortens a wait, by at most 20 %.
		if gap := at[i].Sub(at[i-1]); gap < 240*time.Millisecond || gap > 2*time.Second {
			t.Errorf("gap before attempt %d = %s, want about 300ms", i+1, gap)
		}
	}
}

// TestReceiverDownFor10sRecovers: with the default schedule (exponential
// from 1 s, capped at 1 min), a receiver down for 10 s while events keep
// coming gets its whole backlog, in order, within 15 s of coming back.
func TestReceiverDownFor10sRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s; runs in make test")
	}
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Delay: jsonbody.Duration(webhook.DefaultRetryDelay)}})
	r := newReceiver(t)
	want, downUntil, failed := outage(t, e, r, 10*time.Second, 503)
	got := r.waitN(t, len(want), time.Until(downUntil)+15*time.Second)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("received (-want +got):\n%s", diff)
	}
	if late := time.Since(downUntil); late > 15*time.Second {
		t.Fatalf("backlog complete %s after recovery, want within 15s", late)
	}
	if failed.Load() < 3 {
		t.Fatalf("only %d failed attempts: the receiver was not really down", failed.Load())
	}
}

// TestWaitingDeliveryWakes: a delivery waiting a minute for its next
// attempt goes at once when the receiver proves it is back (a successful
// test delivery), when the webhook is re-enabled, or when the client asks
// for a retry; a retry of a delivered event is a 409.
func TestWaitingDeliveryWakes(t *testing.T) {
	wakes := map[string]func(e *env, wid string, event uint64){
		"test delivery": func(e *env, wid string, _ uint64) {
			var res webhook.TestResult
			if code := e.call(t, "POST", "/v1/webhooks/"+wid+"/test", nil, &res); code != 200 || !res.OK {
				t.Errorf("test: %d %+v", code, res)
			}
		},
		"disable and enable": func(e *env, wid string, _ uint64) {
			for _, on := range []bool{false, true} {
				if code := e.call(t, "PATCH", "/v1/webhooks/"+wid, map[string]any{"enabled": on}, nil); code != 200 {
					t.Errorf("enabled=%v: %d", on, code)
				}
			}
		},
		"retry route": func(e *env, wid string, event uint64) {
			var d webhook.Delivery
			path := "/v1/webhooks/" + wid + "/deliveries/" + strconv.FormatUint(event, 10) + "/retry"
			if code := e.call(t, "POST", path, nil, &d); code != 200 || d.Status != webhook.StatusDelivered || d.Attempts != 2 {
				t.Errorf("retry of a waiting delivery: %d %+v, want 200 delivered on attempt 2", code, d)
			}
			if code := e.call(t, "POST", path, nil, nil); code != 409 {
				t.Errorf("retry of a delivered event: %d, want 409", code)
			}
		},
	}
	for name, wake := range wakes {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Policy: webhook.Constant, Delay: jsonbody.Duration(time.Minute)}})
			r := newReceiver(t)
			var down atomic.Bool
			down.Store(true)
			wh := e.create(t, r, nil, func(int, uint64, http.ResponseWriter) int {
				if down.Load() {
					return 500
				}
				return 200
			})
			ids := e.publish(t, "alice", 3)
			d := e.waitDelivery(t, wh.ID, ids[0], webhook.StatusRetrying, 5*time.Second)
			if d.NextAttemptAt == nil || time.Until(*d.NextAttemptAt) < 30*time.Second {
				t.Fatalf("waiting delivery = %+v, want its next attempt about a minute away", d)
			}
			down.Store(false)
			start := time.Now()
			wake(e, wh.ID, ids[0])
			got := slices.DeleteFunc(r.waitN(t, 3, 5*time.Second), func(id uint64) bool { return id == 0 }) // the test event
			if len(got) < 3 {
				got = slices.DeleteFunc(r.waitN(t, 4, 5*time.Second), func(id uint64) bool { return id == 0 })
			}
			if diff := cmp.Diff(ids, got); diff != "" {
				t.Errorf("received (-want +got):\n%s", diff)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("backlog took %s after the wake", took)
			}
		})
	}
}

// TestUnorderedDeliversConcurrently: ordered false lets up to max_in_flight
// deliveries run at once (never more), and an event waiting for a retry no
// longer holds back the ones after it.
func TestUnorderedDeliversConcurrently(t *testing.T) {
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Policy: webhook.Constant, Delay: jsonbody.Duration(time.Minute)}})
	r := newReceiver(t)
	var inFlight, peak atomic.Int64
	var first atomic.Uint64
	release := make(chan struct{})
	var once sync.Once
	wh := e.create(t, r, map[string]any{"ordered": false, "max_in_flight": 4}, func(_ int, id uint64, _ http.ResponseWriter) int {
		if id == first.Load() {
			return 500 // waits a minute for its retry
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == 3 { // one slot holds the failing event's turn, or is free
			once.Do(func() { close(release) })
		}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return 200
	})
	if wh.Ordered || wh.MaxInFlight != 4 {
		t.Fatalf("webhook = %+v, want unordered with 4 in flight", wh)
	}
	ids := e.publish(t, "alice", 1)
	first.Store(ids[0])
	e.waitDelivery(t, wh.ID, ids[0], webhook.StatusRetrying, 5*time.Second)
	rest := e.publish(t, "alice", 20)
	got := r.waitN(t, len(rest), 20*time.Second)
	if len(got) != len(rest) {
		t.Fatalf("received %v, want the 20 events after the waiting one", got)
	}
	if p := peak.Load(); p < 3 || p > 4 {
		t.Errorf("peak concurrency %d, want 3 or 4 (max_in_flight 4, one held by a retry at most)", p)
	}
}

// TestDeliveryFailuresAreLogged: an operator sees a warning per failed
// attempt (webhook, event, status, next attempt) and an error per dead
// letter.
func TestDeliveryFailuresAreLogged(t *testing.T) {
	var buf logtest.Buffer
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Attempts: 2}, Log: zerolog.New(&buf)})
	r := newReceiver(t)
	wh := e.create(t, r, nil, func(int, uint64, http.ResponseWriter) int { return 502 })
	id := e.publish(t, "alice", 1)[0]
	e.waitDelivery(t, wh.ID, id, webhook.StatusDead, 10*time.Second)
	var warn, dead map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		switch m["message"] {
		case "webhook delivery failed":
			warn = m
		case "webhook delivery dead-lettered":
			dead = m
		}
	}
	if warn == nil || warn["level"] != "warn" || warn["webhook"] != wh.ID || warn["event"] != float64(id) ||
		warn["status"] != float64(502) || warn["next_attempt"] == nil {
		t.Errorf("failed-attempt line = %v\nlog:\n%s", warn, buf.String())
	}
	if dead == nil || dead["level"] != "error" || dead["webhook"] != wh.ID || dead["event"] != float64(id) {
		t.Errorf("dead-letter line = %v\nlog:\n%s", dead, buf.String())
	}
}

// waitDelivery waits until the deliveries list shows event id of webhook
// wid with status.
func (e *env) waitDelivery(t *testing.T, wid string, id uint64, status string, within time.Duration) webhook.Delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var list webhook.DeliveryList
		e.call(t, "GET", "/v1/webhooks/"+wid+"/deliveries?status="+status, nil, &list)
		for _, d := range list.Deliveries {
			if d.EventID == id {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %d of webhook %s not %s within %s: %+v", id, wid, status, within, list.Deliveries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
