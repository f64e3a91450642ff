package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"go.uber.org/goleak"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/eventstest"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/jsonbody"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir, os.Getenv(crashURLEnv)) // never returns
	}
	goleak.VerifyTestMain(m)
}

// verify is an implementation of the Standard Webhooks verification written
// from the specification, independent of the package's signing code.
func verify(secret string, h http.Header, body []byte) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-* headers")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if d := time.Since(time.Unix(secs, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s out of tolerance", ts)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(sigs) {
		if v, sig, _ := strings.Cut(s, ","); v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no valid signature in %q", sigs)
}

// receiver is a loopback webhook endpoint. respond decides each answer
// from the request count (1-based) and the event id; it defaults to 200.
// Accepted events are recorded once (deduplicated on webhook-id), in
// arrival order, after their signature was verified.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	secret  string
	respond func(n int, id uint64, w http.ResponseWriter) int
	n       int
	seen    map[string]bool
	got     []uint64
	bad     []string
	changed chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{seen: map[string]bool{}, changed: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev events.Event
	_ = json.Unmarshal(body, &ev)
	r.mu.Lock()
	r.n++
	n, respond, secret := r.n, r.respond, r.secret
	r.mu.Unlock()
	code := 200
	if respond != nil {
		code = respond(n, ev.ID, w)
	}
	w.WriteHeader(code)
	if code != 200 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := verify(secret, req.Header, body); err != nil {
		r.bad = append(r.bad, err.Error())
	}
	if id := req.Header.Get("webhook-id"); !r.seen[id] {
		r.seen[id] = true
		r.got = append(r.got, ev.ID)
	}
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *receiver) set(secret string, respond func(n int, id uint64, w http.ResponseWriter) int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret, r.respond = secret, respond
}

// waitN waits until n distinct events arrived and returns them.
func (r *receiver) waitN(t *testing.T, n int, within time.Duration) []uint64 {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		got, bad := append([]uint64(nil), r.got...), r.bad
		r.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("signature verification failed: %v", bad)
		}
		if len(got) >= n {
			return got
		}
		select {
		case <-r.changed:
		case <-deadline.C:
			t.Fatalf("receiver got %d of %d events in %s: %v", len(got), n, within, got)
		}
	}
}

// env is a bus and an outbox on a fresh store, with the routes served.
type env struct {
	bus    *events.Bus
	outbox *webhook.Outbox
	srv    *httptest.Server
}

func newEnv(t testing.TB, dir string, cfg webhook.Config) *env {
	t.Helper()
	st := eventstest.OpenStore(t, dir)
	ctx := context.Background()
	bus, err := events.NewBus(ctx, events.BusConfig{JS: st.JetStream()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Bus = bus
	if cfg.Retry.Delay == 0 {
		cfg.Retry.Delay, cfg.Retry.MaxDelay = ms(10), ms(40)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Second
	}
	o, err := webhook.New(ctx, cfg)
	if err != nil {
		bus.Close()
		t.Fatal(err)
	}
	r := chi.NewRouter()
	events.NewHandlers(events.HandlersConfig{Bus: bus, Webhooks: webhook.NewHandlers(o)}).Mount(r, eventstest.Wrap)
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		srv.Close()
		o.Close(context.Background())
		bus.Close()
	})
	return &env{bus: bus, outbox: o, srv: srv}
}

// call sends a JSON request to the API and decodes the answer into out.
func (e *env) call(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// create registers a webhook for url over the API and points the receiver's
// verifier at its secret.
func (e *env) create(t *testing.T, r *receiver, in map[string]any, respond func(int, uint64, http.ResponseWriter) int) webhook.Webhook {
	t.Helper()
	if in == nil {
		in = map[string]any{}
	}
	in["url"] = r.URL + "/hook"
	var wh webhook.Webhook
	if code := e.call(t, "POST", "/v1/webhooks", in, &wh); code != 201 {
		t.Fatalf("create webhook: %d", code)
	}
	r.set(wh.Secret, respond)
	return wh
}

func (e *env) publish(t *testing.T, session string, n int) []uint64 {
	t.Helper()
	ids := make([]uint64, n)
	for i := range n {
		ev, err := e.bus.PublishEvent(context.Background(), session, events.MessageReceived, map[string]int{"i": i})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = ev.ID
	}
	return ids
}

func ms(n int) jsonbody.Duration { return jsonbody.Duration(time.Duration(n) * time.Millisecond) }

// outage makes a webhook on e for session alice whose receiver r answers
// status for d, then 200, while alice's events keep arriving (5 a second,
// until a second before the end). It returns the ids published, when the
// receiver came back, and the count of failed attempts.
func outage(t *testing.T, e *env, r *receiver, d time.Duration, status int) ([]uint64, time.Time, *atomic.Int64) {
	t.Helper()
	downUntil := time.Now().Add(d)
	failed := new(atomic.Int64)
	e.create(t, r, map[string]any{"sessions": []string{"alice"}}, func(int, uint64, http.ResponseWriter) int {
		if time.Now().Before(downUntil) {
			failed.Add(1)
			return status
		}
		return 200
	})
	var want []uint64
	for time.Now().Before(downUntil.Add(-time.Second)) {
		want = append(want, e.publish(t, "alice", 5)...)
		time.Sleep(time.Second)
	}
	return want, downUntil, failed
}
