package webhook_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/eventstest"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/logtest"
)

// TestSignSpecVector checks Sign against the example published with the
// Standard Webhooks specification, and the test's own verifier against Sign.
func TestSignSpecVector(t *testing.T) {
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		msgID  = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	got, err := webhook.Sign(secret, msgID, time.Unix(1614265330, 0), []byte(body))
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
	now := time.Now()
	sig, _ := webhook.Sign(secret, msgID, now, []byte(body))
	h := http.Header{}
	h.Set("webhook-id", msgID)
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", "v1,bogus "+sig)
	if err := verify(secret, h, []byte(body)); err != nil {
		t.Errorf("verify(Sign(...)): %v", err)
	}
	if err := verify(secret, h, []byte(body+" ")); err == nil {
		t.Error("verify accepted a tampered body")
	}
}

// TestDeliveryRetriesInOrder: the receiver fails (500, then a 429 with
// Retry-After, then a dropped connection) before it recovers; every event
// arrives once it does, in id order, each signature valid.
func TestDeliveryRetriesInOrder(t *testing.T) {
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Attempts: 50}})
	r := newReceiver(t)
	wh := e.create(t, r, map[string]any{"sessions": []string{"alice"}}, func(n int, _ uint64, w http.ResponseWriter) int {
		switch {
		case n <= 4:
			return 500
		case n == 5:
			w.Header().Set("Retry-After", "0")
			return 429
		case n == 6:
			panic(http.ErrAbortHandler) // connection dropped mid-request
		}
		return 200
	})
	want := e.publish(t, "alice", 10)
	e.publish(t, "bob", 3) // not in the filter
	got := r.waitN(t, len(want), 20*time.Second)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("received (-want +got):\n%s", diff)
	}

	var list webhook.DeliveryList
	if code := e.call(t, "GET", "/v1/webhooks/"+wh.ID+"/deliveries", nil, &list); code != 200 {
		t.Fatalf("deliveries: %d", code)
	}
	first := list.Deliveries[len(list.Deliveries)-1]
	if first.EventID != want[0] || first.Status != webhook.StatusDelivered || first.Attempts != 7 || first.StatusCode != 200 {
		t.Errorf("first delivery = %+v, want event %d delivered on attempt 7", first, want[0])
	}
}

// TestDeadLetterAndRetry: a final 4xx dead-letters the event at once,
// later events still flow, and the retry route delivers it.
func TestDeadLetterAndRetry(t *testing.T) {
	e := newEnv(t, "", webhook.Config{})
	r := newReceiver(t)
	// The first request (the first event, deliveries are in order) is
	// refused for good.
	wh := e.create(t, r, nil, func(n int, _ uint64, _ http.ResponseWriter) int {
		if n == 1 {
			return 422
		}
		return 200
	})
	ids := e.publish(t, "alice", 3)
	refuse := ids[0]
	if diff := cmp.Diff(ids[1:], r.waitN(t, 2, 10*time.Second)); diff != "" {
		t.Fatalf("events after the dead letter (-want +got):\n%s", diff)
	}

	var dead webhook.DeliveryList
	e.call(t, "GET", "/v1/webhooks/"+wh.ID+"/deliveries?status=dead", nil, &dead)
	if len(dead.Deliveries) != 1 || dead.Deliveries[0].EventID != refuse || dead.Deliveries[0].Attempts != 1 ||
		dead.Deliveries[0].StatusCode != 422 {
		t.Fatalf("dead letters = %+v, want event %d after 1 attempt (422)", dead.Deliveries, refuse)
	}

	r.set(wh.Secret, nil) // the receiver is fixed
	var d webhook.Delivery
	if code := e.call(t, "POST", "/v1/webhooks/"+wh.ID+"/deliveries/"+dead.Deliveries[0].ID+"/retry", nil, &d); code != 200 {
		t.Fatalf("retry: %d", code)
	}
	if d.Status != webhook.StatusDelivered || d.Attempts != 2 {
		t.Errorf("retried delivery = %+v", d)
	}
	if got := r.waitN(t, 3, 5*time.Second); got[2] != refuse {
		t.Errorf("received %v, want %d last", got, refuse)
	}
	e.call(t, "GET", "/v1/webhooks/"+wh.ID+"/deliveries?status=dead", nil, &dead)
	if len(dead.Deliveries) != 0 {
		t.Errorf("dead letters after retry: %+v", dead.Deliveries)
	}
	if code := e.call(t, "POST", "/v1/webhooks/"+wh.ID+"/deliveries/"+strconv.FormatUint(ids[1], 10)+"/retry", nil, nil); code != 409 {
		t.Errorf("retry of a delivered event: %d, want 409", code)
	}
	if code := e.call(t, "POST", "/v1/webhooks/"+wh.ID+"/deliveries/999999/retry", nil, nil); code != 404 {
		t.Errorf("retry of an event never attempted: %d, want 404", code)
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, "", webhook.Config{})
	tests := []struct {
		name   string
		in     map[string]any
		detail string
	}{
		{"no url", map[string]any{}, "url: required"},
		{"ftp", map[string]any{"url": "ftp://example.com/x"}, "http or https"},
		{"javascript", map[string]any{"url": "javascript:alert(1)"}, "http or https"},
		{"relative", map[string]any{"url": "/hook"}, "http or https"},
		{"credentials", map[string]any{"url": "https://u:p@example.com/"}, "credentials"},
		{"bad secret", map[string]any{"url": "https://example.com/", "secret": "hunter2"}, "whsec_"},
		{"short secret", map[string]any{"url": "https://example.com/", "secret": "whsec_c2hvcnQ="}, "24 to 64 bytes"},
		{"unknown type", map[string]any{"url": "https://example.com/", "types": []string{"nope"}}, "valid types"},
		{"bad session", map[string]any{"url": "https://example.com/", "sessions": []string{"a b"}}, "session"},
		{"crlf value", map[string]any{"url": "https://example.com/", "headers": map[string]string{"X-A": "1\r\nX-B: 2"}}, "control character"},
		{"bad name", map[string]any{"url": "https://example.com/", "headers": map[string]string{"X A": "1"}}, "not a valid header name"},
		{"host", map[string]any{"url": "https://example.com/", "headers": map[string]string{"Host": "evil"}}, "reserved"},
		{"content-length", map[string]any{"url": "https://example.com/", "headers": map[string]string{"content-length": "1"}}, "reserved"},
		{"webhook-id", map[string]any{"url": "https://example.com/", "headers": map[string]string{"Webhook-Id": "1"}}, "reserved"},
		{"unknown field", map[string]any{"url": "https://example.com/", "session": "x"},
			"session: unknown field"},
		{"types as a string", map[string]any{"url": "https://example.com/", "types": "message.received"},
			"types: must be an array of strings, not string"},
		{"type named as sent", map[string]any{"url": "https://example.com/", "types": []string{"message.recieved"}}, "types: unknown event type"},
		{"sessions as sent", map[string]any{"url": "https://example.com/", "sessions": []string{"a b"}}, `sessions: "a b" is not a valid session id`},
		{"headers as a list", map[string]any{"url": "https://example.com/", "headers": []string{"X-A"}},
			"headers: must be an object, not array"},
		{"bad policy", map[string]any{"url": "https://example.com/", "retry": map[string]any{"policy": "fibonacci"}}, "retry.policy: want exponential, linear or constant"},
		{"bad delay", map[string]any{"url": "https://example.com/", "retry": map[string]any{"delay": "soon"}},
			`retry.delay: must be a duration such as "90s" or a number of seconds, not string "soon"`},
		{"tiny delay", map[string]any{"url": "https://example.com/", "retry": map[string]any{"delay": "1ms"}}, "retry.delay: want 100ms to 24h0m0s"},
		{"max below delay", map[string]any{"url": "https://example.com/", "retry": map[string]any{"delay": "1m", "max_delay": "1s"}}, "retry.max_delay"},
		{"in flight", map[string]any{"url": "https://example.com/", "ordered": false, "max_in_flight": 1000}, "max_in_flight: want 1 to 100"},
		{"not json", nil, "body: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p struct{ Detail string }
			var in any = tt.in
			if tt.in == nil {
				in = nil
			}
			if code := e.call(t, "POST", "/v1/webhooks", in, &p); code != 400 || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("got %d %q, want 400 containing %q", code, p.Detail, tt.detail)
			}
			for _, leak := range []string{"json:", "Go ", "Input", "[]", "map[", "struct"} {
				if strings.Contains(p.Detail, leak) {
					t.Errorf("detail %q shows Go internals (%q)", p.Detail, leak)
				}
			}
		})
	}

	var wh webhook.Webhook
	in := map[string]any{"url": "https://example.com/hook", "types": []string{"*"}, "headers": map[string]string{"Authorization": "Bearer x"}}
	if code := e.call(t, "POST", "/v1/webhooks", in, &wh); code != 201 || !strings.HasPrefix(wh.Secret, "whsec_") || !wh.Enabled {
		t.Fatalf("create: %d %+v", code, wh)
	}
	var got webhook.Webhook
	if code := e.call(t, "GET", "/v1/webhooks/"+wh.ID, nil, &got); code != 200 || got.Secret != "" || got.URL != wh.URL {
		t.Errorf("get: %d %+v (the secret must not be shown again)", code, got)
	}
	if code := e.call(t, "PATCH", "/v1/webhooks/"+wh.ID, map[string]any{"url": "gopher://x"}, nil); code != 400 {
		t.Errorf("patch to a gopher URL: %d, want 400", code)
	}
	if code := e.call(t, "DELETE", "/v1/webhooks/"+wh.ID, nil, nil); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code := e.call(t, "GET", "/v1/webhooks/"+wh.ID, nil, nil); code != 404 {
		t.Errorf("get after delete: %d, want 404", code)
	}
}

// TestFailingWebhookIsDisabled: a receiver that keeps failing past the
// window gets its webhook disabled and a webhook.disabled event published.
func TestFailingWebhookIsDisabled(t *testing.T) {
	var logs logtest.Buffer
	e := newEnv(t, "", webhook.Config{DisableAfter: 200 * time.Millisecond, Retry: webhook.Retry{Attempts: 1000}, Log: zerolog.New(&logs)})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sub, err := e.bus.Subscribe(ctx, events.Filter{Types: []string{events.WebhookDisabled}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	r := newReceiver(t)
	wh := e.create(t, r, map[string]any{"sessions": []string{"alice"}}, func(int, uint64, http.ResponseWriter) int { return 503 })
	e.publish(t, "alice", 1)

	ev, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("waiting for webhook.disabled: %v", err)
	}
	if ev.Session != "alice" || !strings.Contains(string(ev.Data), wh.ID) || strings.Contains(string(ev.Data), "whsec_") {
		t.Errorf("event = %s", ev.JSON())
	}
	var got webhook.Webhook
	e.call(t, "GET", "/v1/webhooks/"+wh.ID, nil, &got)
	if got.Enabled || !strings.Contains(got.DisabledReason, "HTTP 503") {
		t.Errorf("webhook after disable = %+v", got)
	}
	if !strings.Contains(logs.String(), `{"level":"error","webhook":"`+wh.ID+`","reason":"every delivery failed since`) {
		t.Errorf("no error line for the disable in:\n%s", logs.String())
	}

	// Re-enabled with a working receiver, it delivers what it missed.
	r.set(wh.Secret, nil)
	if code := e.call(t, "PATCH", "/v1/webhooks/"+wh.ID, map[string]any{"enabled": true}, nil); code != 200 {
		t.Fatalf("re-enable: %d", code)
	}
	r.waitN(t, 1, 10*time.Second)
}

// TestDeadReceiverDoesNotDelayOthers: one receiver hangs on every request;
// another webhook still gets every event promptly.
func TestDeadReceiverDoesNotDelayOthers(t *testing.T) {
	e := newEnv(t, "", webhook.Config{Timeout: 5 * time.Second, ShutdownTimeout: 100 * time.Millisecond})
	hang := newReceiver(t)
	release := make(chan struct{})
	e.create(t, hang, nil, func(int, uint64, http.ResponseWriter) int { <-release; return 200 })
	t.Cleanup(func() { close(release) })
	ok := newReceiver(t)
	e.create(t, ok, nil, nil)
	want := e.publish(t, "alice", 20)
	if diff := cmp.Diff(want, ok.waitN(t, 20, 3*time.Second)); diff != "" {
		t.Errorf("healthy receiver (-want +got):\n%s", diff)
	}
}

func TestEnsureGlobalIsIdempotent(t *testing.T) {
	e := newEnv(t, "", webhook.Config{})
	urls := []string{"http://127.0.0.1:1/a", "https://example.com/b"}
	for i, wantCreated := range []int{2, 0} {
		created, err := e.outbox.EnsureGlobal(context.Background(), urls, "")
		if err != nil || len(created) != wantCreated {
			t.Fatalf("round %d: created %d, %v; want %d", i, len(created), err, wantCreated)
		}
	}
	all, _ := e.outbox.List(context.Background())
	if len(all) != 2 {
		t.Errorf("%d webhooks, want 2", len(all))
	}
	if _, err := e.outbox.EnsureGlobal(context.Background(), []string{"file:///etc/passwd"}, ""); err == nil {
		t.Error("EnsureGlobal accepted a file URL")
	}
}

// TestReceiverDownFor30sThenBack: the receiver answers 500 to everything
// for 30 seconds while events keep coming, then recovers; every event
// arrives once it is back, in id order, each signature valid.
func TestReceiverDownFor30sThenBack(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 30 s; runs in make test")
	}
	e := newEnv(t, "", webhook.Config{Retry: webhook.Retry{Delay: ms(100), MaxDelay: ms(2000), Attempts: 1000}})
	r := newReceiver(t)
	want, _, failed := outage(t, e, r, 30*time.Second, 500)
	got := r.waitN(t, len(want), 30*time.Second)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("received (-want +got):\n%s", diff)
	}
	if failed.Load() < 5 {
		t.Fatalf("only %d failed attempts: the receiver was not really down", failed.Load())
	}
}

// TestEnsureGlobalOnceAcrossNodes: nodes sharing one store that start at
// once, each with the same --webhook, end with one webhook for it.
func TestEnsureGlobalOnceAcrossNodes(t *testing.T) {
	st := eventstest.OpenStore(t, "")
	ctx := context.Background()
	const nodes = 4
	urls := []string{"https://example.com/a", "https://example.com/b"}
	for round := range 5 {
		outboxes := make([]*webhook.Outbox, nodes)
		for i := range outboxes {
			bus, err := events.NewBus(ctx, events.BusConfig{JS: st.JetStream()})
			if err != nil {
				t.Fatal(err)
			}
			o, err := webhook.New(ctx, webhook.Config{Bus: bus})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { o.Close(ctx); bus.Close() })
			outboxes[i] = o
		}
		created := make([]int, nodes)
		errs := make([]error, nodes)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, o := range outboxes {
			wg.Go(func() {
				<-start
				var ws []webhook.Webhook
				ws, errs[i] = o.EnsureGlobal(ctx, urls, "")
				created[i] = len(ws)
			})
		}
		close(start)
		wg.Wait()
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, node %d: %v", round, i, err)
			}
			total += created[i]
		}
		all, err := outboxes[0].List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range all {
			got = append(got, w.URL)
		}
		if len(got) != len(urls) || (round == 0 && total != len(urls)) || (round > 0 && total != 0) {
			t.Fatalf("round %d: webhooks %v, %d created by the nodes; want one per URL, created once", round, got, total)
		}
	}
}
