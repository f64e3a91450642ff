// Package apikey holds easy-api's scoped API keys: the admin creates them for a
// list of session ids, the server keeps only their SHA-256 hashes in the
// store's "keys" bucket, and each request's key resolves to a Principal that
// says which sessions it may see.
//
// A key is "eak_<id>_<secret>": the id names the stored record (so a lookup
// is one KV read) and the secret is 32 random bytes. Hashes are compared in
// constant time. SHA-256 without a salt or stretching is enough because the
// secrets are random and long, not chosen by people.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

// Limits of a key's definition.
const (
	MaxSessions = 100
	MaxNameLen  = 100
)

const (
	bucket    = "keys"
	keyPrefix = "eak_"
	idPrefix  = "key_"
	idLen     = 16 // base32 characters of 10 random bytes
)

// Key is a scoped API key as it is listed: never its secret.
type Key struct {
	ID        string    `json:"id" example:"key_m5xq2c7rjz4w8k3a"`
	Name      string    `json:"name" example:"alice's CRM"`
	Sessions  []string  `json:"sessions" example:"alice"`
	CreatedAt time.Time `json:"created_at" example:"2026-11-26T06:00:00Z"`
} // @name APIKey

// CreatedKey is a key just created: the Key and its secret, shown only in
// the answer to the create request.
type CreatedKey struct {
	ID        string    `json:"id" example:"key_m5xq2c7rjz4w8k3a"`
	Key       string    `json:"key" example:"eak_m5xq2c7rjz4w8k3a_4Jk0cV1l0Qw2mP9sX3bT7yZ5nR8uE6aD1fG2hJ3kL4m"`
	Name      string    `json:"name" example:"alice's CRM"`
	Sessions  []string  `json:"sessions" example:"alice"`
	CreatedAt time.Time `json:"created_at" example:"2026-11-26T06:00:00Z"`
} // @name CreatedAPIKey

// record is what the bucket stores per key.
type record struct {
	Key
	Hash string `json:"hash"` // hex SHA-256 of the whole key string
}

// Principal is who a request acts as: the admin (every session, key
// management) or a scoped key (only its sessions).
type Principal struct {
	Admin    bool
	KeyID    string
	Sessions []string
}

// Allows reports whether p may see session id.
func (p Principal) Allows(id string) bool {
	return p.Admin || slices.Contains(p.Sessions, id)
}

// ErrUnknownKey is returned by Lookup for a key that is malformed, was
// never issued or was revoked. It is an apperr Unauthorized.
var ErrUnknownKey = &apperr.Error{Code: apperr.Unauthorized, Detail: "unknown or revoked API key"}

// Keys is the store of scoped keys.
type Keys struct {
	kv  *store.KV[record]
	now func() time.Time
	pub Publisher
}

// Publisher stores an event (events.Bus): Delete announces each revocation
// with one, so that every node ends the key's open streams at once.
type Publisher interface {
	Publish(ctx context.Context, session, typ string, data any) error
}

// Option configures Open.
type Option func(*Keys)

// WithRevocations makes Delete publish a key.revoked event (of no session)
// on pub for every key it revokes.
func WithRevocations(pub Publisher) Option { return func(k *Keys) { k.pub = pub } }

// Open opens (creating when missing) the keys bucket.
func Open(ctx context.Context, js jetstream.JetStream, opts ...Option) (*Keys, error) {
	kv, err := store.OpenKV[record](ctx, js, store.BucketConfig{Bucket: bucket,
		Description: "easy-api scoped API keys (hashes only)", Noun: "key"})
	if err != nil {
		return nil, err
	}
	k := &Keys{kv: kv, now: time.Now}
	for _, o := range opts {
		o(k)
	}
	return k, nil
}

// Create issues a key for sessions (1 to MaxSessions valid session ids,
// deduplicated) with an optional name, stores its hash and returns it with
// its secret. Invalid input is an apperr Invalid naming the field.
func (k *Keys) Create(ctx context.Context, name string, sessions []string) (CreatedKey, error) {
	sessions, err := validate(name, sessions)
	if err != nil {
		return CreatedKey{}, err
	}
	id, secret, err := newKey()
	if err != nil {
		return CreatedKey{}, err
	}
	rec := record{Key: Key{ID: id, Name: name, Sessions: sessions, CreatedAt: k.now().UTC().Truncate(time.Millisecond)}, Hash: hash(secret)}
	if _, err := k.kv.Create(ctx, id, rec); err != nil {
		return CreatedKey{}, fmt.Errorf("apikey: create key: %w", err)
	}
	return CreatedKey{ID: id, Key: secret, Name: name, Sessions: sessions, CreatedAt: rec.CreatedAt}, nil
}

// List returns every key, oldest first, without secrets.
func (k *Keys) List(ctx context.Context) ([]Key, error) {
	entries, err := k.kv.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("apikey: list keys: %w", err)
	}
	out := make([]Key, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Value.Key)
	}
	slices.SortFunc(out, func(a, b Key) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Delete revokes key id at once: the next request with it fails, and (with
// WithRevocations) the streams it opened end when the key.revoked event is
// fanned out; without it, or if that publish fails, they end at their next
// heartbeat. An unknown id is an apperr NotFound.
func (k *Keys) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return apperr.E(apperr.NotFound, "key %q not found", truncate(id, 40))
	}
	if _, err := k.kv.Get(ctx, id); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return apperr.E(apperr.NotFound, "key %q not found", id)
		}
		return err
	}
	if err := k.kv.Delete(ctx, id); err != nil {
		return err
	}
	if k.pub != nil {
		// The key is gone already; a failed announcement only delays
		// the end of its streams to their heartbeat check.
		_ = k.pub.Publish(ctx, events.Global, events.KeyRevoked, events.KeyRevokedData{KeyID: id})
	}
	return nil
}

// Lookup returns the scoped key whose secret is key, or ErrUnknownKey.
func (k *Keys) Lookup(ctx context.Context, key string) (Key, error) {
	id, ok := parse(key)
	if !ok {
		return Key{}, ErrUnknownKey
	}
	e, err := k.kv.Get(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return Key{}, ErrUnknownKey
	}
	if err != nil {
		return Key{}, fmt.Errorf("apikey: lookup key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hash(key)), []byte(e.Value.Hash)) != 1 {
		return Key{}, ErrUnknownKey
	}
	return e.Value.Key, nil
}

// Match reports whether presented equals want, in time that depends on
// neither (both are hashed first, so even their lengths do not leak).
func Match(presented, want string) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newKey returns a fresh key id and the key string that embeds it.
func newKey() (id, key string, err error) {
	var b [10 + 32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("apikey: random: %w", err)
	}
	suffix := idEncoding.EncodeToString(b[:10])
	return idPrefix + suffix, keyPrefix + suffix + "_" + base64.RawURLEncoding.EncodeToString(b[10:]), nil
}

// parse returns the id a key string names, if it has the key's shape.
func parse(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	if !ok || len(rest) != idLen+1+43 || rest[idLen] != '_' {
		return "", false
	}
	id := idPrefix + rest[:idLen]
	return id, validID(id)
}

// validID reports whether id has the shape of a key id.
func validID(id string) bool {
	suffix, ok := strings.CutPrefix(id, idPrefix)
	if !ok || len(suffix) != idLen {
		return false
	}
	_, err := idEncoding.DecodeString(suffix)
	return err == nil
}

// validate checks a key's definition and returns its sessions deduplicated.
func validate(name string, sessions []string) ([]string, error) {
	if len(name) > MaxNameLen {
		return nil, apperr.Field("name", "at most %d bytes", MaxNameLen)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return nil, apperr.Field("name", "must be printable text")
		}
	}
	if len(sessions) == 0 {
		return nil, apperr.Field("sessions", "at least one session id")
	}
	if len(sessions) > MaxSessions {
		return nil, apperr.Field("sessions", "at most %d session ids", MaxSessions)
	}
	out := make([]string, 0, len(sessions))
	for _, id := range sessions {
		if err := session.ValidateID(id); err != nil {
			return nil, &apperr.Error{Code: apperr.InvalidID, Field: "sessions",
				Detail: fmt.Sprintf("sessions: %q is not a valid session id", truncate(id, 80))}
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
