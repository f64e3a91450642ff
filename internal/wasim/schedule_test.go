package wasim

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// memTransport is an in-memory page channel: the server's messages queue up
// in msgs for the test to read.
type memTransport struct {
	mu     sync.Mutex
	msgs   []outMsg
	closed bool
}

func (t *memTransport) send(m outMsg) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errors.New("closed")
	}
	t.msgs = append(t.msgs, m)
	return nil
}

func (t *memTransport) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// take returns the messages sent since the last take, once every goroutine
// of the bubble is blocked.
func (t *memTransport) take() []outMsg {
	synctest.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.msgs
	t.msgs = nil
	return m
}

var testKeys = &pageKeys{Static: "c3RhdGlj", Identity: "aWRlbnRpdHk=", Secret: "c2VjcmV0"}

// types lists the "t" of msgs.
func types(msgs []outMsg) string {
	var b []string
	for _, m := range msgs {
		b = append(b, m.T)
	}
	return strings.Join(b, ",")
}

// only returns the one message of msgs, of type typ.
func only(t *testing.T, msgs []outMsg, typ string) outMsg {
	t.Helper()
	if len(msgs) != 1 || msgs[0].T != typ {
		t.Fatalf("messages = [%s], want [%s]", types(msgs), typ)
	}
	return msgs[0]
}

func openTestPage(t *testing.T, s *Server) (*page, *memTransport) {
	t.Helper()
	tr := &memTransport{}
	p, err := s.openPage(tr)
	if err != nil {
		t.Fatal(err)
	}
	return p, tr
}

func TestQRSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{QRFirst: 60 * time.Second, QRInterval: 20 * time.Second, QRMax: 3})
		defer s.Close()
		p, tr := openTestPage(t, s)
		start := time.Now()
		if err := s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys}); err != nil {
			t.Fatal(err)
		}

		// Ref #1 at once, valid for QRFirst; #2 and #3 each valid QRInterval.
		wantLife := []time.Duration{60 * time.Second, 20 * time.Second, 20 * time.Second}
		seen := map[string]bool{}
		for i, life := range wantLife {
			m := only(t, tr.take(), msgQR)
			if m.Index != i+1 || seen[m.Ref] || !strings.HasPrefix(m.Ref, "2@") {
				t.Fatalf("ref #%d: index %d ref %q (seen before: %v)", i+1, m.Index, m.Ref, seen[m.Ref])
			}
			seen[m.Ref] = true
			if got := m.ExpiresAt.Sub(time.Now()); got != life {
				t.Errorf("ref #%d lives %v, want %v", i+1, got, life)
			}
			qrs := s.QRCodes()
			want := m.Ref + ",c3RhdGlj,aWRlbnRpdHk=,c2VjcmV0"
			if len(qrs) != 1 || qrs[0].Code != want || !qrs[0].ExpiresAt.Equal(*m.ExpiresAt) {
				t.Fatalf("QRCodes() = %+v, want one with code %q", qrs, want)
			}
			time.Sleep(life)
		}

		// After QRMax refs the page goes idle and shows no code.
		only(t, tr.take(), msgIdle)
		if got := time.Since(start); got != 100*time.Second {
			t.Errorf("idle after %v, want 100s", got)
		}
		if qrs := s.QRCodes(); len(qrs) != 0 {
			t.Errorf("QRCodes() while idle = %+v, want none", qrs)
		}
		time.Sleep(time.Hour)
		if msgs := tr.take(); len(msgs) != 0 {
			t.Fatalf("idle page got [%s]", types(msgs))
		}

		// refreshQR starts a new run at ref #1.
		if err := s.onPageMessage(p, inMsg{T: msgRefresh, ID: 7}); err != nil {
			t.Fatal(err)
		}
		msgs := tr.take()
		if types(msgs) != "qr,reply" || msgs[0].Index != 1 || msgs[1].ID != 7 || !msgs[1].OK {
			t.Fatalf("after refresh: %+v", msgs)
		}
	})
}

func TestScanThenSyncThenMain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{SyncDelay: 3 * time.Second})
		defer s.Close()
		p, tr := openTestPage(t, s)
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		qr := only(t, tr.take(), msgQR)

		time.Sleep(59 * time.Second) // still valid just before QRFirst ends
		l, err := s.Scan(qr.Ref, "+1 555 123 4567", "Alice")
		if err != nil {
			t.Fatal(err)
		}
		if l.DeviceID != "15551234567:1" || l.Wid != "15551234567@c.us" || l.Name != "Alice" || l.Method != "qr" {
			t.Errorf("Scan() = %+v", l)
		}
		linked := only(t, tr.take(), msgLinked)
		if linked.Creds.DeviceID != l.DeviceID || linked.Creds.Secret == "" || linked.PushName != "Alice" {
			t.Errorf("linked = %+v", linked)
		}
		// The same code cannot be scanned twice.
		if _, err := s.Scan(qr.Ref, "15551234567", ""); CodeOf(err) != CodeUnknownCode {
			t.Errorf("second scan: %v, want %s", err, CodeUnknownCode)
		}

		// SyncDelay counts from when the page stored its credentials.
		time.Sleep(time.Minute)
		if msgs := tr.take(); len(msgs) != 0 {
			t.Fatalf("before stored: [%s]", types(msgs))
		}
		s.onPageMessage(p, inMsg{T: msgStored})
		time.Sleep(3*time.Second - time.Millisecond)
		if msgs := tr.take(); len(msgs) != 0 {
			t.Fatalf("before SyncDelay: [%s]", types(msgs))
		}
		time.Sleep(time.Millisecond)
		only(t, tr.take(), msgMain)
	})
}

func TestExpiredCodeIsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{QRFirst: time.Second, QRInterval: time.Second})
		defer s.Close()
		p, tr := openTestPage(t, s)
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		first := only(t, tr.take(), msgQR)
		time.Sleep(time.Second)
		second := only(t, tr.take(), msgQR)

		for name, code := range map[string]string{
			"expired ref":         first.Ref,
			"unknown ref":         "2@nope",
			"full code, bad keys": second.Ref + ",a,b,c",
		} {
			if _, err := s.Scan(code, "15551234567", ""); CodeOf(err) != CodeUnknownCode {
				t.Errorf("%s: err = %v, want %s", name, err, CodeUnknownCode)
			}
		}
		full := s.QRCodes()[0].Code
		if _, err := s.Scan(full, "15551234567", ""); err != nil {
			t.Errorf("scan of the full code: %v", err)
		}
	})
}

func TestResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{SyncDelay: time.Second})
		defer s.Close()
		p, tr := openTestPage(t, s)
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		l, _ := s.Scan(only(t, tr.take(), msgQR).Ref, "15551234567", "")
		creds := only(t, tr.take(), msgLinked).Creds
		s.closePage(p) // the browser goes away

		cases := []struct {
			name  string
			creds pageCreds
			want  string
		}{
			{"valid", *creds, "resumed,main"},
			{"wrong secret", pageCreds{DeviceID: l.DeviceID, Secret: "x"}, "refused:" + reasonUnknownDevice},
			{"unknown device", pageCreds{DeviceID: "1:1", Secret: creds.Secret}, "refused:" + reasonUnknownDevice},
		}
		for _, c := range cases {
			p, tr := openTestPage(t, s)
			s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys, Creds: &c.creds})
			time.Sleep(time.Second)
			msgs := tr.take()
			got := types(msgs)
			if len(msgs) == 1 && msgs[0].T == msgRefused {
				got += ":" + msgs[0].Reason
			}
			if got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
			s.closePage(p)
		}

		// The phone logs the device out while it is offline: refused next time.
		res, err := s.Logout("15551234567")
		if err != nil || res.LoggedOut != 1 || res.Live != 0 {
			t.Fatalf("Logout() = %+v, %v", res, err)
		}
		p, tr = openTestPage(t, s)
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys, Creds: creds})
		if m := only(t, tr.take(), msgRefused); m.Reason != reasonDeviceRemoved {
			t.Errorf("reason = %q", m.Reason)
		}
		// The page purges and says hello again: a fresh QR.
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		only(t, tr.take(), msgQR)
	})
}

func TestLiveLogoutAndPageLogout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{})
		defer s.Close()
		link := func(phone string) (*page, *memTransport) {
			p, tr := openTestPage(t, s)
			s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
			if _, err := s.Scan(only(t, tr.take(), msgQR).Ref, phone, ""); err != nil {
				t.Fatal(err)
			}
			only(t, tr.take(), msgLinked)
			return p, tr
		}
		_, tr1 := link("15550000001")
		_, tr2 := link("15550000001")
		res, err := s.Logout("15550000001")
		if err != nil || res.LoggedOut != 2 || res.Live != 2 {
			t.Fatalf("Logout() = %+v, %v", res, err)
		}
		for _, tr := range []*memTransport{tr1, tr2} {
			if m := only(t, tr.take(), msgLogout); m.Reason != reasonDeviceRemoved {
				t.Errorf("reason = %q", m.Reason)
			}
		}
		if _, err := s.Logout("15559999999"); CodeOf(err) != CodeAccountNotFound {
			t.Errorf("unknown phone: %v", err)
		}

		p3, tr3 := link("15550000003")
		s.onPageMessage(p3, inMsg{T: msgLogout, ID: 1})
		only(t, tr3.take(), msgReply)
		acc := s.Accounts()
		if len(acc) != 2 || !acc[1].Devices[0].LoggedOut || acc[1].Devices[0].Connected {
			t.Errorf("Accounts() = %+v", acc)
		}
	})
}

func TestPairingCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{})
		defer s.Close()
		p, tr := openTestPage(t, s)
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		tr.take()

		s.onPageMessage(p, inMsg{T: msgPairCode, ID: 1, Phone: "abc"})
		if r := only(t, tr.take(), msgReply); r.OK || !strings.HasPrefix(r.Error, "send_the_phone_number_to_connect") {
			t.Errorf("bad phone: %+v", r)
		}
		s.onPageMessage(p, inMsg{T: msgPairCode, ID: 2, Phone: "+44 7700 900123"})
		r := only(t, tr.take(), msgReply)
		if !r.OK || len(r.Code) != 8 || strings.Trim(r.Code, pairAlphabet) != "" {
			t.Fatalf("pair code reply: %+v", r)
		}
		if _, err := s.Pair("ZZZZ-ZZZZ", ""); CodeOf(err) != CodeUnknownCode {
			t.Errorf("unknown code: %v", err)
		}
		typed := strings.ToLower(r.Code[:4] + "-" + r.Code[4:])
		l, err := s.Pair(typed, "Bob")
		if err != nil || l.Phone != "447700900123" || l.Method != "pairing" {
			t.Fatalf("Pair() = %+v, %v", l, err)
		}
		if m := only(t, tr.take(), msgLinked); m.Method != "pairing" || m.PushName != "Bob" {
			t.Errorf("linked = %+v", m)
		}
		// Linked pages get no more codes.
		s.onPageMessage(p, inMsg{T: msgPairCode, ID: 3, Phone: "447700900123"})
		if r := only(t, tr.take(), msgReply); r.OK {
			t.Errorf("code for a linked page: %+v", r)
		}
	})
}

func TestProtocolErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(Config{})
		defer s.Close()
		p, _ := openTestPage(t, s)
		for name, m := range map[string]inMsg{
			"no keys":      {T: msgHello},
			"bad key":      {T: msgHello, Keys: &pageKeys{Static: "a,b", Identity: "x", Secret: "y"}},
			"unknown type": {T: "bogus"},
		} {
			if err := s.onPageMessage(p, m); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys})
		if err := s.onPageMessage(p, inMsg{T: msgHello, Keys: testKeys}); err == nil {
			t.Error("second hello: no error")
		}
	})
}
