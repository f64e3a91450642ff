package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// pageRefused is a page's rejection as browser.CallError reads.
type pageRefused string

func (e pageRefused) Error() string { return "wpp: " + string(e) }
func (e pageRefused) Is(target error) bool {
	return target == ErrNotInPage && strings.HasPrefix(string(e), "not_found: ")
}

// TestRawCallMapsRefusals: each refusal of the bridge's raw call, and each
// wa-js refusal, becomes a stable code; results pass through as JSON.
func TestRawCallMapsRefusals(t *testing.T) {
	h, p := workingSession(t)
	ctx := context.Background()
	var reply any
	var refusal error
	p.CallFn = func(method string, args any) (any, error) {
		if method != "wpp" {
			return nil, fmt.Errorf("unexpected call %s", method)
		}
		return reply, refusal
	}
	reply = map[string]any{"result": []any{"15551234567@c.us"}}
	got, err := h.m.CallWPP(ctx, "alice", RawCall{Function: "chat.list", Args: []json.RawMessage{json.RawMessage(`{}`)}})
	if err != nil || string(got) != `["15551234567@c.us"]` {
		t.Fatalf("CallWPP = %s, %v", got, err)
	}
	reply = map[string]any{}
	if got, err = h.m.CallWPP(ctx, "alice", RawCall{Function: "conn.logout"}); err != nil || string(got) != "null" {
		t.Fatalf("a function returning nothing = %s, %v", got, err)
	}

	reply = nil
	for _, c := range []struct {
		page  string
		code  apperr.Code
		field string
	}{
		{"wa:wpp_function_not_found: chat.getNotes is not a function of WPP", apperr.WPPFunctionNotFound, "function"},
		{"wa:wpp_result_not_json: the result refers back to itself at self", apperr.WPPResultNotJSON, ""},
		{"wa:wpp_result_too_large: the result of chat.list is 9 bytes", apperr.WPPResultTooLarge, ""},
		{"wa:wpp_call_failed: chat.list threw: x is undefined", apperr.WPPCallFailed, ""},
		{"wa:invalid_function: namespace evil", apperr.Invalid, "function"},
		{"not_found: chat_not_found: Chat 1@c.us not found", apperr.ChatNotFound, ""},
		{"not_found: msg_not_found: Message x not found", apperr.MessageNotFound, ""},
		{"wa:pin_error: The msg x not can be pinned", apperr.NotAllowed, ""},
		{"wa:invalid_chat: bad chat", apperr.WPPCallFailed, ""},
	} {
		refusal = pageRefused(c.page)
		_, err := h.m.CallWPP(ctx, "alice", RawCall{Function: "chat.list"})
		e, ok := errors.AsType[*apperr.Error](err)
		if !ok || e.Code != c.code || e.Field != c.field || strings.Contains(e.Detail, "wa:") {
			t.Errorf("%s: %v; want %s naming %q with the prefix gone", c.page, err, c.code, c.field)
		}
	}
	refusal = fmt.Errorf("browser: call wpp: %w: %w", ErrCallTimeout, context.DeadlineExceeded)
	if _, err := h.m.CallWPP(ctx, "alice", RawCall{Function: "chat.list"}); apperr.CodeOf(err) != apperr.Timeout {
		t.Errorf("a page that does not answer: %v", err)
	}
}

func TestValidateRawCall(t *testing.T) {
	for _, c := range []struct {
		call  RawCall
		code  apperr.Code
		field string
	}{
		{RawCall{Function: "chat.getNotes", Args: []json.RawMessage{json.RawMessage(`"1@c.us"`)}}, "", ""},
		{RawCall{Function: "privacy.get"}, "", ""},
		{RawCall{Function: "chat.constructor"}, apperr.WPPFunctionNotFound, "function"},
		{RawCall{Function: "chat.prototype"}, apperr.WPPFunctionNotFound, "function"},
		{RawCall{Function: "chat.__proto__"}, apperr.Invalid, "function"},
		{RawCall{Function: "whatsapp.Socket"}, apperr.Invalid, "function"},
		{RawCall{Function: "chat"}, apperr.Invalid, "function"},
		{RawCall{Function: "chat.list", Args: make([]json.RawMessage, 17)}, apperr.Invalid, "args"},
		{RawCall{Function: "chat.list", Args: []json.RawMessage{json.RawMessage(`{`)}}, apperr.Invalid, "args[0]"},
		{RawCall{Function: "chat.list", Args: []json.RawMessage{json.RawMessage(`"` + strings.Repeat("a", RawMaxArgsBytes) + `"`)}}, apperr.TooLarge, "args"},
		{RawCall{Function: "chat.list", Timeout: RawMaxTimeout + 1}, apperr.Invalid, "timeout_ms"},
	} {
		err := ValidateRawCall(c.call)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: %v", c.call.Function, err)
			}
			continue
		}
		e, ok := errors.AsType[*apperr.Error](err)
		if !ok || e.Code != c.code || e.Field != c.field {
			t.Errorf("%s: %v; want %s naming %q", c.call.Function, err, c.code, c.field)
		}
	}
}

// TestCallsRejectAndReport: a ringing call is published; with reject_calls
// it is rejected and the caller gets the text; wa-js's refusals of a
// reject map to call_not_found and not_allowed naming the call.
func TestCallsRejectAndReport(t *testing.T) {
	h, p := workingSession(t)
	ctx := context.Background()
	sent := make(chan map[string]any, 4)
	var refusal error
	p.CallFn = func(method string, args any) (any, error) {
		switch method {
		case "rejectCall":
			if refusal != nil {
				return nil, refusal
			}
			return map[string]any{"id": args.(map[string]any)["id"], "from": "15553330000@c.us"}, nil
		case "sendText":
			sent <- args.(map[string]any)
			return map[string]any{"id": "true_15553330000@c.us_3EB0AA", "from_me": true, "type": "chat", "ack": 1}, nil
		}
		return nil, nil
	}
	msg := "busy"
	if _, err := h.m.UpdateConfig(ctx, "alice", func(c *Config) error {
		c.RejectCalls, c.RejectCallsMessage = new(true), &msg
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p.emit(BridgeCall, CallEvent{ID: "CALL1", From: "15553330000@c.us", IsVideo: true})
	if ev := h.nextEvent(EventCallReceived).Data.(CallEvent); ev.ID != "CALL1" || !ev.IsVideo {
		t.Fatalf("call.received = %+v", ev)
	}
	ev := h.nextEvent(EventCallRejected).Data.(CallRejectedEvent)
	if !ev.Auto || ev.MessageID != "true_15553330000@c.us_3EB0AA" || ev.From != "15553330000@c.us" {
		t.Fatalf("call.rejected = %+v", ev)
	}
	if a := <-sent; a["chat_id"] != "15553330000@c.us" || a["text"] != "busy" {
		t.Fatalf("text to the caller = %v", a)
	}

	for page, code := range map[string]apperr.Code{
		"not_found: call_not_found: Call X not found":               apperr.CallNotFound,
		"wa:call_is_not_incoming_ring: Call X is not incoming ring": apperr.NotAllowed,
	} {
		refusal = pageRefused(page)
		_, err := h.m.RejectCall(ctx, "alice", "CALL2", "")
		e, ok := errors.AsType[*apperr.Error](err)
		if !ok || e.Code != code || e.Field != "call" {
			t.Errorf("%s: %v; want %s naming call", page, err, code)
		}
	}
	if _, err := h.m.RejectCall(ctx, "alice", "../x", ""); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("a malformed call id: %v", err)
	}
	long := strings.Repeat("x", MaxRejectMessage+1)
	if err := (Config{RejectCallsMessage: &long}).Validate(); err == nil || !strings.Contains(err.Error(), "reject_calls_message") {
		t.Errorf("a long reject_calls_message: %v", err)
	}
}
