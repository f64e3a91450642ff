package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/egress"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Names of the JetStream objects the outbox owns.
const (
	Bucket           = "webhooks"
	DeadLetterBucket = "webhook_deadletters"
	LogStream        = "WEBHOOK_DELIVERIES"
	logSubject       = "deliveries."
)

// Config configures New. Zero fields take the defaults documented on each.
type Config struct {
	// Bus is the event log: its stream feeds the consumers and it carries
	// webhook.disabled events.
	Bus *events.Bus
	// Timeout bounds one delivery request. Default 10 s.
	Timeout time.Duration
	// Retry is the retry schedule of webhooks that set none (and fills
	// the fields a webhook's own schedule leaves out). Zero fields take
	// the defaults of Retry: exponential from 1 s, capped at 1 min,
	// attempts spanning 24 h.
	Retry Retry
	// MaxRetryAfter caps a receiver's Retry-After. Default 1 h.
	MaxRetryAfter time.Duration
	// DisableAfter disables a webhook whose deliveries have all failed for
	// this long. Default 24 h.
	DisableAfter time.Duration
	// LogSize is how many delivery attempts are kept per webhook. Default 200.
	LogSize int64
	// DeadLetterTTL is how long dead letters are kept. Default 30 days.
	DeadLetterTTL time.Duration
	// ShutdownTimeout bounds how long Close waits for in-flight deliveries
	// before cancelling them. Default 5 s.
	ShutdownTimeout time.Duration
	// Transport sends the requests of admin webhooks. Default a dedicated
	// http.Transport.
	Transport http.RoundTripper
	// Guarded sends the requests of restricted webhooks (scoped keys): it
	// must refuse internal addresses at dial time. Default
	// egress.New(egress.Config{}).Transport(); the server passes the one
	// guarded transport it shares with media URL fetches.
	Guarded http.RoundTripper
	// Observe, when set, is told the result (delivered, retrying, dead)
	// and latency of every delivery attempt (metrics).
	Observe func(result string, latency time.Duration)
	Log     zerolog.Logger
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	c.Retry = c.Retry.resolved()
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = time.Hour
	}
	if c.DisableAfter <= 0 {
		c.DisableAfter = 24 * time.Hour
	}
	if c.LogSize <= 0 {
		c.LogSize = 200
	}
	if c.DeadLetterTTL <= 0 {
		c.DeadLetterTTL = 30 * 24 * time.Hour
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 5 * time.Second
	}
}

// Outbox runs the webhooks: their records, consumers, delivery workers,
// deliveries log and dead letters. Its methods are safe for concurrent use.
//
// Workers follow the "webhooks" bucket through a KV watcher, so a webhook
// written by any node (or before a restart) is served.
type Outbox struct {
	cfg     Config
	bus     *events.Bus
	js      jetstream.JetStream
	kv      jetstream.KeyValue
	dead    jetstream.KeyValue
	client  *http.Client // deliveries of admin webhooks
	guarded *http.Client // deliveries of restricted webhooks (scoped keys): no internal addresses

	// hardCtx ends in-flight deliveries at the end of the shutdown grace.
	hardCtx    context.Context
	hardCancel context.CancelFunc
	watchStop  context.CancelFunc
	watchDone  chan struct{}

	applyMu sync.Mutex // serialises apply: the watcher and the handlers
	mu      sync.Mutex
	workers map[string]*worker
	closed  bool
}

// New opens the webhook buckets and deliveries log, starts a worker for
// every enabled webhook and keeps following changes until Close.
func New(ctx context.Context, cfg Config) (*Outbox, error) {
	if cfg.Bus == nil {
		return nil, errors.New("webhook: Config.Bus is nil")
	}
	cfg.defaults()
	js := cfg.Bus.JetStream()
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "easy-api webhooks", History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: open bucket %s: %w", Bucket, err)
	}
	dead, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: DeadLetterBucket, Description: "easy-api webhook dead letters: <webhook>.<event id>",
		History: 1, TTL: cfg.DeadLetterTTL, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: open bucket %s: %w", DeadLetterBucket, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: LogStream, Description: "easy-api webhook delivery attempts, per webhook",
		Subjects: []string{logSubject + ">"}, Storage: jetstream.FileStorage,
		MaxMsgsPerSubject: cfg.LogSize, MaxAge: cfg.DeadLetterTTL, Discard: jetstream.DiscardOld,
	}); err != nil {
		return nil, fmt.Errorf("webhook: create stream %s: %w", LogStream, err)
	}
	transport, guarded := cfg.Transport, cfg.Guarded
	if transport == nil {
		transport = &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: cfg.Timeout, ResponseHeaderTimeout: cfg.Timeout,
		}
	}
	if guarded == nil {
		guarded = egress.New(egress.Config{}).Transport()
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o := &Outbox{
		cfg: cfg, bus: cfg.Bus, js: js, kv: kv, dead: dead,
		client: &http.Client{
			Transport: transport,
			Timeout:   cfg.Timeout,
			// A redirect is a failed delivery: the receiver must give
			// the final URL (following would resend the body elsewhere).
			CheckRedirect: noRedirect,
		},
		guarded:   &http.Client{Transport: guarded, Timeout: cfg.Timeout, CheckRedirect: noRedirect},
		workers:   map[string]*worker{},
		watchDone: make(chan struct{}),
	}
	o.hardCtx, o.hardCancel = context.WithCancel(context.Background())
	if err := o.startWatch(ctx); err != nil {
		o.hardCancel()
		return nil, err
	}
	return o, nil
}

// Close stops following the bucket and stops every worker, letting
// in-flight deliveries finish for up to ShutdownTimeout (or until ctx ends)
// before cancelling them. It is safe to call more than once.
func (o *Outbox) Close(ctx context.Context) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	o.closed = true
	o.mu.Unlock()
	o.watchStop()
	<-o.watchDone

	grace := o.cfg.ShutdownTimeout
	if dl, ok := ctx.Deadline(); ok {
		grace = min(grace, time.Until(dl))
	}
	o.mu.Lock()
	ws := o.workers
	o.workers = map[string]*worker{}
	o.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() { w.stop(grace) })
	}
	wg.Wait()
	o.hardCancel()
	if o.cfg.Transport == nil {
		o.client.CloseIdleConnections()
	}
	if o.cfg.Guarded == nil {
		o.guarded.CloseIdleConnections()
	}
}

// get returns a stored record and its KV revision.
func (o *Outbox) get(ctx context.Context, id string) (*record, uint64, error) {
	e, err := o.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return nil, 0, apperr.E(apperr.NotFound, "webhook %q not found", id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("webhook: get %s: %w", id, err)
	}
	var rec record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return nil, 0, fmt.Errorf("webhook: decode %s: %w", id, err)
	}
	return &rec, e.Revision(), nil
}

// update applies fn to the stored record with compare-and-set, retrying
// when another writer won.
func (o *Outbox) update(ctx context.Context, id string, fn func(*record) error) (*record, error) {
	for range 50 {
		rec, rev, err := o.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(rec); err != nil {
			return nil, err
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("webhook: encode %s: %w", id, err)
		}
		_, err = o.kv.Update(ctx, id, data, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("webhook: update %s: %w", id, err)
		}
		return rec, nil
	}
	return nil, apperr.E(apperr.Conflict, "webhook %q: too many concurrent updates", id)
}
