package events

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// History limits.
const (
	DefaultHistoryLimit = 100
	MaxHistoryLimit     = 1000
)

// Page is one page of the event log.
type Page struct {
	// Events are oldest first.
	Events []*Event `json:"events"`
	// Next is the since of the following page, nil on the last page.
	Next *uint64 `json:"next"`
	// OldestID is the id of the oldest event the log still holds (of any
	// session), 0 while it is empty: a since below OldestID-1 is a 410.
	OldestID uint64 `json:"oldest_id" example:"1"`
}

// History returns up to limit stored events matching f with ids after
// *since, oldest first; a nil since starts at the oldest event held. The
// retention rule is the streams' (Subscribe): a since whose successor is no
// longer held fails with apperr Gone naming the oldest id held.
func (b *Bus) History(ctx context.Context, f Filter, since *uint64, limit int) (Page, error) {
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	limit = min(limit, MaxHistoryLimit)
	stream, err := b.stream.Info(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("events: stream info: %w", err)
	}
	page := Page{Events: []*Event{}}
	if stream.State.Msgs > 0 {
		page.OldestID = stream.State.FirstSeq
	}
	from := uint64(0)
	if since != nil {
		if err := retained(stream.State.FirstSeq, *since); err != nil {
			return Page{}, err
		}
		from = *since
	}
	c, err := b.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: f.Subjects(),
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    from + 1,
		NamePrefix:     ConsumerName("events_history"),
	})
	if err != nil {
		return Page{}, fmt.Errorf("events: history consumer: %w", err)
	}
	it, err := c.Messages(jetstream.PullMaxMessages(min(limit+1, 256)))
	if err != nil {
		return Page{}, fmt.Errorf("events: history messages: %w", err)
	}
	r := &replay{it: it}
	info := c.CachedInfo()
	if info != nil {
		r.name = info.Name
	}
	defer b.endReplay(r)
	if info == nil || info.NumPending == 0 {
		return page, nil
	}
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return Page{}, fmt.Errorf("events: history: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return Page{}, fmt.Errorf("events: history metadata: %w", err)
		}
		seq := meta.Sequence.Stream
		if ev, err := decodeStored(seq, msg.Data()); err == nil && f.Match(ev.Session, ev.Type) {
			page.Events = append(page.Events, ev)
		}
		if meta.NumPending == 0 {
			return page, nil
		}
		if len(page.Events) == limit {
			page.Next = &seq
			return page, nil
		}
	}
}
