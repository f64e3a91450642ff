package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/session"
)

// published is one event a recordingPublisher saw.
type published struct {
	Session, Type string
	Data          any
	At            time.Time
}

// recordingPublisher is a session.Publisher that keeps every event and
// lets tests wait for one (the lead adds WebSocket/webhook assertions once
// the events bus is wired).
type recordingPublisher struct {
	mu      sync.Mutex
	events  []published
	changed chan struct{} // closed and replaced on every event
}

func newRecordingPublisher() *recordingPublisher {
	return &recordingPublisher{changed: make(chan struct{})}
}

// Publish records an event. Like the bus (events.Deduped), it stores an
// event with a WhatsApp id only once per session and type: re-reporting a
// message after a restart is allowed by the Publisher contract, and the
// test asserts what the log keeps.
func (p *recordingPublisher) Publish(_ context.Context, sess, typ string, data any) error {
	p.mu.Lock()
	if d, ok := data.(events.Deduped); ok && d.DedupeID() != "" {
		for _, e := range p.events {
			if e.Session == sess && e.Type == typ {
				if o, ok := e.Data.(events.Deduped); ok && o.DedupeID() == d.DedupeID() {
					p.mu.Unlock()
					return nil
				}
			}
		}
	}
	p.events = append(p.events, published{sess, typ, data, time.Now()})
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	return nil
}

// wait returns the first event of typ for sess matching match, waiting up
// to 20 s for it.
func (p *recordingPublisher) wait(t testing.TB, sess, typ string, match func(any) bool) published {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		p.mu.Lock()
		for _, e := range p.events {
			if e.Session == sess && e.Type == typ && (match == nil || match(e.Data)) {
				p.mu.Unlock()
				return e
			}
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s event for %s within 20s", typ, sess)
		}
	}
}

// count returns how many events of typ for sess match.
func (p *recordingPublisher) count(sess, typ string, match func(any) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.events {
		if e.Session == sess && e.Type == typ && (match == nil || match(e.Data)) {
			n++
		}
	}
	return n
}

func msgID(id string) func(any) bool {
	return func(d any) bool {
		switch v := d.(type) {
		case session.Message:
			return v.ID == id
		case session.AckEvent:
			return v.ID == id
		case session.RevokeEvent:
			return v.ID == id
		}
		return false
	}
}

// startMsgServer is the harness's server with a recording publisher (next to
// the bus), a short call timeout and media limits for messaging tests.
func startMsgServer(t testing.TB, dir string, sm *sim, pub session.Publisher, callTimeout time.Duration) *server {
	t.Helper()
	return startServer(t, dir, sm, serverOpts{tee: pub, callTimeout: callTimeout,
		media: api.MediaConfig{MaxBytes: 4 << 20, FetchTimeout: 5 * time.Second, AllowPrivateURLs: true}})
}

// send posts a message through the API and decodes the answer.
func (s *server) send(id string, body map[string]any) (int, session.Message, []byte) {
	s.t.Helper()
	code, b := s.call("POST", "/v1/sessions/"+id+"/messages", body)
	var m session.Message
	if code == http.StatusCreated {
		mustJSON(s.t, b, &m)
	}
	return code, m, b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestMessaging(t *testing.T) {
	skipShort(t)
	sm := msgSim(t)
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, 3*time.Second)
	t.Cleanup(func() { checkEventPayloads(t, pub) })
	const me, bob = "15552220000", "15553330000"

	srv.create("m", nil)
	srv.wait("m", session.StatusScanQRCode)
	t.Run("send while SCAN_QR_CODE is a 409 naming it", func(t *testing.T) {
		code, _, b := srv.send("m", map[string]any{"chat_id": bob, "text": "too early"})
		if code != http.StatusConflict || !strings.Contains(string(b), "session_not_working") || !strings.Contains(string(b), "SCAN_QR_CODE") {
			t.Fatalf("send while SCAN_QR_CODE: %d %s", code, b)
		}
	})
	srv.link(sm, "m", me)

	var textID string
	t.Run("text goes out, acks progress as events", func(t *testing.T) {
		code, msg, b := srv.send("m", map[string]any{"chat_id": "+1 555 333 0000", "text": "hello bob"})
		if code != http.StatusCreated || msg.ID == "" || msg.Ack < session.AckServer || !msg.FromMe || msg.ChatID != bob+"@c.us" || msg.Body != "hello bob" {
			t.Fatalf("send: %d %s", code, b)
		}
		textID = msg.ID
		out := sm.outbox(t, me)
		if len(out) != 1 || out[0].ID != msg.ID || out[0].Body != "hello bob" || out[0].To != bob+"@c.us" {
			t.Fatalf("outbox = %+v", out)
		}
		pub.wait(t, "m", session.EventMessageSent, msgID(msg.ID))
		for _, want := range []session.Ack{session.AckDevice, session.AckRead} {
			pub.wait(t, "m", session.EventMessageAck, func(d any) bool {
				a := d.(session.AckEvent)
				return a.ID == msg.ID && a.Ack == want && a.ChatID == bob+"@c.us"
			})
		}
	})

	t.Run("media by data goes out and downloads byte-identical", func(t *testing.T) {
		data := randomBytes(300 << 10)
		code, msg, b := srv.send("m", map[string]any{"chat_id": bob + "@c.us", "media": map[string]any{
			"data": base64.StdEncoding.EncodeToString(data), "mimetype": "image/jpeg", "filename": "pic.jpg", "caption": "a picture"}})
		if code != http.StatusCreated || msg.Type != "image" || msg.Caption != "a picture" || msg.Mimetype != "image/jpeg" {
			t.Fatalf("send media: %d %s", code, b)
		}
		out := sm.outbox(t, me)
		last := out[len(out)-1]
		if last.ID != msg.ID || last.Size != len(data) || last.Filename != "pic.jpg" || last.Caption != "a picture" {
			t.Fatalf("outbox entry = %+v", last)
		}
		if _, got := sm.control(t, "GET", last.MediaURL, nil); !bytes.Equal(got, data) {
			t.Fatalf("simulator holds %d bytes, sent %d", len(got), len(data))
		}
		got, ctype := srv.download(t, "m", msg.ID)
		if !bytes.Equal(got, data) || ctype != "image/jpeg" {
			t.Fatalf("download: %q, %d bytes (want %d)", ctype, len(got), len(data))
		}
		pub.wait(t, "m", session.EventMessageSent, msgID(msg.ID))
	})

	t.Run("media by url is fetched by the server", func(t *testing.T) {
		pdf := append([]byte("%PDF-1.4\n"), randomBytes(2000)...)
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(pdf)
		}))
		defer origin.Close()
		code, msg, b := srv.send("m", map[string]any{"chat_id": bob, "media": map[string]any{"url": origin.URL + "/docs/report.pdf"}})
		if code != http.StatusCreated || msg.Type != "document" || msg.Filename != "report.pdf" {
			t.Fatalf("send by url: %d %s", code, b)
		}
		out := sm.outbox(t, me)
		if _, got := sm.control(t, "GET", out[len(out)-1].MediaURL, nil); !bytes.Equal(got, pdf) {
			t.Fatalf("simulator holds %d bytes, origin served %d", len(got), len(pdf))
		}
	})

	var inID string
	t.Run("a message from the phone's contact is received once and listed", func(t *testing.T) {
		m := sm.deliver(t, map[string]string{"phone": me, "from": bob, "from_name": "Bob", "text": "hi there"})
		inID = m.ID
		ev := pub.wait(t, "m", session.EventMessageReceived, msgID(m.ID))
		got := ev.Data.(session.Message)
		if got.Body != "hi there" || got.FromMe || got.ChatID != bob+"@c.us" || got.From != bob+"@c.us" || got.Type != "chat" {
			t.Fatalf("received = %+v", got)
		}
		code, b := srv.call("GET", "/v1/sessions/m/chats/"+bob+"/messages?limit=10", nil)
		var list api.MessageList
		mustJSON(t, b, &list)
		if code != http.StatusOK || len(list.Messages) != 4 || list.Messages[3].ID != m.ID || list.Messages[0].ID != textID {
			t.Fatalf("messages: %d %s", code, b)
		}
		// Paging backwards with before.
		code, b = srv.call("GET", "/v1/sessions/m/chats/"+bob+"@c.us/messages?limit=1&before="+m.ID, nil)
		mustJSON(t, b, &list)
		if code != http.StatusOK || len(list.Messages) != 1 || list.Messages[0].Type != "document" {
			t.Fatalf("before: %d %s", code, b)
		}
		code, b = srv.call("GET", "/v1/sessions/m/chats", nil)
		var chats session.ChatPage
		mustJSON(t, b, &chats)
		if code != http.StatusOK || len(chats.Chats) != 1 || chats.Chats[0].ID != bob+"@c.us" || chats.Chats[0].Name != "Bob" || chats.Chats[0].UnreadCount != 1 {
			t.Fatalf("chats: %d %s", code, b)
		}
		code, b = srv.call("GET", "/v1/sessions/m/contacts", nil)
		var contacts api.ContactList
		mustJSON(t, b, &contacts)
		if code != http.StatusOK || len(contacts.Contacts) != 1 || contacts.Contacts[0].PushName != "Bob" {
			t.Fatalf("contacts: %d %s", code, b)
		}
		if code, b := srv.call("GET", "/v1/sessions/m/chats/15550009999/messages", nil); code != http.StatusNotFound {
			t.Fatalf("messages of an unknown chat: %d %s", code, b)
		}
		if code, b := srv.call("GET", "/v1/sessions/m/messages/"+m.ID+"/media", nil); code != http.StatusNotFound {
			t.Fatalf("media of a text message: %d %s", code, b)
		}
	})

	t.Run("incoming media downloads byte-identical; revokes arrive", func(t *testing.T) {
		data := randomBytes(50 << 10)
		m := sm.deliver(t, map[string]any{"phone": me, "from": bob,
			"media": map[string]string{"data": base64.StdEncoding.EncodeToString(data), "mimetype": "application/zip", "filename": "x.zip"}})
		ev := pub.wait(t, "m", session.EventMessageReceived, msgID(m.ID))
		if got := ev.Data.(session.Message); got.Type != "document" || got.Filename != "x.zip" {
			t.Fatalf("received = %+v", got)
		}
		got, ctype := srv.download(t, "m", m.ID)
		if !bytes.Equal(got, data) || ctype != "application/zip" {
			t.Fatalf("download: %q %d bytes", ctype, len(got))
		}
		if code, b := sm.control(t, "POST", "/__sim/revoke", map[string]string{"phone": me, "id": inID}); code != http.StatusOK {
			t.Fatalf("revoke: %d %s", code, b)
		}
		rv := pub.wait(t, "m", session.EventMessageRevoked, msgID(inID)).Data.(session.RevokeEvent)
		if rv.ChatID != bob+"@c.us" || rv.RevokeID == "" || rv.RevokeID == inID {
			t.Fatalf("revoked = %+v", rv)
		}
	})

	t.Run("a page that does not answer is a 504", func(t *testing.T) {
		sm.HoldSends(true)
		start := time.Now()
		code, _, b := srv.send("m", map[string]any{"chat_id": bob, "text": "into the void"})
		if code != http.StatusGatewayTimeout || !strings.Contains(string(b), `"timeout"`) || time.Since(start) > 10*time.Second {
			t.Fatalf("held send: %d %s after %s", code, b, time.Since(start))
		}
	})

	t.Run("the browser crashing during a send fails it clearly; the session recovers", func(t *testing.T) {
		type result struct {
			code int
			body []byte
		}
		res := make(chan result, 1)
		go func() {
			code, b := do(t, srv.http.Client(), "POST", srv.http.URL+"/v1/sessions/m/messages", "",
				map[string]any{"chat_id": bob, "text": "lost in the crash"})
			res <- result{code, b}
		}()
		eventually(t, "the send reaches the simulator", func() bool { return sm.HeldSends() == 2 })
		if err := srv.launcher.page("m").CrashRenderer(context.Background()); err != nil {
			t.Fatal(err)
		}
		r := <-res
		if r.code != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "went away during sendText") {
			t.Fatalf("send during a crash: %d %s", r.code, r.body)
		}
		srv.wait("m", session.StatusRestarting)
		srv.wait("m", session.StatusWorking)
		sm.HoldSends(false)
		for _, m := range sm.outbox(t, me) {
			if m.Body == "lost in the crash" || m.Body == "into the void" {
				t.Fatalf("a failed send is in the outbox: %+v", m)
			}
		}
		if n := pub.count("m", session.EventMessageSent, func(d any) bool {
			b := d.(session.Message).Body
			return b == "lost in the crash" || b == "into the void"
		}); n != 0 {
			t.Fatalf("%d message.sent events for sends that failed", n)
		}
		code, msg, b := srv.send("m", map[string]any{"chat_id": bob, "text": "after the crash"})
		if code != http.StatusCreated {
			t.Fatalf("send after recovery: %d %s", code, b)
		}
		pub.wait(t, "m", session.EventMessageSent, msgID(msg.ID))
	})

	t.Run("every message is reported once across the restart", func(t *testing.T) {
		m := sm.deliver(t, map[string]string{"phone": me, "from": bob, "text": "after restart"})
		pub.wait(t, "m", session.EventMessageReceived, msgID(m.ID))
		pub.mu.Lock()
		defer pub.mu.Unlock()
		seen := map[string]int{}
		for _, e := range pub.events {
			if msg, ok := e.Data.(session.Message); ok {
				seen[e.Type+" "+msg.ID]++
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s published %d times", k, n)
			}
		}
	})
}

// download GETs a message's media through the API.
func (s *server) download(t testing.TB, id, msgID string) ([]byte, string) {
	t.Helper()
	resp, err := s.http.Client().Get(s.http.URL + "/v1/sessions/" + id + "/messages/" + msgID + "/media")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download %s: %d %s", msgID, resp.StatusCode, b)
	}
	return b, resp.Header.Get("Content-Type")
}

// eventually polls cond every 20 ms until it holds, failing after 20 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMissingBundleFailsNamingSetup(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{browser: func(c *browserConfig) {
		c.WAJS = filepath.Join(t.TempDir(), "node_modules/@wppconnect/wa-js/dist/wppconnect-wa.js")
	}})
	srv.create("nobundle", nil)
	v := srv.wait("nobundle", session.StatusFailed)
	if v.Reason != session.ReasonLaunchFailed || !strings.Contains(v.Error, "easy-api setup") || !strings.Contains(v.Error, "make assets") {
		t.Fatalf("view = %+v; want FAILED/launch_failed naming `easy-api setup` and `make assets`", v)
	}
	if procs := chromiumProcesses(srv.dir); len(procs) > 0 {
		t.Fatalf("a browser started: %v", procs)
	}
}
