package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Storage faults (docs/operations.md, "Storage faults"). When the disk
// refuses a write (no space, quota, read-only file system) nats-server 2.15
// marks the stream with a sticky write error and from then on never answers
// a publish to it, not even after space returns, until the server restarts.
// The store turns that into a state: the first refused write trips a fault
// (one error line), writes fail at once with apperr.StorageFull, and a heal
// loop restarts the embedded server in process, first refusing every write
// at once, then, when a probe write to the disk succeeds again, normally.
// The store's connection reconnects by itself, so every KV handle, stream
// and consumer built on it carries on with no process restart.

// faultPatterns are the texts of nats-server and OS errors that mean the
// disk refuses writes. nats-server reports these as strings, not typed
// errors (it matches "no space left" itself).
var faultPatterns = []string{
	"no space left on device",
	"out of space",
	"disk quota exceeded",
	"read-only file system",
	"insufficient resources",
	"resource limits exceeded",
	"insufficient storage",
	"permission denied while writing",
}

// storageErrCodes are JetStream API error codes of a write refused for lack
// of storage: account limits, insufficient resources, storage exceeded.
var storageErrCodes = []jetstream.ErrorCode{10002, 10023, 10047}

// isStorageFault reports whether msg (a log line or an error's text) says
// that the disk refused a write.
func isStorageFault(msg string) bool {
	msg = strings.ToLower(msg)
	for _, p := range faultPatterns {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func isStorageErr(err error) bool {
	if err == nil {
		return false
	}
	if e, ok := errors.AsType[*jetstream.APIError](err); ok {
		for _, c := range storageErrCodes {
			if e.ErrorCode == c {
				return true
			}
		}
	}
	return isStorageFault(err.Error())
}

// errFault is the cancel cause of writes in flight when a fault trips.
var errFault = errors.New("store: storage fault")

// health is the store's write state. Its methods are safe for concurrent
// use; trip never blocks, because the server calls it through its logger
// with its own locks held.
type health struct {
	log  zerolog.Logger
	kick chan struct{} // one buffered signal to the heal loop: a fault tripped

	mu     sync.Mutex
	reason string    // why writes are refused; "" while writable
	since  time.Time // when the fault tripped
	ctx    context.Context
	cancel context.CancelCauseFunc // cancels ctx when a fault trips
}

func newHealth(log zerolog.Logger) *health {
	h := &health{log: log, kick: make(chan struct{}, 1)}
	h.ctx, h.cancel = context.WithCancelCause(context.Background())
	return h
}

// trip records a fault with its reason, unless one is already recorded, and
// wakes the heal loop. It logs once per fault, at error.
func (h *health) trip(reason string) {
	h.mu.Lock()
	if h.reason != "" {
		h.mu.Unlock()
		return
	}
	h.reason, h.since = reason, time.Now()
	h.cancel(errFault)
	h.mu.Unlock()
	h.log.Error().Str("reason", reason).
		Msg("store: the disk refuses writes; writes answer 507 storage_full until space returns (checked every second)")
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// clear records that writes work again.
func (h *health) clear() {
	h.mu.Lock()
	if h.reason == "" {
		h.mu.Unlock()
		return
	}
	d := time.Since(h.since)
	h.reason = ""
	h.ctx, h.cancel = context.WithCancelCause(context.Background())
	h.mu.Unlock()
	h.log.Info().Dur("after", d.Round(time.Millisecond)).Msg("store: the disk accepts writes again")
}

// state returns the fault's reason ("" when writable), its start, and the
// context canceled when the next fault trips.
func (h *health) state() (string, time.Time, context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reason, h.since, h.ctx
}

// writable returns nil, or the storage_full error of op while a fault lasts.
func (h *health) writable(op string) error {
	reason, since, _ := h.state()
	if reason == "" {
		return nil
	}
	return fullErr(op, reason, since)
}

// fullErr is the storage_full error of op ("" for no op).
func fullErr(op, reason string, since time.Time) error {
	detail := fmt.Sprintf("the store refuses writes since %s (%s); it recovers by itself when space returns",
		since.UTC().Format(time.RFC3339), reason)
	if op != "" {
		detail = op + ": " + detail
	}
	return &apperr.Error{Code: apperr.StorageFull, Detail: detail, Err: errFault}
}

// write runs fn, a write named op (e.g. `create session "alice"`), unless a
// fault lasts, and maps its failure: a write refused for lack of storage, or
// cut because a fault tripped meanwhile, is an *apperr.Error of code
// StorageFull saying what failed; any other error is returned as is. A
// write in flight when a fault trips is canceled, so that it does not wait
// for an answer the server will never send.
func (h *health) write(ctx context.Context, op string, fn func(context.Context) error) error {
	if h == nil {
		return fn(ctx)
	}
	reason, since, fctx := h.state()
	if reason != "" {
		return fullErr(op, reason, since)
	}
	wctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(fctx, func() { cancel(errFault) })
	err := fn(wctx)
	stop()
	cancel(nil)
	if err == nil {
		return nil
	}
	if isStorageErr(err) {
		h.trip(err.Error())
	}
	if reason, since, _ := h.state(); reason != "" && (errors.Is(context.Cause(wctx), errFault) || isStorageErr(err) ||
		errors.Is(err, context.DeadlineExceeded)) {
		return fullErr(op, reason, since)
	}
	return err
}

// guardedJS is the store's JetStream with its write guard attached, so that
// OpenKV and the events bus find it without more wiring.
type guardedJS struct {
	jetstream.JetStream
	h *health
}

// Write runs fn, a write named op, through the store's write guard (see
// health.write).
func (g guardedJS) Write(ctx context.Context, op string, fn func(context.Context) error) error {
	return g.h.write(ctx, op, fn)
}

// guardOf returns the write guard of a JetStream from Store.JetStream, or
// nil (writes unguarded) for any other.
func guardOf(js jetstream.JetStream) *health {
	if g, ok := js.(guardedJS); ok {
		return g.h
	}
	return nil
}
