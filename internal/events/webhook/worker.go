package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// target is what a delivery needs of a webhook: its record and HMAC key.
type target struct {
	rec *record
	key []byte
}

// worker delivers one webhook's consumer: one event at a time when the
// webhook is ordered, up to inFlight at once otherwise.
type worker struct {
	o        *Outbox
	id       string
	subjects []string // guarded by Outbox.applyMu
	inFlight int
	cur      atomic.Pointer[target]
	cons     jetstream.Consumer
	log      zerolog.Logger

	mu           sync.Mutex
	failingSince *time.Time
	disabling    bool
	// waiting holds the messages nak'd with a delay, by event id, so that
	// a wake can ask JetStream to redeliver them now.
	waiting map[uint64]jetstream.Msg
	// watchers are told the outcome of an event's next attempt (the retry
	// route waits on them).
	watchers map[uint64][]chan Delivery

	stopCtx    context.Context // ends waiting for the next event
	stopCancel context.CancelFunc
	done       chan struct{}
	hardCtx    context.Context
	hardCancel context.CancelFunc
}

func (o *Outbox) startWorker(cons jetstream.Consumer, rec *record, key []byte) (*worker, error) {
	w := &worker{
		o: o, id: rec.ID, subjects: rec.filter().Subjects(), inFlight: rec.inFlight(), cons: cons,
		log:          o.cfg.Log.With().Str("webhook", rec.ID).Logger(),
		failingSince: rec.FailingSince, done: make(chan struct{}),
		waiting: map[uint64]jetstream.Msg{}, watchers: map[uint64][]chan Delivery{},
	}
	w.stopCtx, w.stopCancel = context.WithCancel(context.Background())
	w.hardCtx, w.hardCancel = context.WithCancel(o.hardCtx)
	w.setRecord(rec, key)
	go func() {
		defer close(w.done)
		defer w.hardCancel()
		var wg sync.WaitGroup
		for range w.inFlight {
			wg.Go(w.run)
		}
		wg.Wait()
	}()
	return w, nil
}

func (w *worker) setRecord(rec *record, key []byte) { w.cur.Store(&target{rec: rec, key: key}) }

// stop stops taking events, lets in-flight deliveries finish for up to
// grace, then cancels them, and returns when every goroutine has exited.
// Events waiting for a retry are handed back to JetStream for redelivery
// now, so that whoever serves the webhook next (this node once it is
// re-enabled, or after a restart) does not wait out their delay.
func (w *worker) stop(grace time.Duration) {
	w.stopCancel()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
	}
	w.hardCancel()
	<-w.done
	w.wakeAll()
}

// wakeAll asks JetStream to redeliver now every event waiting for a retry.
func (w *worker) wakeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, msg := range w.waiting {
		w.redeliverNow(id, msg)
	}
}

// wake asks JetStream to redeliver event id now and returns a channel that
// receives the outcome of its next attempt, or nil when this worker holds
// no retry of it.
func (w *worker) wake(id uint64) <-chan Delivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	msg, ok := w.waiting[id]
	if !ok {
		return nil
	}
	ch := make(chan Delivery, 1)
	w.watchers[id] = append(w.watchers[id], ch)
	w.redeliverNow(id, msg)
	return ch
}

// redeliverNow sends a plain NAK for a message already nak'd with a
// delay: JetStream then puts it on its redelivery queue at once. The
// client library refuses a second acknowledgement of one message, so the
// NAK goes out on the message's reply subject directly. w.mu is held.
func (w *worker) redeliverNow(id uint64, msg jetstream.Msg) {
	delete(w.waiting, id)
	if err := w.o.js.Conn().Publish(msg.Reply(), []byte("-NAK")); err != nil {
		w.log.Warn().Err(err).Uint64("event", id).Msg("webhook: wake a waiting delivery")
	}
}

func (w *worker) run() {
	for {
		// One pull per event, after the previous one was acknowledged
		// (MaxAckPending would hold back a pull sent earlier).
		msg, err := w.cons.Next(jetstream.FetchContext(w.stopCtx))
		if w.stopCtx.Err() != nil {
			if msg != nil {
				_ = msg.Nak()
			}
			return
		}
		if errors.Is(err, nats.ErrTimeout) {
			continue // no event for a while
		}
		if err != nil {
			w.log.Warn().Err(err).Msg("webhook: next")
			select {
			case <-w.stopCtx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		if !w.handle(msg) {
			w.stopCancel() // disabled: the other goroutines stop too
			return
		}
	}
}

// handle delivers one message and acks, naks with a delay, or
// dead-letters it. It returns false when the worker must stop (shutdown,
// or the webhook got disabled).
func (w *worker) handle(msg jetstream.Msg) bool {
	meta, err := msg.Metadata()
	if err != nil {
		w.log.Error().Err(err).Msg("webhook: metadata")
		_ = msg.Term()
		return true
	}
	ev, err := events.Decode(meta.Sequence.Stream, msg.Data())
	if err != nil {
		w.log.Error().Err(err).Msg("webhook: undecodable event dropped")
		_ = msg.TermWithReason("undecodable")
		return true
	}
	w.mu.Lock()
	delete(w.waiting, ev.ID) // this is its redelivery
	w.mu.Unlock()
	t := w.cur.Load()
	res := w.o.send(w.hardCtx, t, deliveryID(ev.ID), ev.JSON())
	if w.hardCtx.Err() != nil {
		_ = msg.Nak() // shutting down: not the receiver's fault; redelivered after restart
		return false
	}
	now := time.Now().UTC()
	d := Delivery{
		ID: deliveryID(ev.ID), EventID: ev.ID, EventType: ev.Type, Session: ev.Session,
		Attempts: int(meta.NumDelivered), StatusCode: res.code,
		LatencyMS: float64(res.latency.Microseconds()) / 1000, Error: res.errText(), At: now,
	}
	defer func() {
		w.notify(d)
		if w.o.cfg.Observe != nil {
			w.o.cfg.Observe(d.Status, res.latency)
		}
	}()
	policy := t.rec.retry(w.o.cfg.Retry)
	switch {
	case res.ok():
		d.Status = StatusDelivered
		w.o.logAttempt(w.id, d)
		ctx, cancel := context.WithTimeout(w.hardCtx, 5*time.Second)
		defer cancel()
		if err := msg.DoubleAck(ctx); err != nil {
			w.log.Warn().Err(err).Uint64("event", ev.ID).Msg("webhook: ack")
		}
		w.succeeded()
		return true
	case res.final() || d.Attempts >= policy.Attempts:
		d.Status = StatusDead
		w.o.deadLetter(w.id, d)
		w.o.logAttempt(w.id, d)
		w.log.Error().Uint64("event", ev.ID).Int("status", res.code).Int("attempts", d.Attempts).
			Str("error", d.Error).Msg("webhook delivery dead-lettered")
		_ = msg.TermWithReason("dead letter")
	default:
		delay := res.retryAfter
		if delay < 0 {
			delay = policy.jittered(d.Attempts)
		}
		next := now.Add(delay)
		d.Status, d.NextAttemptAt = StatusRetrying, &next
		w.o.logAttempt(w.id, d)
		w.log.Warn().Uint64("event", ev.ID).Int("status", res.code).Int("attempt", d.Attempts).
			Str("error", d.Error).Time("next_attempt", next).Msg("webhook delivery failed")
		w.mu.Lock()
		if err := msg.NakWithDelay(delay); err == nil {
			w.waiting[ev.ID] = msg
		}
		w.mu.Unlock()
	}
	return w.failed(t.rec, now, d.Error)
}

// notify tells the watchers of d's event its outcome.
func (w *worker) notify(d Delivery) {
	w.mu.Lock()
	chs := w.watchers[d.EventID]
	delete(w.watchers, d.EventID)
	w.mu.Unlock()
	for _, ch := range chs {
		ch <- d // buffered, one send each
	}
}

// succeeded ends a failing streak.
func (w *worker) succeeded() {
	w.mu.Lock()
	was := w.failingSince
	w.failingSince = nil
	w.mu.Unlock()
	if was == nil {
		return
	}
	ctx, cancel := context.WithTimeout(w.hardCtx, 5*time.Second)
	defer cancel()
	if _, err := w.o.update(ctx, w.id, func(r *record) error { r.FailingSince = nil; return nil }); err != nil {
		w.log.Warn().Err(err).Msg("webhook: clear failing_since")
	}
}

// failed records a failing streak and disables the webhook once it lasted
// DisableAfter. It returns false when the webhook was disabled.
func (w *worker) failed(rec *record, now time.Time, lastErr string) bool {
	ctx, cancel := context.WithTimeout(w.hardCtx, 5*time.Second)
	defer cancel()
	w.mu.Lock()
	was := w.failingSince
	if was == nil {
		w.failingSince = &now
	}
	w.mu.Unlock()
	if was == nil {
		_, err := w.o.update(ctx, w.id, func(r *record) error {
			if r.FailingSince == nil {
				r.FailingSince = &now
			}
			return nil
		})
		if err != nil {
			w.log.Warn().Err(err).Msg("webhook: set failing_since")
		}
		return true
	}
	if now.Sub(*was) < w.o.cfg.DisableAfter {
		return true
	}
	w.mu.Lock()
	already := w.disabling
	w.disabling = true
	w.mu.Unlock()
	if already {
		return false // a concurrent delivery is disabling it
	}
	since := *was
	reason := fmt.Sprintf("every delivery failed since %s (last error: %s)", since.Format(time.RFC3339), lastErr)
	if _, err := w.o.update(ctx, w.id, func(r *record) error {
		r.Enabled, r.DisabledReason, r.UpdatedAt = false, reason, now
		return nil
	}); err != nil {
		w.log.Error().Err(err).Msg("webhook: disable")
		return true
	}
	w.log.Error().Str("reason", reason).Msg("webhook disabled")
	session := events.Global
	if len(rec.Sessions) == 1 {
		session = rec.Sessions[0]
	}
	if err := w.o.bus.Publish(ctx, session, events.WebhookDisabled, events.WebhookDisabledData{
		WebhookID: w.id, URL: redactURL(rec.URL), Reason: reason, FailingSince: since,
	}); err != nil {
		w.log.Error().Err(err).Msg("webhook: publish webhook.disabled")
	}
	return false
}
