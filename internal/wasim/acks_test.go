package wasim

import (
	"fmt"
	"strconv"
	"testing"
)

// TestAckWholeRange: the control API takes every ack of wa-js 4.6.0's ACK
// enum, -7 (MD_DOWNGRADE) to 5 (PEER), by wa-js's name, the API's name or
// number; the page is told the number and the outbox shows wa-js's name.
func TestAckWholeRange(t *testing.T) {
	s, ts := manualAckSim(t)
	page, _ := linkedPage(t, ts, "15551230009")
	send := func(i int) string {
		t.Helper()
		page.send(inMsg{T: msgSend, ID: i, Send: &sendReq{Key: fmt.Sprintf("3EB0ACC%05d", i), To: "15559990009@c.us", Type: "chat", Body: "hi"}})
		r := page.next(msgReply)
		if !r.OK {
			t.Fatalf("send: %+v", r)
		}
		return r.Msg.ID
	}
	cases := []struct {
		ack  string // as sent to POST /__sim/ack
		code int
		name string // wa-js's
	}{
		{"MD_DOWNGRADE", -7, "MD_DOWNGRADE"},
		{"inactive", -6, "INACTIVE"},
		{"CONTENT_UNUPLOADABLE", -5, "CONTENT_UNUPLOADABLE"},
		{"-4", -4, "CONTENT_TOO_BIG"},
		{"CONTENT_GONE", -3, "CONTENT_GONE"},
		{"EXPIRED", -2, "EXPIRED"},
		{"FAILED", -1, "FAILED"},
		{"ERROR", -1, "FAILED"},
		{"RECEIVED", 2, "RECEIVED"},
		{"DEVICE", 2, "RECEIVED"},
		{"READ", 3, "READ"},
		{"PLAYED", 4, "PLAYED"},
		{"PEER", 5, "PEER"},
		{"5", 5, "PEER"},
	}
	for i, c := range cases {
		t.Run(c.ack, func(t *testing.T) {
			id := send(i + 1)
			var m Message
			if st := call(t, ts, "POST", "/__sim/ack", `{"id":"`+id+`","ack":"`+c.ack+`"}`, &m); st != 200 || m.Ack != c.code || m.AckName != c.name {
				t.Fatalf("ack %s: %d %d %q, want %d %q", c.ack, st, m.Ack, m.AckName, c.code, c.name)
			}
			if a := page.next(msgAck); a.Ack != c.code || a.IDs[0] != id {
				t.Fatalf("page told %+v, want ack %d", a, c.code)
			}
		})
	}
	out, err := s.Outbox("15551230009")
	if err != nil || len(out) != len(cases) {
		t.Fatalf("outbox: %d messages, %v", len(out), err)
	}

	// Acks rise, or fail once: a failed message stays failed.
	id := send(100)
	for _, step := range []struct {
		ack    string
		status int
	}{{"READ", 200}, {"RECEIVED", 409}, {"READ", 409}, {"EXPIRED", 200}, {"CONTENT_GONE", 409}, {"PEER", 409},
		{"6", 400}, {"-8", 400}, {"SEEN", 400}, {"CLOCK", 409}} {
		if st := call(t, ts, "POST", "/__sim/ack", `{"id":"`+id+`","ack":"`+step.ack+`"}`, nil); st != step.status {
			t.Errorf("ack %s after the steps before: status %d, want %d", step.ack, st, step.status)
		}
	}
}

func TestAckNames(t *testing.T) {
	for n := AckMDDowngrade; n <= AckPeer; n++ {
		if got, ok := parseAck(AckName(n)); !ok || got != n {
			t.Errorf("parseAck(AckName(%d) = %q) = %d, %v", n, AckName(n), got, ok)
		}
		if got, ok := parseAck(strconv.Itoa(n)); !ok || got != n {
			t.Errorf("parseAck(%d) = %d, %v", n, got, ok)
		}
	}
}
