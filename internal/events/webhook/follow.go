package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/nats-io/nats.go/jetstream"
)

// Every node follows the "webhooks" bucket: each stored webhook gets its
// consumer and, while enabled, a delivery worker, whichever node wrote it.

// startWatch applies every stored webhook, then follows changes in a
// goroutine that Close stops.
func (o *Outbox) startWatch(ctx context.Context) error {
	wctx, stop := context.WithCancel(context.Background())
	w, err := o.kv.WatchAll(wctx)
	if err != nil {
		stop()
		return fmt.Errorf("webhook: watch %s: %w", Bucket, err)
	}
	o.watchStop = stop
	initial := make(chan struct{})
	go func() {
		defer close(o.watchDone)
		defer func() { _ = w.Stop() }()
		for {
			select {
			case <-wctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					close(initial)
					continue
				}
				o.onChange(e)
			}
		}
	}()
	select {
	case <-initial:
		return nil
	case <-ctx.Done():
		o.Close(context.Background())
		return fmt.Errorf("webhook: load webhooks: %w", ctx.Err())
	}
}

func (o *Outbox) onChange(e jetstream.KeyValueEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if e.Operation() != jetstream.KeyValuePut {
		o.stopWorker(e.Key())
		if err := o.js.DeleteConsumer(ctx, events.StreamName, e.Key()); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			o.cfg.Log.Warn().Err(err).Str("webhook", e.Key()).Msg("webhook: delete consumer")
		}
		return
	}
	var rec record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		o.cfg.Log.Error().Err(err).Str("webhook", e.Key()).Msg("webhook: decode record")
		return
	}
	if err := o.apply(ctx, &rec); err != nil {
		o.cfg.Log.Error().Err(err).Str("webhook", rec.ID).Msg("webhook: apply")
	}
}

// apply makes the running state match rec: consumer and worker when
// enabled, no worker when disabled. It is idempotent.
func (o *Outbox) apply(ctx context.Context, rec *record) error {
	o.applyMu.Lock()
	defer o.applyMu.Unlock()
	if !rec.Enabled {
		o.stopWorker(rec.ID)
		return nil
	}
	key, err := parseSecret(rec.Secret)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", rec.ID, err)
	}
	o.mu.Lock()
	w := o.workers[rec.ID]
	closed := o.closed
	o.mu.Unlock()
	if closed {
		return nil
	}
	if w != nil && slices.Equal(w.subjects, rec.filter().Subjects()) && w.inFlight == rec.inFlight() {
		w.setRecord(rec, key)
		return nil
	}
	if w != nil && w.inFlight != rec.inFlight() {
		// Concurrency is the worker's shape: start a new one.
		o.stopWorker(rec.ID)
		w = nil
	}
	cons, err := o.js.CreateOrUpdateConsumer(ctx, events.StreamName, o.consumerConfig(rec))
	if err != nil {
		return fmt.Errorf("webhook %s: consumer: %w", rec.ID, err)
	}
	if w != nil {
		w.setRecord(rec, key) // the consumer now applies the new filter
		w.subjects = rec.filter().Subjects()
		return nil
	}
	w, err = o.startWorker(cons, rec, key)
	if err != nil {
		return err
	}
	o.mu.Lock()
	closed = o.closed
	if !closed {
		o.workers[rec.ID] = w
	}
	o.mu.Unlock()
	if closed {
		w.stop(0) // lost a race with Close, which no longer sees it
	}
	return nil
}

func (o *Outbox) consumerConfig(rec *record) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        rec.ID,
		Description:    "webhook " + redactURL(rec.URL),
		FilterSubjects: rec.filter().Subjects(),
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    rec.StartSeq,
		AckPolicy:      jetstream.AckExplicitPolicy,
		// Longer than one delivery: redelivery on AckWait only happens
		// when the process died mid-delivery.
		AckWait: 2*o.cfg.Timeout + time.Second,
		// 1 is strict id order; an unordered webhook has up to
		// MaxInFlight deliveries out at once.
		MaxAckPending: rec.inFlight(),
		// Attempts are counted by the worker (NumDelivered), which
		// dead-letters and terminates the message itself, so nothing is
		// ever dropped without a dead letter.
		MaxDeliver: -1,
	}
}

// worker returns the running worker of webhook id, or nil.
func (o *Outbox) worker(id string) *worker {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.workers[id]
}

func (o *Outbox) stopWorker(id string) {
	o.mu.Lock()
	w := o.workers[id]
	delete(o.workers, id)
	o.mu.Unlock()
	if w != nil {
		w.stop(o.cfg.ShutdownTimeout)
	}
}
