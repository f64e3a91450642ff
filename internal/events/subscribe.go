package events

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/nats-io/nats.go/jetstream"
)

// Subscription is one client's view of the bus: first the replay of stored
// events after since (if asked), then live events, in id order with no gap
// and no duplicate. Next must be called from one goroutine; Close from any.
type Subscription struct {
	bus    *Bus
	filter Filter
	live   chan *Event
	reason atomic.Pointer[error] // why live was closed
	skip   uint64                // live events up to this id were stored before the subscription
	keyID  string                // the scoped key that opened it, if any

	replay *replay // nil once the replay is over
}

// replay reads stored events (since, until] with an ordered consumer.
type replay struct {
	it    jetstream.MessagesContext
	name  string // the ephemeral consumer, deleted when done
	until uint64
}

// Subscribe validates f and starts a subscription. With since nil it
// delivers events stored from now on. With since set it first replays stored
// events with ids after *since; a since beyond the last id is the same as
// nil, and a since whose successor is no longer retained fails with an
// *apperr.Error of code Gone (the client must resync). A subscription opened
// with a scoped key (WithKey on ctx) ends with ErrKeyRevoked when the key is
// revoked. Close the subscription when done.
func (b *Bus) Subscribe(ctx context.Context, f Filter, since *uint64) (*Subscription, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	info, err := b.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: stream info: %w", err)
	}
	// Events stored before now but not yet fanned out must not arrive
	// live: they are in the past (nil since) or the client has them.
	skip := info.State.LastSeq
	if since != nil {
		if err := retained(info.State.FirstSeq, *since); err != nil {
			return nil, err
		}
		skip = min(skip, *since)
	}
	s := &Subscription{bus: b, filter: f, live: make(chan *Event, b.buffer), skip: skip, keyID: keyFrom(ctx).id}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, apperr.Wrap(ErrClosed, apperr.Unavailable, "server shutting down")
	}
	// Registering and reading last under one lock is what makes the join
	// exact: every event after until arrives live, every one up to it is
	// replayed.
	until := b.last
	b.subs[s] = struct{}{}
	b.mu.Unlock()

	if since != nil && *since < until {
		r, err := b.startReplay(ctx, f, *since+1, until)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.replay = r
	}
	return s, nil
}

// retained fails with Gone when the event after since is no longer held
// (first is the oldest id held). History, SSE and WebSocket share it: one
// retention answer on all three.
func retained(first, since uint64) error {
	if first > 0 && since+1 < first {
		return apperr.E(apperr.Gone,
			"events after id %d are no longer retained; the oldest id held is %d: resync state, then read from since=%d or reconnect without since", since, first, first-1)
	}
	return nil
}

func (b *Bus) startReplay(ctx context.Context, f Filter, from, until uint64) (*replay, error) {
	c, err := b.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: f.Subjects(),
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    from,
		NamePrefix:     ConsumerName("events_replay"),
	})
	if err != nil {
		return nil, fmt.Errorf("events: replay consumer: %w", err)
	}
	it, err := c.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		return nil, fmt.Errorf("events: replay messages: %w", err)
	}
	r := &replay{it: it, until: until}
	info := c.CachedInfo()
	if info != nil {
		r.name = info.Name
	}
	if info == nil || info.NumPending == 0 {
		b.endReplay(r)
		return nil, nil
	}
	return r, nil
}

// endReplay stops the iterator and deletes its consumer (an ordered
// consumer is otherwise only reaped after its inactivity threshold).
func (b *Bus) endReplay(r *replay) {
	r.it.Stop()
	if r.name == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := b.js.DeleteConsumer(ctx, StreamName, r.name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		b.log.Debug().Err(err).Str("consumer", r.name).Msg("events: delete replay consumer")
	}
}

// Next returns the next event. It fails with ctx's error when ctx ends (the
// subscription stays usable), ErrSlowConsumer when the subscriber fell too
// far behind, ErrKeyRevoked when its key was revoked, or ErrClosed when the
// bus or the subscription closed.
func (s *Subscription) Next(ctx context.Context) (*Event, error) {
	return s.next(ctx, nil)
}

// errWait is next's answer when wait fired first.
var errWait = errors.New("events: no event in time")

// next is Next that also gives up with errWait when wait fires (a reusable
// timer's channel, cheaper than a context per call on hot paths).
func (s *Subscription) next(ctx context.Context, wait <-chan time.Time) (*Event, error) {
	for s.replay != nil {
		ev, err := s.nextReplayed(ctx)
		if err != nil || ev != nil {
			return ev, err
		}
	}
	for {
		select {
		case ev, ok := <-s.live:
			if !ok {
				return nil, s.err()
			}
			if ev.ID <= s.skip {
				continue
			}
			return ev, nil
		case <-wait:
			return nil, errWait
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// nextReplayed returns the next stored event of the replay, or nil when the
// message was filtered out or the replay just ended.
func (s *Subscription) nextReplayed(ctx context.Context) (*Event, error) {
	r := s.replay
	msg, err := r.it.Next(jetstream.NextContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.stopReplay()
		return nil, fmt.Errorf("events: replay: %w", err)
	}
	meta, err := msg.Metadata()
	if err != nil {
		s.stopReplay()
		return nil, fmt.Errorf("events: replay metadata: %w", err)
	}
	seq := meta.Sequence.Stream
	if seq > r.until {
		s.stopReplay()
		return nil, nil
	}
	if seq == r.until || meta.NumPending == 0 {
		s.stopReplay()
	}
	ev, err := decodeStored(seq, msg.Data())
	if err != nil {
		s.bus.log.Error().Err(err).Msg("events: replay")
		return nil, nil
	}
	if !s.filter.Match(ev.Session, ev.Type) {
		return nil, nil
	}
	return ev, nil
}

func (s *Subscription) stopReplay() {
	if s.replay != nil {
		s.bus.endReplay(s.replay)
		s.replay = nil
	}
}

// Buffered reports how many events are ready for Next without waiting (at
// least 1 while a replay is in progress). Writers use it to flush only when
// they caught up.
func (s *Subscription) Buffered() int {
	if s.replay != nil {
		return 1
	}
	return len(s.live)
}

// Close ends the subscription and releases its resources. It is safe to
// call more than once, but not concurrently with Next.
func (s *Subscription) Close() {
	s.stopReplay()
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		s.end(ErrClosed)
	}
}

// end closes the live channel with a reason; the bus lock is held.
func (s *Subscription) end(reason error) {
	s.reason.Store(&reason)
	close(s.live)
}

func (s *Subscription) err() error {
	if p := s.reason.Load(); p != nil {
		return *p
	}
	return ErrClosed
}
