package e2e

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/wasim"
	"github.com/easy-api/easy-api/internal/wasim/wasimtest"
)

// The simulator side of the browser tests: a simulator served with TLS for
// Chromium at web.whatsapp.com, and control calls that must succeed.

// sim is a simulator served with TLS for Chromium at web.whatsapp.com.
type sim struct {
	*wasim.Server
	ts    *httptest.Server
	pin   string
	rules string
	// assetDelay holds back the page's scripts, as a slow network does:
	// the page stays loading that long.
	assetDelay atomic.Int64
}

func startSim(t testing.TB, cfg wasim.Config) *sim {
	t.Helper()
	s := wasim.New(cfg)
	sm := &sim{Server: s}
	ts := wasimtest.StartTLS(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := time.Duration(sm.assetDelay.Load()); d > 0 && strings.HasPrefix(r.URL.Path, "/__page/assets/") {
			time.Sleep(d)
		}
		s.ServeHTTP(w, r)
	}))
	sm.ts, sm.pin, sm.rules = ts.Server, ts.Pin, ts.HostRules
	return sm
}

// fastSim is a simulator whose QR codes live long enough to scan but whose
// sync is quick.
func fastSim(t testing.TB) *sim {
	return startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, QRMax: 6, SyncDelay: 50 * time.Millisecond})
}

// control calls the simulator's control API.
func (s *sim) control(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	return do(t, s.ts.Client(), method, s.ts.URL+path, "", body)
}

// msgSim is the simulator of the messaging tests: a QR every 5 s, a quick
// sync, and acks 100 ms after a send.
func msgSim(t testing.TB) *sim {
	return startSim(t, wasim.Config{QRFirst: 5 * time.Second, QRInterval: 5 * time.Second, SyncDelay: 50 * time.Millisecond,
		AckDelay: 100 * time.Millisecond})
}

// manualAckSim is a simulator whose acks move only by POST /__sim/ack,
// with a QR every qr.
func manualAckSim(t testing.TB, qr time.Duration) *sim {
	return startSim(t, wasim.Config{QRFirst: qr, QRInterval: qr, SyncDelay: 50 * time.Millisecond, AckDelay: wasim.ManualAcks})
}

// controlOK calls the simulator's control API and fails t, naming what
// was asked, unless it answers 200; a non-nil out receives the answer.
func (s *sim) controlOK(t testing.TB, what, method, path string, body, out any) []byte {
	t.Helper()
	code, b := s.control(t, method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", what, code, b)
	}
	if out != nil {
		mustJSON(t, b, out)
	}
	return b
}

// deliver has someone send the account a message (the body of POST
// /__sim/messages) and returns it as the simulator holds it.
func (s *sim) deliver(t testing.TB, body any) wasim.Message {
	t.Helper()
	var m wasim.Message
	s.controlOK(t, "deliver", "POST", "/__sim/messages", body, &m)
	return m
}

// outboxAll is the whole GET /__sim/outbox answer.
func (sm *sim) outboxAll(t testing.TB, phone string) ([]wasim.Message, []wasim.Action) {
	t.Helper()
	var out struct {
		Messages []wasim.Message
		Actions  []wasim.Action
	}
	sm.controlOK(t, "outbox", "GET", "/__sim/outbox?phone="+phone, nil, &out)
	return out.Messages, out.Actions
}

// sentAs returns the outbox entry of id.
func (sm *sim) sentAs(t testing.TB, phone, id string) wasim.Message {
	t.Helper()
	msgs, _ := sm.outboxAll(t, phone)
	for _, m := range msgs {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("%s is not in the outbox of %s", id, phone)
	return wasim.Message{}
}

// waitAction waits for the device of phone to have done act.
func (sm *sim) waitAction(t testing.TB, phone string, match func(wasim.Action) bool) wasim.Action {
	t.Helper()
	var got wasim.Action
	eventually(t, "the phone sees the action", func() bool {
		_, acts := sm.outboxAll(t, phone)
		i := slices.IndexFunc(acts, match)
		if i >= 0 {
			got = acts[i]
		}
		return i >= 0
	})
	return got
}

func (sm *sim) outbox(t testing.TB, phone string) []wasim.Message {
	t.Helper()
	msgs, _ := sm.outboxAll(t, phone)
	return msgs
}
