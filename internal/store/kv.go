package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/nats-io/nats.go/jetstream"
)

// maxUpdateAttempts bounds the compare-and-set loop of KV.Update. Each lost
// round means another writer won, so only a storm of writers on one key
// reaches it.
const maxUpdateAttempts = 100

// BucketConfig describes a KV bucket opened by OpenKV.
type BucketConfig struct {
	// Bucket is the bucket's name, e.g. "webhooks".
	Bucket string
	// Description is stored with the bucket, for `nats kv ls`-style tools.
	Description string
	// Noun names one value in error details: "session", "webhook", "key".
	Noun string
	// Exists is the apperr code of a Create on a key that exists; zero means
	// apperr.Conflict.
	Exists apperr.Code
}

// KV is a bucket of JSON-encoded values of type T, keyed by strings that are
// valid NATS KV keys (letters, digits, '-', '_', '=', '.'; callers validate
// client input before it gets here). Writes of one key are ordered and
// conditional writes use the entry's revision, so KV stays correct when many
// goroutines, or later many nodes, write the same key.
//
// Errors match apperr.ErrNotFound for a missing key, an *apperr.Error of the
// bucket's Exists code for Create on a present key, and apperr Invalid for a
// key NATS rejects; other errors are the store's and wrap its cause.
type KV[T any] struct {
	kv     jetstream.KeyValue
	guard  *health // nil unless js came from Store.JetStream
	noun   string
	exists apperr.Code
}

// Entry is one value of a KV with its key and revision. Revision increases
// with every write to the bucket and is what compare-and-set compares.
type Entry[T any] struct {
	Key      string
	Value    T
	Revision uint64
}

// OpenKV creates the bucket described by cfg, or updates its settings when
// it exists (keeping its data), and returns a typed handle to it. The bucket
// keeps only the latest value of each key on disk. On a JetStream from
// Store.JetStream, a write refused for lack of storage (and every write while
// that lasts, at once) fails with an *apperr.Error of code StorageFull.
func OpenKV[T any](ctx context.Context, js jetstream.JetStream, cfg BucketConfig) (*KV[T], error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      cfg.Bucket,
		Description: cfg.Description,
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open bucket %s: %w", cfg.Bucket, err)
	}
	exists := cfg.Exists
	if exists == "" {
		exists = apperr.Conflict
	}
	noun := cfg.Noun
	if noun == "" {
		noun = "entry"
	}
	return &KV[T]{kv: kv, guard: guardOf(js), noun: noun, exists: exists}, nil
}

// Get returns the value at key, or an error matching apperr.ErrNotFound.
func (b *KV[T]) Get(ctx context.Context, key string) (Entry[T], error) {
	e, err := b.kv.Get(ctx, key)
	if err != nil {
		return Entry[T]{}, b.err(err, "get", key)
	}
	return b.decode(e)
}

// Create stores v at key if the key has no value (never written, or
// deleted) and returns the new revision. When the key has a value it fails
// with an *apperr.Error of the bucket's Exists code.
func (b *KV[T]) Create(ctx context.Context, key string, v T) (uint64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("store: encode %s %q: %w", b.noun, key, err)
	}
	var rev uint64
	err = b.write(ctx, "create", key, func(ctx context.Context) (err error) {
		rev, err = b.kv.Create(ctx, key, data)
		return err
	})
	if err != nil {
		return 0, b.err(err, "create", key)
	}
	return rev, nil
}

// Put stores v at key whatever is there and returns the new revision. Prefer
// Update when the new value depends on the old one.
func (b *KV[T]) Put(ctx context.Context, key string, v T) (uint64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("store: encode %s %q: %w", b.noun, key, err)
	}
	var rev uint64
	err = b.write(ctx, "put", key, func(ctx context.Context) (err error) {
		rev, err = b.kv.Put(ctx, key, data)
		return err
	})
	if err != nil {
		return 0, b.err(err, "put", key)
	}
	return rev, nil
}

// Update reads the value at key, applies fn to it and writes the result only
// if the key was not written in between (compare-and-set on the revision).
// On a conflict it reads again and calls fn again, so fn must be a pure
// function of its argument that may run several times. An error from fn
// stops Update and is returned as is, with nothing written. A missing key is
// an error matching apperr.ErrNotFound; after 100 lost rounds Update gives up
// with apperr.Conflict.
func (b *KV[T]) Update(ctx context.Context, key string, fn func(*T) error) (Entry[T], error) {
	for attempt := range maxUpdateAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return Entry[T]{}, fmt.Errorf("store: update %s %q: %w", b.noun, key, err)
			}
		}
		cur, err := b.Get(ctx, key)
		if err != nil {
			return Entry[T]{}, err
		}
		if err := fn(&cur.Value); err != nil {
			return Entry[T]{}, err
		}
		data, err := json.Marshal(cur.Value)
		if err != nil {
			return Entry[T]{}, fmt.Errorf("store: encode %s %q: %w", b.noun, key, err)
		}
		var rev uint64
		err = b.write(ctx, "update", key, func(ctx context.Context) (err error) {
			rev, err = b.kv.Update(ctx, key, data, cur.Revision)
			return err
		})
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return Entry[T]{}, b.err(err, "update", key)
		}
		cur.Revision = rev
		return cur, nil
	}
	return Entry[T]{}, apperr.E(apperr.Conflict, "%s %q: too many concurrent updates", b.noun, key)
}

// Delete removes the value at key. Deleting a missing key is not an error.
func (b *KV[T]) Delete(ctx context.Context, key string) error {
	if err := b.write(ctx, "delete", key, func(ctx context.Context) error { return b.kv.Delete(ctx, key) }); err != nil {
		return b.err(err, "delete", key)
	}
	return nil
}

// List returns every value in the bucket, sorted by key; an empty bucket
// gives an empty, non-nil slice. It reads the bucket in one pass (an ordered
// consumer over the last value of each key) rather than one Get per key.
func (b *KV[T]) List(ctx context.Context) ([]Entry[T], error) {
	w, err := b.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", b.kv.Bucket(), err)
	}
	defer w.Stop()

	// An ordered consumer may redeliver after a reset; keep the newest.
	latest := map[string]Entry[T]{}
	for {
		var e jetstream.KeyValueEntry
		var ok bool
		select {
		case e, ok = <-w.Updates():
		case <-ctx.Done():
			return nil, fmt.Errorf("store: list %s: %w", b.kv.Bucket(), ctx.Err())
		}
		if !ok {
			return nil, fmt.Errorf("store: list %s: watcher closed", b.kv.Bucket())
		}
		if e == nil { // all current values delivered
			break
		}
		d, err := b.decode(e)
		if err != nil {
			return nil, err
		}
		if old, seen := latest[d.Key]; !seen || d.Revision > old.Revision {
			latest[d.Key] = d
		}
	}

	out := make([]Entry[T], 0, len(latest))
	for _, e := range latest {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (b *KV[T]) decode(e jetstream.KeyValueEntry) (Entry[T], error) {
	out := Entry[T]{Key: e.Key(), Revision: e.Revision()}
	if err := json.Unmarshal(e.Value(), &out.Value); err != nil {
		return Entry[T]{}, fmt.Errorf("store: decode %s %q (revision %d): %w", b.noun, e.Key(), e.Revision(), err)
	}
	return out, nil
}

// write runs fn, a write op on key, through the store's write guard.
func (b *KV[T]) write(ctx context.Context, op, key string, fn func(context.Context) error) error {
	return b.guard.write(ctx, fmt.Sprintf("%s %s %q", op, b.noun, key), fn)
}

// err maps a jetstream error on key to the apperr vocabulary, keeping the
// cause for the log.
func (b *KV[T]) err(err error, op, key string) error {
	switch {
	case apperr.CodeOf(err) == apperr.StorageFull:
		return err
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return apperr.Wrap(err, apperr.NotFound, "%s %q not found", b.noun, key)
	case op == "create" && errors.Is(err, jetstream.ErrKeyExists):
		return apperr.Wrap(err, b.exists, "%s %q already exists", b.noun, key)
	case errors.Is(err, jetstream.ErrInvalidKey):
		return apperr.Wrap(err, apperr.Invalid, "%s %q is not a valid key", b.noun, key)
	}
	return fmt.Errorf("store: %s %s %q: %w", op, b.noun, key, err)
}

// backoff sleeps a short random while before retry attempt (≥1) so that
// writers that collided do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
