package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

func (r *receiver) setSecret(t *testing.T, whsec string) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.secret = b
	r.mu.Unlock()
}

// waitStatus waits until a session.status event with status arrives.
func (r *receiver) waitStatus(t *testing.T, st session.Status) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		for _, ev := range r.got {
			if ev.Type == session.EventStatus && strings.Contains(string(ev.Data), `"status":"`+string(st)+`"`) {
				r.mu.Unlock()
				return
			}
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("webhook never received status %s", st)
		}
	}
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

// readUntil reads frames until one has the status, returning all it read.
func readUntil(t *testing.T, c *websocket.Conn, st session.Status) []envelope {
	t.Helper()
	var out []envelope
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var ev envelope
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("ws read after %d events: %v", len(out), err)
		}
		out = append(out, ev)
		if ev.Type == session.EventStatus && strings.Contains(string(ev.Data), `"status":"`+string(st)+`"`) {
			return out
		}
	}
}

func TestEventsFollowALinkOnWebSocketAndWebhook(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{})
	rcv := newReceiver(t)
	code, body := srv.call("POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "sessions": []string{"ev"}})
	if code != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", code, body)
	}
	var wh struct{ Secret string }
	mustJSON(t, body, &wh)
	rcv.setSecret(t, wh.Secret)

	ws := dialWS(t, srv, "session=ev")
	srv.create("ev", nil)
	got := readUntil(t, ws, session.StatusScanQRCode)
	// The QR event follows the status change.
	got = append(got, readUntilType(t, ws, session.EventQR)...)
	var qr session.QREvent
	mustJSON(t, got[len(got)-1].Data, &qr)
	if codes := sm.QRCodes(); len(codes) != 1 || codes[0].Code != qr.Code {
		t.Fatalf("session.qr %q, simulator shows %+v", qr.Code, codes)
	}
	sm.control(t, "POST", "/__sim/scan", map[string]string{"code": qr.Code, "phone": "15556660000"})
	got = append(got, readUntil(t, ws, session.StatusWorking)...)
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID || got[i].Session != "ev" {
			t.Fatalf("events out of order or foreign: %+v then %+v", got[i-1], got[i])
		}
	}

	// Resume: a new connection from the QR event's id gets the rest, no gap.
	resume := dialWS(t, srv, "session=ev&since="+itoa(got[len(got)-1].ID-2))
	again := readUntil(t, resume, session.StatusWorking)
	if again[0].ID != got[len(got)-1].ID-1 {
		t.Fatalf("resume from %d started at %d", got[len(got)-1].ID-2, again[0].ID)
	}

	// The webhook saw the same flow, signed, in id order.
	rcv.waitStatus(t, session.StatusWorking)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 {
		t.Fatalf("webhook problems: %v", rcv.bad)
	}
	for i := 1; i < len(rcv.got); i++ {
		if rcv.got[i].ID <= rcv.got[i-1].ID {
			t.Fatalf("webhook out of order at %d", i)
		}
	}
}

func readUntilType(t *testing.T, c *websocket.Conn, typ string) []envelope {
	t.Helper()
	var out []envelope
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var ev envelope
		if err := c.ReadJSON(&ev); err != nil {
			t.Fatalf("ws read: %v", err)
		}
		out = append(out, ev)
		if ev.Type == typ {
			return out
		}
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// TestIncomingMessageOnWebSocketAndWebhook: a message from the simulated
// phone arrives as message.received on a WebSocket and at a signed webhook.
func TestIncomingMessageOnWebSocketAndWebhook(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{})
	rcv := newReceiver(t)
	code, body := srv.call("POST", "/v1/webhooks", map[string]any{"url": rcv.URL, "types": []string{"message.received"}})
	if code != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", code, body)
	}
	var wh struct{ Secret string }
	mustJSON(t, body, &wh)
	rcv.setSecret(t, wh.Secret)
	srv.create("inbox", nil)
	srv.link(sm, "inbox", "15553330000")
	ws := dialWS(t, srv, "session=inbox&type=message.received")

	if c, b := sm.control(t, "POST", "/__sim/messages", map[string]string{"phone": "15553330000", "from": "15552220000", "text": "hello there"}); c != http.StatusOK {
		t.Fatalf("deliver: %d %s", c, b)
	}
	got := readUntilType(t, ws, "message.received")
	var msg session.Message
	mustJSON(t, got[len(got)-1].Data, &msg)
	if msg.Body != "hello there" || msg.FromMe || msg.From != "15552220000@c.us" {
		t.Fatalf("ws message = %+v", msg)
	}
	deadline := time.After(30 * time.Second)
	for {
		rcv.mu.Lock()
		var hit *envelope
		for i := range rcv.got {
			if rcv.got[i].Type == "message.received" && rcv.got[i].Session == "inbox" && strings.Contains(string(rcv.got[i].Data), "hello there") {
				hit = &rcv.got[i]
			}
		}
		bad := append([]string(nil), rcv.bad...)
		rcv.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("webhook problems: %v", bad)
		}
		if hit != nil {
			if hit.ID != got[len(got)-1].ID {
				t.Fatalf("webhook event id %d, WebSocket %d", hit.ID, got[len(got)-1].ID)
			}
			return
		}
		select {
		case <-rcv.notify:
		case <-deadline:
			t.Fatal("the webhook never received the message")
		}
	}
}
