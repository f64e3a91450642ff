package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Defaults of BusConfig.
const (
	DefaultMaxAge  = 7 * 24 * time.Hour
	DefaultMaxMsgs = 1_000_000
	DefaultBuffer  = 1024
)

// BusConfig configures NewBus.
type BusConfig struct {
	// JS is the JetStream the EVENTS stream lives in (store.JetStream()).
	JS jetstream.JetStream
	// MaxAge and MaxMsgs bound the retained log; the oldest events go first.
	// Zero means DefaultMaxAge / DefaultMaxMsgs.
	MaxAge  time.Duration
	MaxMsgs int64
	// Buffer is how many events a live subscriber may fall behind before it
	// is cut. Zero means DefaultBuffer.
	Buffer int
	// Log receives the bus's own failures.
	Log zerolog.Logger
}

// Errors a Subscription reports. Compare with errors.Is.
var (
	// ErrSlowConsumer ends a subscription that fell more than its buffer
	// behind. The client should reconnect with since = the last id it got.
	ErrSlowConsumer = errors.New("events: slow consumer cut off")
	// ErrClosed ends subscriptions when the bus closes.
	ErrClosed = errors.New("events: bus closed")
	// ErrKeyRevoked ends the subscriptions opened with a scoped key when
	// its key.revoked event is fanned out.
	ErrKeyRevoked = errors.New("events: API key revoked")
)

// Bus stores events in the EVENTS stream and fans them out, in id order, to
// live subscribers in this process. Its methods are safe for concurrent use.
//
// The fan-out is driven by one ordered consumer that tails the stream, not by
// Publish itself, so subscribers see events in stream order whoever
// published them (another goroutine, or later another node).
type Bus struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	buffer int
	log    zerolog.Logger

	tailIter jetstream.MessagesContext
	tailDone chan struct{}

	mu     sync.Mutex
	last   uint64 // id of the last event dispatched to subscribers
	subs   map[*Subscription]struct{}
	closed bool
}

// NewBus creates or updates the EVENTS stream with the configured retention
// and starts tailing it. Close stops it.
func NewBus(ctx context.Context, cfg BusConfig) (*Bus, error) {
	if cfg.JS == nil {
		return nil, errors.New("events: BusConfig.JS is nil")
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxMsgs == 0 {
		cfg.MaxMsgs = DefaultMaxMsgs
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = DefaultBuffer
	}
	stream, err := cfg.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "easy-api event log: events.<session>.<type>, sequence = event id",
		Subjects:    []string{subjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      cfg.MaxAge,
		MaxMsgs:     cfg.MaxMsgs,
	})
	if err != nil {
		return nil, fmt.Errorf("events: create stream %s: %w", StreamName, err)
	}
	last := stream.CachedInfo().State.LastSeq
	tail, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   last + 1,
		NamePrefix:    ConsumerName("events_tail"),
	})
	if err != nil {
		return nil, fmt.Errorf("events: tail consumer: %w", err)
	}
	it, err := tail.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return nil, fmt.Errorf("events: tail messages: %w", err)
	}
	b := &Bus{
		js: cfg.JS, stream: stream, buffer: cfg.Buffer, log: cfg.Log,
		tailIter: it, tailDone: make(chan struct{}),
		last: last, subs: map[*Subscription]struct{}{},
	}
	go b.tail()
	return b, nil
}

// Publish stores an event of typ for session with data encoded as JSON. The
// event is in the stream when Publish returns nil; live subscribers get it
// shortly after. It implements session.Publisher.
func (b *Bus) Publish(ctx context.Context, session, typ string, data any) error {
	_, err := b.PublishEvent(ctx, session, typ, data)
	return err
}

// PublishEvent is Publish returning the stored event with its id. session is
// a session id or Global; typ one of Types. On the store's JetStream a publish
// the disk refuses fails with an *apperr.Error of code StorageFull (see
// WriteGuard); a Deduped payload already logged returns the logged id.
func (b *Bus) PublishEvent(ctx context.Context, session, typ string, data any) (Event, error) {
	if session != Global && !ValidSession(session) {
		return Event{}, apperr.Field("session", "%q is not a valid session id", session)
	}
	if !ValidType(typ) {
		return Event{}, apperr.Field("type", "unknown event type %q", typ)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("events: encode %s data: %w", typ, err)
	}
	s := stored{Session: session, Type: typ, Time: time.Now().UTC(), Data: raw}
	body, err := json.Marshal(s)
	if err != nil {
		return Event{}, fmt.Errorf("events: encode %s: %w", typ, err)
	}
	ack, err := b.publish(ctx, session, typ, data, body)
	if err != nil {
		return Event{}, fmt.Errorf("events: publish %s for %q: %w", typ, session, err)
	}
	return Event{ID: ack.Sequence, Session: session, Type: typ, Time: s.Time, Data: raw, wire: withID(ack.Sequence, body)}, nil
}

// LastID returns the id of the last event fanned out to live subscribers.
func (b *Bus) LastID() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// Stream returns the EVENTS stream handle (for webhook consumers).
func (b *Bus) Stream() jetstream.Stream { return b.stream }

// JetStream returns the JetStream the bus writes to.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Close stops the tail and ends every subscription with ErrClosed. It is
// safe to call more than once.
func (b *Bus) Close() {
	b.tailIter.Stop()
	<-b.tailDone
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		s.end(ErrClosed)
	}
	clear(b.subs)
}

// tail feeds stored events to dispatch in stream order until Close.
func (b *Bus) tail() {
	defer close(b.tailDone)
	for {
		msg, err := b.tailIter.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		if err != nil {
			// The ordered consumer recreates itself; errors here are
			// transient (reconnects, missed heartbeats).
			b.log.Warn().Err(err).Msg("events: tail")
			time.Sleep(100 * time.Millisecond) // no hot loop while the server is away
			continue
		}
		meta, err := msg.Metadata()
		if err != nil {
			b.log.Error().Err(err).Msg("events: tail metadata")
			continue
		}
		ev, err := decodeStored(meta.Sequence.Stream, msg.Data())
		if err != nil {
			b.log.Error().Err(err).Msg("events: tail")
			b.mu.Lock()
			b.last = meta.Sequence.Stream
			b.mu.Unlock()
			continue
		}
		ev.frameOnce()
		b.dispatch(ev)
	}
}

// dispatch hands ev to every matching subscriber without blocking: a
// subscriber whose buffer is full is cut off.
func (b *Bus) dispatch(ev *Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = ev.ID
	if ev.Type == KeyRevoked {
		b.revoke(ev)
	}
	for s := range b.subs {
		if !s.filter.Match(ev.Session, ev.Type) {
			continue
		}
		select {
		case s.live <- ev:
		default:
			s.end(ErrSlowConsumer)
			delete(b.subs, s)
		}
	}
}

// revoke ends the subscriptions opened with the key that ev revokes; the
// bus lock is held.
func (b *Bus) revoke(ev *Event) {
	var d KeyRevokedData
	if err := json.Unmarshal(ev.Data, &d); err != nil || d.KeyID == "" {
		b.log.Error().Err(err).Uint64("event", ev.ID).Msg("events: undecodable key.revoked")
		return
	}
	for s := range b.subs {
		if s.keyID == d.KeyID {
			s.end(ErrKeyRevoked)
			delete(b.subs, s)
		}
	}
}
