package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// TestCheckNumbers: each number is answered in its own entry and in order;
// malformed ones never reach the page and never fail the batch; the batch
// is bounded.
func TestCheckNumbers(t *testing.T) {
	h, p := workingSession(t)
	ctx := context.Background()
	var asked []string
	p.CallFn = func(method string, args any) (any, error) {
		if method != "checkNumbers" {
			return nil, fmt.Errorf("unexpected call %s", method)
		}
		asked = args.(map[string]any)["ids"].([]string)
		out := make([]map[string]any, len(asked))
		for i, id := range asked {
			out[i] = map[string]any{"exists": id == "15551234567@c.us", "id": id}
			if id != "15551234567@c.us" {
				out[i] = map[string]any{"exists": false}
			}
		}
		return out, nil
	}
	res, err := h.m.CheckNumbers(ctx, "alice", []string{"+1 555-123-4567", "12ab", "15550000000", "120363041234567890@g.us"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"15551234567@c.us", "15550000000@c.us"}) {
		t.Errorf("asked the page about %v", asked)
	}
	if r := res[0]; !r.Exists || r.ID != "15551234567@c.us" || r.Phone != "15551234567" || r.Input != "+1 555-123-4567" {
		t.Errorf("res[0] = %+v", r)
	}
	if r := res[1]; r.Exists || r.Input != "12ab" || r.Error == "" || strings.Contains(r.Error, "numbers[1]") {
		t.Errorf("res[1] = %+v", r)
	}
	if r := res[2]; r.Exists || r.Error != "" || r.Input != "15550000000" {
		t.Errorf("res[2] = %+v", r)
	}
	if r := res[3]; r.Exists || !strings.Contains(r.Error, "group") {
		t.Errorf("res[3] = %+v", r)
	}
	for _, n := range []int{0, MaxNumberCheck + 1} {
		_, err := h.m.CheckNumbers(ctx, "alice", make([]string, n))
		if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Field != "numbers" {
			t.Errorf("%d numbers: %v", n, err)
		}
	}
}

// TestChatInputChecked: bad chat input is a 400 naming the field before
// the page is asked.
func TestChatInputChecked(t *testing.T) {
	h, p := workingSession(t)
	ctx := context.Background()
	p.CallFn = func(method string, _ any) (any, error) { return nil, fmt.Errorf("unexpected call %s", method) }
	for _, tc := range []struct {
		name, field string
		err         error
	}{
		{"bad type", "type", func() error { _, err := h.m.ListChats(ctx, "alice", ChatFilter{Type: "people"}); return err }()},
		{"bad after", "after", func() error { _, err := h.m.ListChats(ctx, "alice", ChatFilter{After: "x"}); return err }()},
		{"bad chat", "chat", func() error { _, err := h.m.ArchiveChat(ctx, "alice", "nope", true); return err }()},
		{"mute 0", "duration_seconds", func() error { _, err := h.m.MuteChat(ctx, "alice", "15551234567", 0, false); return err }()},
		{"group contact", "contact", func() error { _, err := h.m.GetContact(ctx, "alice", "120363041234567890@g.us"); return err }()},
	} {
		if e, ok := errors.AsType[*apperr.Error](tc.err); !ok || e.Code != apperr.Invalid || e.Field != tc.field {
			t.Errorf("%s: %v, want invalid_request naming %s", tc.name, tc.err, tc.field)
		}
	}
}
