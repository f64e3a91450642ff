package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/nats-io/nats.go/jetstream"
)

// logAttempt appends d to the webhook's deliveries log (the newest LogSize
// attempts are kept). The log is advisory: failures are only logged.
func (o *Outbox) logAttempt(wid string, d Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	data, _ := json.Marshal(d)
	if _, err := o.js.Publish(ctx, logSubject+wid, data); err != nil {
		o.cfg.Log.Warn().Err(err).Str("webhook", wid).Msg("webhook: log delivery")
	}
}

// deadLetter stores d as a dead letter of wid, listed and retryable.
func (o *Outbox) deadLetter(wid string, d Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	data, _ := json.Marshal(d)
	if _, err := o.dead.Put(ctx, wid+"."+d.ID, data); err != nil {
		o.cfg.Log.Error().Err(err).Str("webhook", wid).Uint64("event", d.EventID).Msg("webhook: store dead letter")
	}
}

// Deliveries returns the latest state of webhook wid's recent deliveries
// and of all its dead letters, newest event first, optionally only those of
// one status, at most limit.
func (o *Outbox) Deliveries(ctx context.Context, wid, status string, limit int) ([]Delivery, error) {
	if _, _, err := o.get(ctx, wid); err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains([]string{StatusDelivered, StatusRetrying, StatusDead}, status) {
		return nil, apperr.Field("status", "want delivered, retrying or dead, got %q", status)
	}
	latest := map[uint64]Delivery{}
	if err := o.readLog(ctx, wid, latest); err != nil {
		return nil, err
	}
	if err := o.readDeadLetters(ctx, wid, limit, latest); err != nil {
		return nil, err
	}
	out := []Delivery{}
	for _, d := range latest {
		if status == "" || d.Status == status {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Delivery) int { return -cmpUint(a.EventID, b.EventID) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// readLog folds the webhook's log into latest (later attempts win).
func (o *Outbox) readLog(ctx context.Context, wid string, latest map[uint64]Delivery) error {
	c, err := o.js.OrderedConsumer(ctx, LogStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{logSubject + wid}, NamePrefix: events.ConsumerName("deliveries"),
	})
	if err != nil {
		return fmt.Errorf("webhook: read log: %w", err)
	}
	it, err := c.Messages(jetstream.PullMaxMessages(int(min(o.cfg.LogSize, 256))))
	if err != nil {
		return fmt.Errorf("webhook: read log: %w", err)
	}
	defer it.Stop()
	info := c.CachedInfo()
	if info != nil {
		defer func() {
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = o.js.DeleteConsumer(dctx, LogStream, info.Name)
		}()
	}
	if info == nil || info.NumPending == 0 {
		return nil
	}
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("webhook: read log: %w", err)
		}
		var d Delivery
		if json.Unmarshal(msg.Data(), &d) == nil {
			latest[d.EventID] = d
		}
		if meta, err := msg.Metadata(); err != nil || meta.NumPending == 0 {
			return nil
		}
	}
}

// readDeadLetters adds the webhook's newest dead letters (at most limit,
// 0 = all) to latest, unless the log has a later attempt. Keys name the
// event id, so only the newest are read however many pile up.
func (o *Outbox) readDeadLetters(ctx context.Context, wid string, limit int, latest map[uint64]Delivery) error {
	lister, err := o.dead.ListKeysFiltered(ctx, wid+".*")
	if err != nil {
		return fmt.Errorf("webhook: list dead letters: %w", err)
	}
	defer func() { _ = lister.Stop() }()
	type keyed struct {
		key string
		id  uint64
	}
	var keys []keyed
	for key := range lister.Keys() {
		id, _ := strconv.ParseUint(key[strings.LastIndexByte(key, '.')+1:], 10, 64)
		keys = append(keys, keyed{key, id})
	}
	slices.SortFunc(keys, func(a, b keyed) int { return -cmpUint(a.id, b.id) })
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	for _, k := range keys {
		key := k.key
		d, err := o.getDeadLetter(ctx, key)
		if err != nil {
			continue
		}
		if cur, ok := latest[d.EventID]; !ok || cur.Attempts <= d.Attempts {
			latest[d.EventID] = d
		}
	}
	return nil
}

func (o *Outbox) getDeadLetter(ctx context.Context, key string) (Delivery, error) {
	e, err := o.dead.Get(ctx, key)
	if err != nil {
		return Delivery{}, err
	}
	var d Delivery
	if err := json.Unmarshal(e.Value(), &d); err != nil {
		return Delivery{}, fmt.Errorf("webhook: decode dead letter %s: %w", key, err)
	}
	return d, nil
}

// Retry attempts delivery did (the event id) of webhook wid again, now,
// and returns its new state. A dead letter is sent once more (delivered,
// and no longer a dead letter, or still dead). A delivery waiting for its
// next retry is handed back to JetStream for redelivery at once and Retry
// waits for that attempt's outcome. A delivery already delivered is an
// apperr Conflict; one this webhook never attempted is NotFound.
func (o *Outbox) Retry(ctx context.Context, wid, did string) (Delivery, error) {
	rec, _, err := o.get(ctx, wid)
	if err != nil {
		return Delivery{}, err
	}
	eventID, err := strconv.ParseUint(did, 10, 64)
	if err != nil {
		return Delivery{}, apperr.E(apperr.NotFound, "delivery %q not found", did)
	}
	d, err := o.getDeadLetter(ctx, wid+"."+did)
	if err == nil {
		return o.retryDead(ctx, rec, d)
	}
	if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return Delivery{}, fmt.Errorf("webhook: retry: %w", err)
	}
	if w := o.worker(wid); w != nil {
		if ch := w.wake(eventID); ch != nil {
			t := time.NewTimer(o.cfg.Timeout + 5*time.Second)
			defer t.Stop()
			select {
			case d := <-ch:
				return d, nil
			case <-t.C:
				return Delivery{}, apperr.E(apperr.Timeout, "delivery %s was handed back for redelivery but its attempt did not end in time", did)
			case <-ctx.Done():
				return Delivery{}, ctx.Err()
			}
		}
	}
	latest := map[uint64]Delivery{}
	if err := o.readLog(ctx, wid, latest); err != nil {
		return Delivery{}, err
	}
	cur, ok := latest[eventID]
	switch {
	case !ok:
		return Delivery{}, apperr.E(apperr.NotFound, "webhook %s has no delivery %s", wid, did)
	case cur.Status == StatusDelivered:
		return Delivery{}, &apperr.Error{Code: apperr.Conflict, Detail: fmt.Sprintf("delivery %s of webhook %s was delivered already", did, wid)}
	}
	return Delivery{}, apperr.E(apperr.Conflict, "delivery %s of webhook %s is being attempted right now (or by another node); list deliveries for its state", did, wid)
}

// retryDead sends dead letter d once more.
func (o *Outbox) retryDead(ctx context.Context, rec *record, d Delivery) (Delivery, error) {
	wid, did := rec.ID, d.ID
	msg, err := o.bus.Stream().GetMsg(ctx, d.EventID)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Delivery{}, apperr.E(apperr.Gone, "event %d is no longer retained", d.EventID)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("webhook: retry: get event %d: %w", d.EventID, err)
	}
	ev, err := events.Decode(d.EventID, msg.Data)
	if err != nil {
		return Delivery{}, err
	}
	key, err := parseSecret(rec.Secret)
	if err != nil {
		return Delivery{}, err
	}
	res := o.send(ctx, &target{rec: rec, key: key}, did, ev.JSON())
	d.Attempts++
	d.StatusCode, d.Error, d.At, d.NextAttemptAt = res.code, res.errText(), time.Now().UTC(), nil
	d.LatencyMS = float64(res.latency.Microseconds()) / 1000
	if res.ok() {
		d.Status = StatusDelivered
		if err := o.dead.Delete(ctx, wid+"."+did); err != nil {
			return Delivery{}, fmt.Errorf("webhook: retry: %w", err)
		}
	} else {
		o.deadLetter(wid, d)
	}
	o.logAttempt(wid, d)
	return d, nil
}

// TestResult is the outcome of a test delivery.
type TestResult struct {
	OK         bool    `json:"ok"`
	MessageID  string  `json:"message_id" example:"test_3kq9d0v7x2m4p8r1t6yb"`
	StatusCode int     `json:"status_code,omitempty" example:"200"`
	LatencyMS  float64 `json:"latency_ms" example:"8.2"`
	Error      string  `json:"error,omitempty"`
}

// Test sends webhook wid a signed test event of type "webhook.test" (id 0,
// data {webhook_id}) once, now, whatever its filters or enabled state, and
// reports the outcome. It is not logged and not retried. A successful test
// wakes the webhook's deliveries waiting for a retry: they are attempted now.
func (o *Outbox) Test(ctx context.Context, wid string) (TestResult, error) {
	rec, _, err := o.get(ctx, wid)
	if err != nil {
		return TestResult{}, err
	}
	key, err := parseSecret(rec.Secret)
	if err != nil {
		return TestResult{}, err
	}
	body, _ := json.Marshal(map[string]any{
		"id": 0, "session": "", "type": "webhook.test", "time": time.Now().UTC(),
		"data": map[string]string{"webhook_id": wid},
	})
	msgID := "test_" + newID()[3:]
	res := o.send(ctx, &target{rec: rec, key: key}, msgID, body)
	if res.ok() {
		// The receiver is back: what waits for a retry goes now.
		if w := o.worker(wid); w != nil {
			w.wakeAll()
		}
	}
	return TestResult{
		OK: res.ok(), MessageID: msgID, StatusCode: res.code, Error: res.errText(),
		LatencyMS: float64(res.latency.Microseconds()) / 1000,
	}, nil
}
