package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/google/go-cmp/cmp"
)

func TestFilterSubjects(t *testing.T) {
	tests := []struct {
		name string
		f    events.Filter
		want []string
	}{
		{"all", events.Filter{}, []string{"events.>"}},
		{"sessions", events.Filter{Sessions: []string{"b", "a", "a"}}, []string{"events.a.>", "events.b.>"}},
		{"types", events.Filter{Types: []string{"session.qr"}}, []string{"events.*.session.qr"}},
		{"both", events.Filter{Sessions: []string{"a"}, Types: []string{"session.qr", "message.ack"}},
			[]string{"events.a.message.ack", "events.a.session.qr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.f.Subjects()); diff != "" {
				t.Errorf("Subjects (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResumeJoinsLiveWithoutGapOrDuplicate subscribes with since while
// another goroutine keeps publishing: the subscriber must see every id after
// since exactly once, in order, across the replay-to-live switch.
func TestResumeJoinsLiveWithoutGapOrDuplicate(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	ctx := ctxT(t, 20*time.Second)
	first := e.publish(t, "alice", events.SessionStatus, 200)

	const more = 300
	var wg sync.WaitGroup
	wg.Go(func() { e.publish(t, "alice", events.SessionQR, more) })
	since := first[49]
	sub, err := e.bus.Subscribe(ctx, events.Filter{Sessions: []string{"alice"}}, &since)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	want := since + 1
	for want <= first[len(first)-1]+more {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("Next after id %d: %v", want-1, err)
		}
		if ev.ID != want {
			t.Fatalf("got id %d, want %d", ev.ID, want)
		}
		want++
	}
	wg.Wait()
}

func TestSubscribeFiltersAndScope(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	ctx := ctxT(t, 10*time.Second)
	sub, err := e.bus.Subscribe(ctx, events.Filter{
		Types: []string{events.SessionQR},
		Scope: func(s string) bool { return s == "bob" },
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	e.publish(t, "alice", events.SessionQR, 1)
	e.publish(t, "bob", events.SessionStatus, 1)
	want := e.publish(t, "bob", events.SessionQR, 1)[0]
	ev, err := sub.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != want || ev.Session != "bob" || ev.Type != events.SessionQR {
		t.Errorf("got %+v, want id %d bob session.qr", ev, want)
	}
}

func TestSinceOlderThanRetentionIsGone(t *testing.T) {
	e := newEnv(t, events.BusConfig{MaxMsgs: 5}, events.HandlersConfig{})
	ids := e.publish(t, "alice", events.SessionStatus, 10)
	old := ids[2]
	_, err := e.bus.Subscribe(context.Background(), events.Filter{}, &old)
	if apperr.CodeOf(err) != apperr.Gone {
		t.Fatalf("Subscribe(since=%d) = %v, want code gone", old, err)
	}
	ok := ids[4] // the next one, ids[5], is the oldest retained
	sub, err := e.bus.Subscribe(context.Background(), events.Filter{}, &ok)
	if err != nil {
		t.Fatalf("Subscribe(since=%d): %v", ok, err)
	}
	sub.Close()
}

func TestSinceBeyondLastIsLive(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	ctx := ctxT(t, 10*time.Second)
	e.publish(t, "alice", events.SessionStatus, 3)
	far := uint64(1000)
	sub, err := e.bus.Subscribe(ctx, events.Filter{}, &far)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	want := e.publish(t, "alice", events.SessionStatus, 1)[0]
	if ev, err := sub.Next(ctx); err != nil || ev.ID != want {
		t.Fatalf("Next = %v, %v; want id %d", ev, err, want)
	}
}

// TestSlowSubscriberIsCut checks that a subscriber that never reads does
// not block Publish and ends with ErrSlowConsumer after its buffer.
func TestSlowSubscriberIsCut(t *testing.T) {
	const buffer = 64
	e := newEnv(t, events.BusConfig{Buffer: buffer}, events.HandlersConfig{})
	ctx := ctxT(t, 10*time.Second)
	slow, err := e.bus.Subscribe(ctx, events.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, err := e.bus.Subscribe(ctx, events.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	// The fast reader takes each event before the next is published, so
	// it never has more than one buffered whatever the scheduler does; the
	// slow one never reads until the burst is over.
	const n = 500
	ids := make([]uint64, n)
	for i := range n {
		ev, err := e.bus.PublishEvent(ctx, "alice", events.SessionStatus, map[string]int{"i": i})
		if err != nil {
			t.Fatalf("publish: %v", err)
		}
		ids[i] = ev.ID
		got, err := fast.Next(ctx)
		if err != nil {
			t.Fatalf("fast subscriber after %d events: %v", i, err)
		}
		if got.ID != ev.ID {
			t.Fatalf("fast subscriber got %d, want %d", got.ID, ev.ID)
		}
	}
	var got []uint64
	for {
		ev, err := slow.Next(ctx)
		if errors.Is(err, events.ErrSlowConsumer) {
			break
		}
		if err != nil {
			t.Fatalf("slow Next: %v", err)
		}
		got = append(got, ev.ID)
	}
	if diff := cmp.Diff(ids[:buffer], got); diff != "" {
		t.Errorf("slow subscriber got before the cut (-want +got):\n%s", diff)
	}
}

func TestPublishRejectsUnknownType(t *testing.T) {
	e := newEnv(t, events.BusConfig{}, events.HandlersConfig{})
	if err := e.bus.Publish(context.Background(), "alice", "session.nope", nil); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("Publish(unknown type) = %v, want invalid_request", err)
	}
	if err := e.bus.Publish(context.Background(), "a.b", events.SessionQR, nil); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("Publish(bad session) = %v, want invalid_request", err)
	}
}
