package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

func TestNormalizeChatID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"15551234567", "15551234567@c.us", true},
		{"+1 (555) 123-4567", "15551234567@c.us", true},
		{"15551234567@c.us", "15551234567@c.us", true},
		{"15551234567@s.whatsapp.net", "15551234567@c.us", true},
		{"120363041234567890@g.us", "120363041234567890@g.us", true},
		{"15551234567-1600000000@g.us", "15551234567-1600000000@g.us", true},
		{"123456789012345@lid", "123456789012345@lid", true},
		{"", "", false},
		{"bob", "", false},
		{"123", "", false},
		{"015551234567", "", false},
		{"15551234567@c.us.evil", "", false},
		{"abc@g.us", "", false},
		{"15551234567@example.com", "", false},
		{"1555 1234 567 890 123 45", "", false},
	} {
		got, err := NormalizeChatID("chat_id", tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("NormalizeChatID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !tc.ok {
			e, isApp := errors.AsType[*apperr.Error](err)
			if !isApp || e.Code != apperr.Invalid || e.Field != "chat_id" {
				t.Errorf("NormalizeChatID(%q) = %q, %v; want an invalid_request naming chat_id", tc.in, got, err)
			}
		}
	}
}

func TestValidateMessageID(t *testing.T) {
	for id, ok := range map[string]bool{
		"true_15551234567@c.us_3EB0F435D95D32C4C638":              true,
		"false_120363041234567890@g.us_ABCDEF12_15550001111@c.us": true,
		"false_15551234567@c.us_3A0011223344556677889900":         true,
		"":                                false,
		"3EB0F435D95D32C4C638":            false,
		"true_15551234567@c.us_../../etc": false,
		"maybe_15551234567@c.us_3EB0":     false,
	} {
		if err := ValidateMessageID("msg", id); (err == nil) != ok {
			t.Errorf("ValidateMessageID(%q) = %v, want ok=%v", id, err, ok)
		}
	}
}

// TestAckJSON: every ack of wa-js 4.6.0's ACK enum (-7..5) comes from the
// bridge as a number and leaves the API under its own name; names read back.
func TestAckJSON(t *testing.T) {
	names := map[int]string{-7: "MD_DOWNGRADE", -6: "INACTIVE", -5: "CONTENT_UNUPLOADABLE", -4: "CONTENT_TOO_BIG",
		-3: "CONTENT_GONE", -2: "EXPIRED", -1: "ERROR", 0: "PENDING", 1: "SERVER", 2: "DEVICE", 3: "READ", 4: "PLAYED", 5: "PEER",
		-9: "ERROR", 6: "PEER"} // outside wa-js's range: the nearest end, ERROR below
	for n, name := range names {
		var a Ack
		if err := json.Unmarshal([]byte(strconv.Itoa(n)), &a); err != nil {
			t.Fatalf("unmarshal %d: %v", n, err)
		}
		b, _ := json.Marshal(AckEvent{ID: "x", Ack: a})
		if want := `"ack":"` + name + `"`; !strings.Contains(string(b), want) {
			t.Errorf("ack %d marshals as %s, want %s", n, b, want)
		}
		var back Ack
		if err := json.Unmarshal([]byte(`"`+name+`"`), &back); err != nil || back.String() != name {
			t.Errorf("unmarshal %q = %v, %v", name, back, err)
		}
	}
	var a Ack
	if err := json.Unmarshal([]byte(`"SEEN"`), &a); err == nil {
		t.Error("unknown ack name accepted")
	}
}

// workingSession returns a harness with session "alice" WORKING on page p.
func workingSession(t *testing.T) (*harness, *fakePage) {
	h := newHarness(t, nil)
	h.create("alice", Config{})
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "c1"})
	link(p)
	h.wait("alice", StatusWorking)
	return h, p
}

// nextEvent returns the next published event of type typ.
func (h *harness) nextEvent(typ string) recorded {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-h.pub.ch:
			if ev.Type == typ {
				return ev
			}
		case <-timeout:
			h.t.Fatalf("no %s event within 5s", typ)
		}
	}
}

type pageNotFound struct{}

func (pageNotFound) Error() string        { return "getMessages: not_found: Chat not found for 1@c.us" }
func (pageNotFound) Is(target error) bool { return target == ErrNotInPage }
func codeOf(err error) apperr.Code        { return apperr.CodeOf(err) }
func detailOf(err error) string           { e, _ := errors.AsType[*apperr.Error](err); return e.Detail }

func TestMessagingCalls(t *testing.T) {
	h, p := workingSession(t)
	ctx := context.Background()
	var gotArgs any
	p.CallFn = func(method string, args any) (any, error) {
		gotArgs = args
		switch method {
		case "sendText":
			return map[string]any{"id": "true_15550001111@c.us_3EB0AA", "chat_id": "15550001111@c.us", "from_me": true, "type": "chat", "body": "hi", "ack": 1}, nil
		case "getMessages":
			return nil, pageNotFound{}
		case "downloadMedia":
			return map[string]string{"data": "AAEC/w==", "mimetype": "image/png", "filename": "a.png"}, nil
		case "listChats":
			return ChatPage{Chats: []Chat{{ID: "15550001111@c.us", Name: "Bob"}}}, nil
		}
		return nil, fmt.Errorf("browser: call %s: %w: %w", method, ErrCallTimeout, context.DeadlineExceeded)
	}

	msg, err := h.m.SendText(ctx, "alice", "+1 555 000 1111", "hi")
	if err != nil || msg.Ack != AckServer || msg.ID == "" {
		t.Fatalf("SendText = %+v, %v", msg, err)
	}
	if a := gotArgs.(map[string]any); a["chat_id"] != "15550001111@c.us" {
		t.Errorf("sendText args = %v", a)
	}
	if chats, err := h.m.Chats(ctx, "alice"); err != nil || len(chats) != 1 || chats[0].Name != "Bob" {
		t.Errorf("Chats = %+v, %v", chats, err)
	}
	media, err := h.m.DownloadMedia(ctx, "alice", "false_15550001111@c.us_3A00")
	if err != nil || string(media.Data) != "\x00\x01\x02\xff" || media.Mimetype != "image/png" {
		t.Errorf("DownloadMedia = %+v, %v", media, err)
	}
	_, err = h.m.Messages(ctx, "alice", "15550001111", 10, "")
	if codeOf(err) != apperr.NotFound || !strings.Contains(detailOf(err), "Chat not found") {
		t.Errorf("Messages of an unknown chat = %v; want not_found with the page's words", err)
	}
	// A page that does not answer in time is a timeout (504).
	if _, err := h.m.Contacts(ctx, "alice"); codeOf(err) != apperr.Timeout {
		t.Errorf("Contacts on a silent page = %v; want timeout", err)
	}

	// Bad input never reaches the page.
	for name, call := range map[string]func() error{
		"malformed chat id": func() error { _, err := h.m.SendText(ctx, "alice", "bob", "hi"); return err },
		"empty text":        func() error { _, err := h.m.SendText(ctx, "alice", "15550001111", "  "); return err },
		"long text": func() error {
			_, err := h.m.SendText(ctx, "alice", "15550001111", strings.Repeat("a", MaxTextLen+1))
			return err
		},
		"empty media": func() error {
			_, err := h.m.SendMedia(ctx, "alice", "15550001111", Media{Mimetype: "image/png"})
			return err
		},
		"bad before": func() error { _, err := h.m.Messages(ctx, "alice", "15550001111", 10, "x"); return err },
		"bad msg id": func() error { _, err := h.m.DownloadMedia(ctx, "alice", "../x"); return err },
	} {
		gotArgs = nil
		if err := call(); codeOf(err) != apperr.Invalid || gotArgs != nil {
			t.Errorf("%s: %v (page called: %v)", name, err, gotArgs != nil)
		}
	}

	// The browser dying during a send is a clear 503, and the session
	// recovers by itself.
	p.CallFn = func(string, any) (any, error) {
		p.crash(ErrRendererCrashed)
		return nil, errors.New("browser: call sendText: page closed")
	}
	_, err = h.m.SendText(ctx, "alice", "15550001111", "lost")
	if codeOf(err) != apperr.Unavailable || !strings.Contains(detailOf(err), "went away during sendText") {
		t.Fatalf("send during a crash = %v", err)
	}
	p2 := h.page()
	h.wait("alice", StatusResuming)
	p2.emit(BridgeReady, Account{ID: "15551234567@c.us"})
	h.wait("alice", StatusWorking)
}

func TestMessagingNeedsWorking(t *testing.T) {
	h := newHarness(t, nil)
	h.create("bob", Config{})
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "c1"})
	h.wait("bob", StatusScanQRCode)
	_, err := h.m.SendText(context.Background(), "bob", "15550001111", "hi")
	if codeOf(err) != apperr.NotWorking || !strings.Contains(detailOf(err), "SCAN_QR_CODE") {
		t.Fatalf("send while SCAN_QR_CODE = %v", err)
	}
	if _, err := h.m.Chats(context.Background(), "nobody"); codeOf(err) != apperr.SessionNotFound {
		t.Fatalf("chats of an unknown session = %v", err)
	}
}

func TestBridgeMessagingEvents(t *testing.T) {
	h, p := workingSession(t)
	p.emit(BridgeMessage, map[string]any{"id": "false_15550001111@c.us_3A01", "chat_id": "15550001111@c.us", "from_me": false, "type": "chat", "body": "hello", "ack": 1})
	if ev := h.nextEvent(EventMessageReceived); ev.Data.(Message).Body != "hello" {
		t.Errorf("received = %+v", ev)
	}
	p.emit(BridgeMessage, map[string]any{"id": "true_15550001111@c.us_3EB0", "chat_id": "15550001111@c.us", "from_me": true, "type": "chat", "ack": 1})
	if ev := h.nextEvent(EventMessageSent); ev.Data.(Message).ID != "true_15550001111@c.us_3EB0" {
		t.Errorf("sent = %+v", ev)
	}
	p.emit(BridgeAck, map[string]any{"id": "true_15550001111@c.us_3EB0", "chat_id": "15550001111@c.us", "ack": 3})
	if ev := h.nextEvent(EventMessageAck); ev.Data.(AckEvent).Ack != AckRead {
		t.Errorf("ack = %+v", ev)
	}
	p.emit(BridgeRevoke, map[string]any{"id": "false_15550001111@c.us_3A01", "revoke_id": "false_15550001111@c.us_3A02", "chat_id": "15550001111@c.us", "type": "revoke"})
	if ev := h.nextEvent(EventMessageRevoked); ev.Data.(RevokeEvent).ID != "false_15550001111@c.us_3A01" {
		t.Errorf("revoked = %+v", ev)
	}
	// A malformed event is logged and dropped; the session keeps working.
	p.emit(BridgeMessage, "garbage")
	p.emit(BridgeAck, map[string]any{"id": "true_15550001111@c.us_3EB0", "chat_id": "15550001111@c.us", "ack": 4})
	h.nextEvent(EventMessageAck)
}
