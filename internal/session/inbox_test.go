package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/apperr"
)

// fullLog is a Publisher whose log refuses message events while full.
type fullLog struct {
	next Publisher

	mu       sync.Mutex
	full     bool
	refused  int
	lastTime int64
}

var errFull = &apperr.Error{Code: apperr.StorageFull, Detail: "the store refuses writes"}

func (f *fullLog) Publish(ctx context.Context, session, typ string, data any) error {
	f.mu.Lock()
	if f.full && typ != EventStatus && typ != EventProgress {
		f.refused++
		f.mu.Unlock()
		return errFull
	}
	if m, ok := data.(Message); ok {
		f.lastTime = max(f.lastTime, m.Timestamp)
	}
	f.mu.Unlock()
	return f.next.Publish(ctx, session, typ, data)
}

func (f *fullLog) set(full bool) {
	f.mu.Lock()
	f.full = full
	f.mu.Unlock()
}

func (f *fullLog) refusals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused
}

func (f *fullLog) LastMessageTime(context.Context, string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastTime, nil
}

func (f *fullLog) Writable() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.full {
		return errFull
	}
	return nil
}

// pageCall is one bridge call the inbox made.
type pageCall struct {
	Method string
	Args   any
}

// TestInboxHoldsEventsUntilLogged: messages whose publish the log refuses
// are not lost and not marked seen; once the log takes writes they are
// logged in page order, each then committed as seen, and the page is asked
// to catch up from the newest logged message.
func TestInboxHoldsEventsUntilLogged(t *testing.T) {
	var log *fullLog
	h := newHarness(t, func(c *ManagerConfig) {
		log = &fullLog{next: c.Publisher}
		c.Publisher, c.MessageLog, c.Writable = log, log, log.Writable
	})
	h.create("alice", Config{})
	p := h.page()
	calls := make(chan pageCall, 64)
	p.CallFn = func(method string, args any) (any, error) {
		switch method {
		case "seen", "catchUp":
			calls <- pageCall{method, args}
			return 0, nil
		case "sendText":
			t.Error("sendText reached the page while the log was full")
		}
		return nil, nil
	}
	p.emit(BridgeQR, map[string]string{"code": "c1"})
	link(p)
	h.wait("alice", StatusWorking)

	log.set(true)
	msgs := []Message{
		{ID: "false_15550001111@c.us_A1", ChatID: "15550001111@c.us", Type: "chat", Body: "one", Timestamp: 100},
		{ID: "false_15550001111@c.us_A2", ChatID: "15550001111@c.us", Type: "chat", Body: "two", Timestamp: 101},
		{ID: "false_15550001111@c.us_A3", ChatID: "15550001111@c.us", Type: "chat", Body: "three", Timestamp: 102},
	}
	for _, m := range msgs {
		p.emit(BridgeMessage, m)
	}
	p.emit(BridgeMessage, msgs[1]) // reported twice (catch-up): held once
	deadline := time.Now().Add(5 * time.Second)
	for log.refusals() < 2 { // the head was tried and retried
		if time.Now().After(deadline) {
			t.Fatal("the inbox did not retry the refused event")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err := h.m.SendText(context.Background(), "alice", "15550001111", "hi")
	if apperr.CodeOf(err) != apperr.StorageFull {
		t.Errorf("send while the log is full = %v, want storage_full before reaching WhatsApp", err)
	}
	select {
	case c := <-calls:
		t.Fatalf("%s called while nothing was logged: %v", c.Method, c.Args)
	default:
	}

	log.set(false)
	var got []Message
	for len(got) < len(msgs) {
		select {
		case ev := <-h.pub.ch:
			if ev.Type == EventMessageReceived {
				got = append(got, ev.Data.(Message))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of %d messages logged after the log recovered", len(got), len(msgs))
		}
	}
	if diff := cmp.Diff(msgs, got); diff != "" {
		t.Errorf("logged messages (-want +got):\n%s", diff)
	}
	var seen []string
	var catchUp any
	for catchUp == nil {
		select {
		case c := <-calls:
			if c.Method == "seen" {
				seen = append(seen, c.Args.(map[string]any)["ids"].([]string)...)
			} else {
				catchUp = c.Args
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no catch-up after the gap; seen commits: %v", seen)
		}
	}
	if diff := cmp.Diff([]string{msgs[0].ID, msgs[1].ID, msgs[2].ID}, seen); diff != "" {
		t.Errorf("seen commits (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"since": int64(102)}, catchUp); diff != "" {
		t.Errorf("catch-up args (-want +got):\n%s", diff)
	}
}

func TestRetryable(t *testing.T) {
	if retryable(apperr.Field("type", "unknown event type")) {
		t.Error("an invalid event is retried")
	}
	if !retryable(errFull) || !retryable(errors.New("timeout")) {
		t.Error("a refused write is not retried")
	}
}
