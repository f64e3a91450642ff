package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// WriteGuard runs a write against the store, failing it at once (with an
// *apperr.Error of code StorageFull) while the disk refuses writes and
// canceling it when a fault trips during it. The JetStream of
// store.Store.JetStream implements it; a Bus on any other JetStream
// publishes unguarded.
type WriteGuard interface {
	Write(ctx context.Context, op string, fn func(context.Context) error) error
}

// Deduped is implemented by event payloads that have an identity of their
// own (a WhatsApp message id): publishing the same one twice within the
// stream's duplicate window (JetStream's default, 2 minutes) stores it
// once, and the second Publish returns the first one's id.
type Deduped interface {
	DedupeID() string
}

// publish stores body on the subject of session and typ through the store's
// write guard, with JetStream's message id set when data is Deduped.
func (b *Bus) publish(ctx context.Context, session, typ string, data any, body []byte) (*jetstream.PubAck, error) {
	opts := []jetstream.PublishOpt{jetstream.WithExpectStream(StreamName)}
	if d, ok := data.(Deduped); ok && d.DedupeID() != "" {
		opts = append(opts, jetstream.WithMsgID(session+"/"+typ+"/"+d.DedupeID()))
	}
	var ack *jetstream.PubAck
	write := func(ctx context.Context) (err error) {
		ack, err = b.js.Publish(ctx, Subject(session, typ), body, opts...)
		return err
	}
	var err error
	if g, ok := b.js.(WriteGuard); ok {
		err = g.Write(ctx, fmt.Sprintf("publish %s for %q", typ, session), write)
	} else {
		err = write(ctx)
	}
	return ack, err
}

// LastMessageTime returns the WhatsApp timestamp (unix seconds) of the newest
// message.received or message.sent logged for session, or 0 when the log
// retains none. It implements session.MessageLog.
func (b *Bus) LastMessageTime(ctx context.Context, session string) (int64, error) {
	var newest int64
	for _, typ := range []string{MessageReceived, MessageSent} {
		m, err := b.stream.GetLastMsgForSubject(ctx, Subject(session, typ))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("events: last %s of %q: %w", typ, session, err)
		}
		var s struct {
			Data struct {
				Timestamp int64 `json:"timestamp"`
			} `json:"data"`
		}
		if err := json.Unmarshal(m.Data, &s); err != nil {
			return 0, fmt.Errorf("events: decode last %s of %q: %w", typ, session, err)
		}
		newest = max(newest, s.Data.Timestamp)
	}
	return newest, nil
}
