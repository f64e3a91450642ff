package webhook

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// target is what a delivery needs of a webhook: its record and HMAC key.
type target struct {
	rec *record
	key []byte
}

// worker delivers one webhook's consumer, one event at a time. Only its
// goroutine touches failingSince.
type worker struct {
	o        *Outbox
	id       string
	subjects []string // guarded by Outbox.applyMu
	cur      atomic.Pointer[target]
	cons     jetstream.Consumer

	failingSince *time.Time
	stopCtx      context.Context // ends waiting for the next event
	stopCancel   context.CancelFunc
	done         chan struct{}
	hardCtx      context.Context
	hardCancel   context.CancelFunc
}

func (o *Outbox) startWorker(cons jetstream.Consumer, rec *record, key []byte) (*worker, error) {
	w := &worker{
		o: o, id: rec.ID, subjects: rec.filter().Subjects(), cons: cons,
		failingSince: rec.FailingSince, done: make(chan struct{}),
	}
	w.stopCtx, w.stopCancel = context.WithCancel(context.Background())
	w.hardCtx, w.hardCancel = context.WithCancel(o.hardCtx)
	w.setRecord(rec, key)
	go w.run()
	return w, nil
}

func (w *worker) setRecord(rec *record, key []byte) { w.cur.Store(&target{rec: rec, key: key}) }

// stop stops taking events, lets an in-flight delivery finish for up to
// grace, then cancels it, and returns when the goroutine has exited.
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
}

func (w *worker) run() {
	defer close(w.done)
	defer w.hardCancel()
	log := w.o.cfg.Log.With().Str("webhook", w.id).Logger()
	for {
		// One pull per event, after the previous one was acknowledged
		// (MaxAckPending 1 would hold back a pull sent earlier).
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
			log.Warn().Err(err).Msg("webhook: next")
			select {
			case <-w.stopCtx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		if !w.handle(msg) {
			return
		}
	}
}

// handle delivers one message and acks, naks with a delay, or
// dead-letters it. It returns false when the worker must stop (shutdown,
// or the webhook got disabled).
func (w *worker) handle(msg jetstream.Msg) bool {
	log := w.o.cfg.Log.With().Str("webhook", w.id).Logger()
	meta, err := msg.Metadata()
	if err != nil {
		log.Error().Err(err).Msg("webhook: metadata")
		_ = msg.Term()
		return true
	}
	ev, err := events.Decode(meta.Sequence.Stream, msg.Data())
	if err != nil {
		log.Error().Err(err).Msg("webhook: undecodable event dropped")
		_ = msg.TermWithReason("undecodable")
		return true
	}
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
		if w.o.cfg.Observe != nil {
			w.o.cfg.Observe(string(d.Status), res.latency)
		}
	}()
	switch {
	case res.ok():
		d.Status = StatusDelivered
		w.o.logAttempt(w.id, d)
		ctx, cancel := context.WithTimeout(w.hardCtx, 5*time.Second)
		defer cancel()
		if err := msg.DoubleAck(ctx); err != nil {
			log.Warn().Err(err).Uint64("event", ev.ID).Msg("webhook: ack")
		}
		w.succeeded()
		return true
	case res.final() || d.Attempts >= w.o.cfg.MaxAttempts:
		d.Status = StatusDead
		w.o.deadLetter(w.id, d)
		w.o.logAttempt(w.id, d)
		_ = msg.TermWithReason("dead letter")
	default:
		delay := res.retryAfter
		if delay < 0 {
			delay = w.o.backoff(d.Attempts)
		}
		next := now.Add(delay)
		d.Status, d.NextAttemptAt = StatusRetrying, &next
		w.o.logAttempt(w.id, d)
		_ = msg.NakWithDelay(delay)
	}
	return w.failed(t.rec, now, d.Error)
}

// backoff returns the delay after failed attempt n (≥1), ±20 % jitter so
// that many webhooks failing together do not retry in lockstep.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.cfg.Backoff[min(max(n, 1), len(o.cfg.Backoff))-1]
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// succeeded ends a failing streak.
func (w *worker) succeeded() {
	if w.failingSince == nil {
		return
	}
	w.failingSince = nil
	ctx, cancel := context.WithTimeout(w.hardCtx, 5*time.Second)
	defer cancel()
	if _, err := w.o.update(ctx, w.id, func(r *record) error { r.FailingSince = nil; return nil }); err != nil {
		w.o.cfg.Log.Warn().Err(err).Str("webhook", w.id).Msg("webhook: clear failing_since")
	}
}

// failed records a failing streak and disables the webhook once it lasted
// DisableAfter. It returns false when the webhook was disabled.
func (w *worker) failed(rec *record, now time.Time, lastErr string) bool {
	ctx, cancel := context.WithTimeout(w.hardCtx, 5*time.Second)
	defer cancel()
	if w.failingSince == nil {
		w.failingSince = &now
		_, err := w.o.update(ctx, w.id, func(r *record) error {
			if r.FailingSince == nil {
				r.FailingSince = &now
			}
			return nil
		})
		if err != nil {
			w.o.cfg.Log.Warn().Err(err).Str("webhook", w.id).Msg("webhook: set failing_since")
		}
		return true
	}
	if now.Sub(*w.failingSince) < w.o.cfg.DisableAfter {
		return true
	}
	since := *w.failingSince
	reason := fmt.Sprintf("every delivery failed since %s (last error: %s)", since.Format(time.RFC3339), lastErr)
	if _, err := w.o.update(ctx, w.id, func(r *record) error {
		r.Enabled, r.DisabledReason, r.UpdatedAt = false, reason, now
		return nil
	}); err != nil {
		w.o.cfg.Log.Error().Err(err).Str("webhook", w.id).Msg("webhook: disable")
		return true
	}
	w.o.cfg.Log.Warn().Str("webhook", w.id).Str("reason", reason).Msg("webhook disabled")
	session := events.Global
	if len(rec.Sessions) == 1 {
		session = rec.Sessions[0]
	}
	if err := w.o.bus.Publish(ctx, session, events.WebhookDisabled, map[string]any{
		"webhook_id": w.id, "url": redactURL(rec.URL), "reason": reason, "failing_since": since,
	}); err != nil {
		w.o.cfg.Log.Error().Err(err).Str("webhook", w.id).Msg("webhook: publish webhook.disabled")
	}
	return false
}
