package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/easy-api/easy-api/internal/session"
)

// envelope is an event as every client sees it.
type envelope struct {
	ID      uint64          `json:"id"`
	Session string          `json:"session"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
}

// receiver is a webhook endpoint that verifies Standard Webhooks signatures
// with its own implementation.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret []byte
	got    []envelope
	bad    []string
	notify chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{notify: make(chan struct{}, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
		r.mu.Lock()
		defer r.mu.Unlock()
		mac := hmac.New(sha256.New, r.secret)
		mac.Write([]byte(id + "." + ts + "." + string(body)))
		want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if !strings.Contains(" "+sig+" ", " "+want+" ") {
			r.bad = append(r.bad, "bad signature for "+id)
		}
		var ev envelope
		if err := json.Unmarshal(body, &ev); err != nil {
			r.bad = append(r.bad, "bad body "+string(body))
		}
		r.got = append(r.got, ev)
		r.notify <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setSecret(t testing.TB, whsec string) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.secret = b
	r.mu.Unlock()
}

// isStatus matches a session.status event with status st.
func isStatus(st session.Status) func(envelope) bool {
	return func(ev envelope) bool {
		return ev.Type == session.EventStatus && strings.Contains(string(ev.Data), `"status":"`+string(st)+`"`)
	}
}

// waitEvent waits until a delivered event matches and returns it, failing
// on any signature problem.
func (r *receiver) waitEvent(t *testing.T, what string, match func(envelope) bool) envelope {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		if len(r.bad) > 0 {
			bad := r.bad
			r.mu.Unlock()
			t.Fatalf("webhook problems: %v", bad)
		}
		for _, ev := range r.got {
			if match(ev) {
				r.mu.Unlock()
				return ev
			}
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("webhook never received %s", what)
		}
	}
}

// webhookTo creates a webhook to rcv with the given filters and lets rcv
// verify its signatures.
func (s *server) webhookTo(rcv *receiver, filters map[string]any) {
	s.t.Helper()
	filters["url"] = rcv.URL
	code, body := s.call("POST", "/v1/webhooks", filters)
	if code != http.StatusCreated {
		s.t.Fatalf("create webhook: %d %s", code, body)
	}
	var wh struct{ Secret string }
	mustJSON(s.t, body, &wh)
	rcv.setSecret(s.t, wh.Secret)
}

func dialWS(t *testing.T, srv *server, query string) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(srv.http.URL, "http") + "/v1/ws?" + query
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", url, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readUntil reads frames until one matches, returning all it read.
func readUntil(t *testing.T, c *websocket.Conn, match func(envelope) bool) []envelope {
	t.Helper()
	var out []envelope
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var ev envelope
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("ws read after %d events: %v", len(out), err)
		}
		out = append(out, ev)
		if match(ev) {
			return out
		}
	}
}

// isType matches events of type typ.
func isType(typ string) func(envelope) bool { return func(ev envelope) bool { return ev.Type == typ } }

func TestEventsFollowALinkOnWebSocketAndWebhook(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	rcv := newReceiver(t)
	srv.webhookTo(rcv, map[string]any{"sessions": []string{"ev"}})

	ws := dialWS(t, srv, "session=ev")
	srv.create("ev", nil)
	got := readUntil(t, ws, isStatus(session.StatusScanQRCode))
	// The QR event follows the status change.
	got = append(got, readUntil(t, ws, isType(session.EventQR))...)
	var qr session.QREvent
	mustJSON(t, got[len(got)-1].Data, &qr)
	if codes := sm.QRCodes(); len(codes) != 1 || codes[0].Code != qr.Code {
		t.Fatalf("session.qr %q, simulator shows %+v", qr.Code, codes)
	}
	sm.control(t, "POST", "/__sim/scan", map[string]string{"code": qr.Code, "phone": "15556660000"})
	got = append(got, readUntil(t, ws, isStatus(session.StatusWorking))...)
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID || got[i].Session != "ev" {
			t.Fatalf("events out of order or foreign: %+v then %+v", got[i-1], got[i])
		}
	}

	// Resume: a new connection from the QR event's id gets the rest, no gap.
	resume := dialWS(t, srv, "session=ev&since="+strconv.FormatUint(got[len(got)-1].ID-2, 10))
	again := readUntil(t, resume, isStatus(session.StatusWorking))
	if again[0].ID != got[len(got)-1].ID-1 {
		t.Fatalf("resume from %d started at %d", got[len(got)-1].ID-2, again[0].ID)
	}

	// The webhook saw the same flow, signed, in id order.
	rcv.waitEvent(t, "WORKING", isStatus(session.StatusWorking))
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for i := 1; i < len(rcv.got); i++ {
		if rcv.got[i].ID <= rcv.got[i-1].ID {
			t.Fatalf("webhook out of order at %d", i)
		}
	}
}

// TestIncomingMessageOnWebSocketAndWebhook: a message from the simulated
// phone arrives as message.received on a WebSocket and at a signed webhook.
func TestIncomingMessageOnWebSocketAndWebhook(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	rcv := newReceiver(t)
	srv.webhookTo(rcv, map[string]any{"types": []string{"message.received"}})
	srv.create("inbox", nil)
	srv.link(sm, "inbox", "15553330000")
	ws := dialWS(t, srv, "session=inbox&type=message.received")

	sm.deliver(t, map[string]string{"phone": "15553330000", "from": "15552220000", "text": "hello there"})
	got := readUntil(t, ws, isType("message.received"))
	var msg session.Message
	mustJSON(t, got[len(got)-1].Data, &msg)
	if msg.Body != "hello there" || msg.FromMe || msg.From != "15552220000@c.us" {
		t.Fatalf("ws message = %+v", msg)
	}
	hit := rcv.waitEvent(t, "the message", func(ev envelope) bool {
		return ev.Type == "message.received" && ev.Session == "inbox" && strings.Contains(string(ev.Data), "hello there")
	})
	if hit.ID != got[len(got)-1].ID {
		t.Fatalf("webhook event id %d, WebSocket %d", hit.ID, got[len(got)-1].ID)
	}
}
