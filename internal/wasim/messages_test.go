package wasim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// linkedPage dials a page and links it to phone, up to MAIN.
func linkedPage(t *testing.T, ts *httptest.Server, phone string) (*wsPage, *pageCreds) {
	t.Helper()
	page := dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys})
	qr := page.next(msgQR)
	body, _ := json.Marshal(scanRequest{Code: qr.Ref, Phone: phone})
	if st := call(t, ts, "POST", "/__sim/scan", string(body), nil); st != 200 {
		t.Fatalf("scan: %d", st)
	}
	linked := page.next(msgLinked)
	page.send(inMsg{T: msgStored})
	page.next(msgMain)
	return page, linked.Creds
}

func TestIncomingMessageDeliveredAndRedelivered(t *testing.T) {
	_, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	page, creds := linkedPage(t, ts, "15551230001")

	var m Message
	if st := call(t, ts, "POST", "/__sim/messages", `{"phone":"15551230001","from":"+1 555 999 0000","from_name":"Bob","text":"hi"}`, &m); st != 200 {
		t.Fatalf("deliver: %d", st)
	}
	got := page.next(msgMessage).Msg
	if got.ID != m.ID || !strings.HasPrefix(m.ID, "false_15559990000@c.us_") || got.Body != "hi" || got.FromMe || got.ChatID != "15559990000@c.us" {
		t.Fatalf("delivered %+v, control said %+v", got, m)
	}
	// Not confirmed: a relaunched page gets it again once in MAIN.
	page.conn.Close()
	page = dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys, Creds: creds})
	page.next(msgResumed)
	page.next(msgMain)
	if again := page.next(msgMessage).Msg; again.ID != m.ID {
		t.Fatalf("redelivered %+v", again)
	}
	page.send(inMsg{T: msgReceived, Seq: got.Seq})

	// Chats and contacts derive from the traffic; history pages backwards.
	call(t, ts, "POST", "/__sim/messages", `{"phone":"15551230001","from":"15559990000","text":"second"}`, nil)
	page.next(msgMessage)
	page.send(inMsg{T: msgQuery, ID: 1, Q: "chats"})
	r := page.next(msgReply)
	if len(r.Chats) != 1 || r.Chats[0].Name != "Bob" || r.Chats[0].UnreadCount != 2 {
		t.Fatalf("chats = %+v", r.Chats)
	}
	page.send(inMsg{T: msgQuery, ID: 2, Q: "messages", Chat: "15559990000@c.us", Count: 1})
	r = page.next(msgReply)
	if len(r.Msgs) != 1 || r.Msgs[0].Body != "second" {
		t.Fatalf("last message = %+v", r.Msgs)
	}
	page.send(inMsg{T: msgQuery, ID: 3, Q: "messages", Chat: "15559990000@c.us", Count: 10, Before: r.Msgs[0].ID})
	if r = page.next(msgReply); len(r.Msgs) != 1 || r.Msgs[0].Body != "hi" {
		t.Fatalf("before = %+v", r.Msgs)
	}
	page.send(inMsg{T: msgQuery, ID: 4, Q: "messages", Chat: "15550000000@c.us"})
	if r = page.next(msgReply); r.OK || !strings.HasPrefix(r.Error, "chat_not_found") {
		t.Fatalf("unknown chat = %+v", r)
	}
	page.send(inMsg{T: msgQuery, ID: 5, Q: "contacts"})
	if r = page.next(msgReply); len(r.Contacts) != 1 || r.Contacts[0].ID != "15559990000@c.us" || r.Contacts[0].Name != "Bob" {
		t.Fatalf("contacts = %+v", r.Contacts)
	}

	// The sender revokes it.
	if st := call(t, ts, "POST", "/__sim/revoke", `{"phone":"15551230001","id":"`+m.ID+`"}`, nil); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	if rv := page.next(msgRevoke); rv.Msg.ID != m.ID || rv.RID == m.ID || !strings.HasPrefix(rv.RID, "false_15559990000@c.us_") {
		t.Fatalf("revoke = %+v", rv)
	}
}

func TestSendOutboxAndAcks(t *testing.T) {
	s, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond, AckDelay: 20 * time.Millisecond})
	page, _ := linkedPage(t, ts, "15551230002")

	page.send(inMsg{T: msgSend, ID: 7, Send: &sendReq{Key: "3EB0AAAA1111", To: "15559990001@c.us", Type: "chat", Body: "hello"}})
	r := page.next(msgReply)
	if !r.OK || r.Msg.ID != "true_15559990001@c.us_3EB0AAAA1111" || r.Msg.Ack != AckServer {
		t.Fatalf("send reply = %+v", r)
	}
	// SERVER → DEVICE → READ on the schedule.
	if a := page.next(msgAck); a.Ack != AckDevice || a.IDs[0] != r.Msg.ID {
		t.Fatalf("ack = %+v", a)
	}
	if a := page.next(msgAck); a.Ack != AckRead {
		t.Fatalf("ack = %+v", a)
	}
	out, err := s.Outbox("15551230002")
	if err != nil || len(out) != 1 || out[0].Body != "hello" || out[0].AckName != "READ" {
		t.Fatalf("outbox = %+v, %v", out, err)
	}
	// Acks only move forward.
	var p Problem
	if st := call(t, ts, "POST", "/__sim/ack", `{"id":"`+r.Msg.ID+`","ack":"DEVICE"}`, &p); st != 409 {
		t.Fatalf("backwards ack: %d %+v", st, p)
	}

	// Bad sends are refused with a wa-js style error code.
	for _, bad := range []sendReq{
		{Key: "3EB0AAAA2222", To: "nobody", Type: "chat", Body: "x"},
		{Key: "3EB0AAAA3333", To: "15559990001@c.us", Type: "chat", Body: " "},
		{Key: "3EB0AAAA1111", To: "15559990001@c.us", Type: "chat", Body: "dup"},
		{Key: "3EB0AAAA4444", To: "15559990001@c.us", Type: "image", Media: "nope"},
	} {
		page.send(inMsg{T: msgSend, ID: 8, Send: &bad})
		if r := page.next(msgReply); r.OK || r.Error == "" {
			t.Errorf("send %+v accepted", bad)
		}
	}
}

func TestManualAcksAndHeldSends(t *testing.T) {
	s, ts := manualAckSim(t)
	page, _ := linkedPage(t, ts, "15551230003")

	s.HoldSends(true)
	page.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0BBBB1111", To: "15559990002@c.us", Type: "chat", Body: "held"}})
	waitFor(t, func() bool { return s.HeldSends() == 1 })
	if out, _ := s.Outbox("15551230003"); len(out) != 0 {
		t.Fatalf("held send in the outbox: %+v", out)
	}
	s.HoldSends(false)
	r := page.next(msgReply)
	if !r.OK {
		t.Fatalf("released send: %+v", r)
	}
	var m Message
	if st := call(t, ts, "POST", "/__sim/ack", `{"id":"`+r.Msg.ID+`","ack":"read"}`, &m); st != 200 || m.AckName != "READ" {
		t.Fatalf("manual ack: %d %+v", st, m)
	}
	if a := page.next(msgAck); a.Ack != AckRead {
		t.Fatalf("ack = %+v", a)
	}

	// A page that closes with held sends loses them: nothing is recorded.
	s.HoldSends(true)
	page.send(inMsg{T: msgSend, ID: 2, Send: &sendReq{Key: "3EB0BBBB2222", To: "15559990002@c.us", Type: "chat", Body: "lost"}})
	waitFor(t, func() bool { return s.HeldSends() == 1 })
	page.conn.Close()
	waitFor(t, func() bool { return s.HeldSends() == 0 })
	s.HoldSends(false)
	if out, _ := s.Outbox("15551230003"); len(out) != 1 {
		t.Fatalf("outbox after a lost send = %+v", out)
	}
}

func TestMediaUploadSendDownload(t *testing.T) {
	s, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond, AckDelay: ManualAcks, MaxMediaBytes: 1 << 10})
	page, creds := linkedPage(t, ts, "15551230004")
	data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 100)

	upload := func(body []byte, secret string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", ts.URL+"/__page/media", bytes.NewReader(body))
		req.Header.Set("Content-Type", "image/png")
		req.Header.Set(headerDevice, creds.DeviceID)
		req.Header.Set(headerSecret, secret)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	if st, _ := upload(data, "wrong"); st != http.StatusUnauthorized {
		t.Fatalf("upload with a wrong secret: %d", st)
	}
	if st, _ := upload(make([]byte, 2<<10), creds.Secret); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized upload: %d", st)
	}
	st, up := upload(data, creds.Secret)
	if st != 200 {
		t.Fatalf("upload: %d", st)
	}
	page.send(inMsg{T: msgSend, ID: 1, Send: &sendReq{Key: "3EB0CCCC1111", To: "15559990003@c.us", Type: "image",
		Caption: "pic", Filename: "a.png", Media: up["media"].(string)}})
	r := page.next(msgReply)
	if !r.OK || r.Msg.Size != len(data) || r.Msg.Mimetype != "image/png" || r.Msg.MediaURL == "" {
		t.Fatalf("send = %+v", r)
	}
	resp, err := ts.Client().Get(ts.URL + r.Msg.MediaURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET %s: %q %d bytes", r.Msg.MediaURL, resp.Header.Get("Content-Type"), len(got))
	}

	// Incoming media: kept and downloadable by the account's device only.
	in, err := s.Deliver("15551230004", "15559990003", "", "", &IncomingMedia{Data: data, Mimetype: "application/pdf", Filename: "doc.pdf"})
	if err != nil || in.Type != "document" {
		t.Fatalf("deliver media: %+v %v", in, err)
	}
	page.next(msgMessage)
	req, _ := http.NewRequest("GET", ts.URL+"/__page/media/"+in.MediaID, nil)
	req.Header.Set(headerDevice, creds.DeviceID)
	req.Header.Set(headerSecret, creds.Secret)
	resp, err = ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("page download: %d %d bytes", resp.StatusCode, len(got))
	}
	body := `{"phone":"15551230004","from":"15559990003","media":{"data":"` + base64.StdEncoding.EncodeToString(data) + `","mimetype":"audio/ogg"}}`
	var m Message
	if st := call(t, ts, "POST", "/__sim/messages", body, &m); st != 200 || m.Type != "audio" || m.Size != len(data) {
		t.Fatalf("deliver media over HTTP: %d %+v", st, m)
	}
}

func TestMessagingControlErrors(t *testing.T) {
	_, ts := simServer(t, Config{})
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown account", "POST", "/__sim/messages", `{"phone":"15551234567","from":"15557654321","text":"x"}`, 404, "account_not_found"},
		{"no from", "POST", "/__sim/messages", `{"phone":"15551234567","text":"x"}`, 400, "invalid_request"},
		{"bad base64", "POST", "/__sim/messages", `{"phone":"15551234567","from":"15557654321","media":{"data":"***"}}`, 400, "invalid_request"},
		{"outbox without phone", "GET", "/__sim/outbox", ``, 400, "invalid_request"},
		{"outbox unknown", "GET", "/__sim/outbox?phone=15551234567", ``, 404, "account_not_found"},
		{"ack unknown", "POST", "/__sim/ack", `{"id":"true_1@c.us_X","ack":"READ"}`, 404, "not_found"},
		{"ack bad name", "POST", "/__sim/ack", `{"id":"x","ack":"SEEN"}`, 400, "invalid_request"},
		{"revoke unknown", "POST", "/__sim/revoke", `{"phone":"15551234567","id":"x"}`, 404, "account_not_found"},
		{"media unknown", "GET", "/__sim/media/nope", ``, 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Problem
			if st := call(t, ts, c.method, c.path, c.body, &p); st != c.status || p.Code != c.code {
				t.Errorf("got %d %+v, want %d %s", st, p, c.status, c.code)
			}
		})
	}
}
