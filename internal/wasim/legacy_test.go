package wasim

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// legacyLink shows a QR on a fresh page, scans it as a legacy device of
// phone and returns the page and its "linked" message; the page has stored
// its tokens but is not in MAIN yet.
func legacyLink(t *testing.T, ts *httptest.Server, phone string) (*wsPage, outMsg) {
	t.Helper()
	page := dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys})
	qr := page.next(msgQR)
	var l Linked
	body, _ := json.Marshal(scanRequest{Code: qr.Ref, Phone: phone, Legacy: true})
	if st := call(t, ts, "POST", "/__sim/scan", string(body), &l); st != 200 {
		t.Fatalf("legacy scan: status %d", st)
	}
	linked := page.next(msgLinked)
	if linked.Legacy == nil || linked.Creds == nil || linked.Creds.DeviceID != l.DeviceID {
		t.Fatalf("linked = %+v, want legacy tokens for %s", linked, l.DeviceID)
	}
	return page, linked
}

// resumeTokens are what a legacy page presents in hello: its stored tokens.
func resumeTokens(linked outMsg) *legacyTokens {
	t := *linked.Legacy
	t.Secret = nil
	return &t
}

func devicesOf(t *testing.T, ts *httptest.Server) []AccountInfo {
	t.Helper()
	var devs devicesResponse
	if st := call(t, ts, "GET", "/__sim/devices", "", &devs); st != 200 {
		t.Fatalf("devices: %d", st)
	}
	return devs.Accounts
}

func TestLegacyConflictAndTakeover(t *testing.T) {
	_, ts := manualAckSim(t)
	const phone = "15551234567"
	a, linked := legacyLink(t, ts, phone)
	tok := linked.Legacy
	if tok.BrowserID == "" || tok.ClientToken == "" || !strings.HasPrefix(tok.ServerToken, "1@") ||
		tok.Secret == nil || tok.Secret.EncKey == "" || tok.Secret.MacKey == "" {
		t.Fatalf("legacy tokens = %+v", tok)
	}
	a.send(inMsg{T: msgStored})
	a.next(msgMain)
	if accts := devicesOf(t, ts); len(accts) != 1 || !accts[0].Legacy || !accts[0].Online || !accts[0].Devices[0].Connected {
		t.Fatalf("devices = %+v, want one legacy account, online, connected", accts)
	}

	// A second browser on a copy of the tokens: CONFLICT, unusable.
	b := dialPage(t, ts)
	b.send(inMsg{T: msgHello, Keys: testKeys, Legacy: resumeTokens(linked)})
	c := b.next(msgConflict)
	if c.Wid != phone+"@c.us" || c.Creds == nil || c.Creds.DeviceID != linked.Creds.DeviceID {
		t.Errorf("conflict = %+v, want the account's identity", c)
	}
	b.send(inMsg{T: msgQuery, ID: 1, Q: "chats"})
	if r := b.next(msgReply); r.OK || !strings.HasPrefix(r.Error, "conflict: ") {
		t.Errorf("query in CONFLICT = %+v, want a conflict error", r)
	}
	b.send(inMsg{T: msgSend, ID: 2, Send: &sendReq{Key: "3EB0AABBCCDD", To: "15550000001@c.us", Type: "chat", Body: "hi"}})
	if r := b.next(msgReply); r.OK {
		t.Errorf("send in CONFLICT = %+v, want an error", r)
	}
	if d := devicesOf(t, ts)[0].Devices[0]; !d.Connected || !d.Conflict {
		t.Errorf("device = %+v, want connected (A) and in conflict (B)", d)
	}

	// The live page keeps working.
	call(t, ts, "POST", "/__sim/messages", `{"phone":"`+phone+`","from":"15550000001","text":"to A"}`, nil)
	m := a.next(msgMessage)
	if m.Msg.Body != "to A" {
		t.Errorf("A got %+v", m.Msg)
	}
	a.send(inMsg{T: msgReceived, Seq: m.Msg.Seq}) // stored: not for B again
	a.send(inMsg{T: msgQuery, ID: 10, Q: "chats"})
	a.next(msgReply) // so the server has seen "received"

	// Takeover: B is live (SYNCING, then MAIN, with what A had), A in CONFLICT.
	b.send(inMsg{T: msgTakeover, ID: 3})
	if r := b.next(msgResumed); r.Creds == nil || r.Creds.DeviceID != linked.Creds.DeviceID {
		t.Errorf("resumed after takeover = %+v", r)
	}
	if r := b.next(msgReply); !r.OK || r.Code != "taken_over" {
		t.Errorf("takeover reply = %+v", r)
	}
	b.next(msgMain)
	a.next(msgConflict)
	b.send(inMsg{T: msgTakeover, ID: 4})
	if r := b.next(msgReply); !r.OK || r.Code != "" {
		t.Errorf("takeover of the live page = %+v, want a no-op", r)
	}
	// A takes it back.
	a.send(inMsg{T: msgTakeover, ID: 5})
	a.send(inMsg{T: msgQuery, ID: 6, Q: "contacts"})
	a.next(msgResumed)
	if r := a.next(msgReply); r.Code != "taken_over" {
		t.Errorf("A takes back: %+v", r)
	}
	a.next(msgReply) // the contacts query, answered now that A is live
	b.next(msgConflict)

	// A goes away; B reloads (a new channel) and resumes normally.
	a.conn.Close()
	waitFor(t, func() bool { return !devicesOf(t, ts)[0].Devices[0].Connected })
	b.conn.Close()
	b2 := dialPage(t, ts)
	b2.send(inMsg{T: msgHello, Keys: testKeys, Legacy: resumeTokens(linked)})
	b2.next(msgResumed)
	b2.next(msgMain)

	// A legacy scan while B2 is live links a new device, in CONFLICT.
	c2, _ := legacyLink(t, ts, phone)
	c2.next(msgConflict)
	c2.send(inMsg{T: msgStored}) // ignored: no sync in CONFLICT
	if accts := devicesOf(t, ts); len(accts[0].Devices) != 2 || !accts[0].Devices[1].Conflict || accts[0].Devices[1].Connected {
		t.Errorf("devices = %+v, want the new device in conflict", accts[0].Devices)
	}

	// The phone logs out: the live page and the CONFLICT page are told.
	var res LogoutResult
	if st := call(t, ts, "POST", "/__sim/logout", `{"phone":"`+phone+`"}`, &res); st != 200 || res.LoggedOut != 2 || res.Live != 2 {
		t.Fatalf("logout: %d %+v", st, res)
	}
	b2.next(msgLogout)
	c2.next(msgLogout)
}

func TestLegacyResumeRefused(t *testing.T) {
	_, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	a, linked := legacyLink(t, ts, "15551234567")
	a.conn.Close()
	cases := []struct {
		name   string
		tokens legacyTokens
	}{
		{"unknown browser", legacyTokens{BrowserID: "nope", ClientToken: linked.Legacy.ClientToken, ServerToken: linked.Legacy.ServerToken}},
		{"wrong client token", legacyTokens{BrowserID: linked.Legacy.BrowserID, ClientToken: "x", ServerToken: linked.Legacy.ServerToken}},
		{"wrong server token", legacyTokens{BrowserID: linked.Legacy.BrowserID, ClientToken: linked.Legacy.ClientToken, ServerToken: "1@x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := dialPage(t, ts)
			p.send(inMsg{T: msgHello, Keys: testKeys, Legacy: &c.tokens})
			if r := p.next(msgRefused); r.Reason != reasonUnknownDevice {
				t.Errorf("refused = %+v", r)
			}
		})
	}
	call(t, ts, "POST", "/__sim/logout", `{"phone":"15551234567"}`, nil)
	p := dialPage(t, ts)
	p.send(inMsg{T: msgHello, Keys: testKeys, Legacy: resumeTokens(linked)})
	if r := p.next(msgRefused); r.Reason != reasonDeviceRemoved {
		t.Errorf("after logout: %+v", r)
	}
	// Both creds and tokens break the protocol: the channel closes.
	p = dialPage(t, ts)
	p.send(inMsg{T: msgHello, Keys: testKeys, Legacy: resumeTokens(linked), Creds: linked.Creds})
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := p.conn.ReadMessage(); err == nil {
		t.Error("hello with creds and tokens accepted")
	}
}

func TestAccountKindMismatch(t *testing.T) {
	_, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	scan := func(phone string, legacy bool) (int, Problem) {
		p := dialPage(t, ts)
		p.send(inMsg{T: msgHello, Keys: testKeys})
		qr := p.next(msgQR)
		body, _ := json.Marshal(scanRequest{Code: qr.Ref, Phone: phone, Legacy: legacy})
		var pr Problem
		st := call(t, ts, "POST", "/__sim/scan", string(body), &pr)
		return st, pr
	}
	const md, legacy = "15550000001", "15550000002"
	if st, _ := scan(md, false); st != 200 {
		t.Fatal(st)
	}
	if st, _ := scan(legacy, true); st != 200 {
		t.Fatal(st)
	}
	for _, c := range []struct {
		name   string
		phone  string
		legacy bool
	}{{"legacy onto multi-device", md, true}, {"multi-device onto legacy", legacy, false}} {
		t.Run(c.name, func(t *testing.T) {
			if st, pr := scan(c.phone, c.legacy); st != 409 || pr.Code != string(CodeAccountKind) {
				t.Errorf("got %d %+v, want 409 %s", st, pr, CodeAccountKind)
			}
		})
	}
	// Pairing is multi-device only.
	p := dialPage(t, ts)
	p.send(inMsg{T: msgHello, Keys: testKeys})
	p.next(msgQR)
	p.send(inMsg{T: msgPairCode, ID: 1, Phone: legacy})
	r := p.next(msgReply)
	var pr Problem
	if st := call(t, ts, "POST", "/__sim/pair", `{"code":"`+r.Code+`"}`, &pr); st != 409 || pr.Code != string(CodeAccountKind) {
		t.Errorf("pair onto legacy: %d %+v", st, pr)
	}
	// Once its devices are logged out, an account may change kind.
	call(t, ts, "POST", "/__sim/logout", `{"phone":"`+md+`"}`, nil)
	if st, pr := scan(md, true); st != 200 {
		t.Errorf("legacy scan after logout: %d %+v", st, pr)
	}
	if accts := devicesOf(t, ts); !accts[0].Legacy {
		t.Errorf("account %s not legacy after a legacy link: %+v", md, accts[0])
	}
}

func TestLegacyPhoneOnline(t *testing.T) {
	_, ts := manualAckSim(t)
	const phone, friend = "15551234567", "15550000001"
	a, linked := legacyLink(t, ts, phone)
	a.send(inMsg{T: msgStored})
	a.next(msgMain)

	setOnline := func(online bool) PhoneState {
		t.Helper()
		var ps PhoneState
		body, _ := json.Marshal(map[string]any{"phone": phone, "online": online})
		if st := call(t, ts, "POST", "/__sim/phone-online", string(body), &ps); st != 200 {
			t.Fatalf("phone-online %v: %d", online, st)
		}
		return ps
	}
	if ps := setOnline(false); !ps.Live || ps.Online {
		t.Errorf("offline = %+v", ps)
	}
	if m := a.next(msgPhone); m.Online == nil || *m.Online {
		t.Errorf("phone = %+v, want online false", m)
	}
	if accts := devicesOf(t, ts); accts[0].Online {
		t.Error("devices say online")
	}

	// While offline: a send stays PENDING, an incoming message waits.
	a.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0AABBCCDD", To: friend + "@c.us", Type: "chat", Body: "hi"}})
	r := a.next(msgReply)
	if !r.OK || r.Msg == nil || r.Msg.Ack != AckPending {
		t.Fatalf("send while offline = %+v, want recorded with ack PENDING", r)
	}
	var out outboxResponse
	call(t, ts, "GET", "/__sim/outbox?phone="+phone, "", &out)
	if len(out.Messages) != 1 || out.Messages[0].AckName != "CLOCK" {
		t.Errorf("outbox = %+v", out.Messages)
	}
	call(t, ts, "POST", "/__sim/messages", `{"phone":"`+phone+`","from":"`+friend+`","text":"while off"}`, nil)

	// A relaunch while offline resumes (MAIN) and is told at once.
	a.conn.Close()
	waitFor(t, func() bool { return !devicesOf(t, ts)[0].Devices[0].Connected })
	a = dialPage(t, ts)
	a.send(inMsg{T: msgHello, Keys: testKeys, Legacy: resumeTokens(linked)})
	a.next(msgResumed)
	if m := a.next(msgPhone); *m.Online {
		t.Error("resumed page told online")
	}
	a.next(msgMain)

	// Back online: told, the send is acked, the waiting message arrives.
	if ps := setOnline(true); ps.Released != 1 {
		t.Errorf("online = %+v, want 1 released", ps)
	}
	if m := a.next(msgPhone); !*m.Online {
		t.Error("phone = offline after online")
	}
	if m := a.next(msgAck); m.Ack != AckServer || len(m.IDs) != 1 || m.IDs[0] != r.Msg.ID {
		t.Errorf("ack = %+v", m)
	}
	if m := a.next(msgMessage); m.Msg.Body != "while off" {
		t.Errorf("message = %+v", m.Msg)
	}
	if ps := setOnline(true); ps.Released != 0 {
		t.Errorf("online twice = %+v", ps)
	}

	// Multi-device accounts have no phone state to set.
	p := dialPage(t, ts)
	p.send(inMsg{T: msgHello, Keys: testKeys})
	qr := p.next(msgQR)
	call(t, ts, "POST", "/__sim/scan", `{"code":"`+qr.Ref+`","phone":"15559999999"}`, nil)
	var pr Problem
	if st := call(t, ts, "POST", "/__sim/phone-online", `{"phone":"15559999999","online":false}`, &pr); st != 400 || pr.Code != string(CodeNotLegacy) {
		t.Errorf("phone-online of an MD account: %d %+v", st, pr)
	}
}
