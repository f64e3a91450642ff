package store

import (
	"context"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/nats-io/nats.go/jetstream"
)

// Compile-time check that SessionRegistry is what the session package needs.
var _ session.Registry = (*SessionRegistry)(nil)

// SessionRegistry implements session.Registry on the KV bucket "sessions":
// one JSON session.Record per session id.
type SessionRegistry struct {
	kv  *KV[storedRecord]
	now func() time.Time
}

// configVersion 2: a record's config holds only the overrides its client
// set. Records without a config_version were written by versions that
// stored every field with the defaults of the day baked in.
const configVersion = 2

// storedRecord is a session.Record as the bucket holds it.
type storedRecord struct {
	session.Record
	ConfigVersion int `json:"config_version,omitempty"`
}

// record returns the session record, reading an older config as overrides.
func (s storedRecord) record() session.Record {
	if s.ConfigVersion < configVersion {
		s.Config = session.OverridesFromV1(s.Config)
	}
	return s.Record
}

func stored(rec session.Record) storedRecord {
	return storedRecord{Record: rec, ConfigVersion: configVersion}
}

func openSessions(ctx context.Context, js jetstream.JetStream) (*SessionRegistry, error) {
	kv, err := OpenKV[storedRecord](ctx, js, BucketConfig{
		Bucket:      "sessions",
		Description: "easy-api session records, keyed by session id",
		Noun:        "session",
		Exists:      apperr.SessionExists,
	})
	if err != nil {
		return nil, err
	}
	return &SessionRegistry{kv: kv, now: func() time.Time { return time.Now().UTC() }}, nil
}

// List returns every record, sorted by id; none is an empty slice.
func (r *SessionRegistry) List(ctx context.Context) ([]session.Record, error) {
	entries, err := r.kv.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]session.Record, len(entries))
	for i, e := range entries {
		out[i] = e.Value.record()
	}
	return out, nil
}

// Get returns the record of id, or an error matching apperr.ErrNotFound.
func (r *SessionRegistry) Get(ctx context.Context, id string) (session.Record, error) {
	e, err := r.kv.Get(ctx, id)
	return e.Value.record(), err
}

// Create stores rec under rec.ID, or fails with an error matching
// apperr.ErrExists when that id has a record. A zero CreatedAt is set to now
// and a zero UpdatedAt to CreatedAt.
func (r *SessionRegistry) Create(ctx context.Context, rec session.Record) error {
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = r.now()
	}
	if rec.UpdatedAt.IsZero() {
		rec.UpdatedAt = rec.CreatedAt
	}
	_, err := r.kv.Create(ctx, rec.ID, stored(rec))
	return err
}

// Update applies fn to the record of id and stores the result with a
// compare-and-set on its revision, calling fn again on a fresh copy when
// another writer got in first (so fn may run more than once and must only
// change the record it is given). It sets UpdatedAt, keeps ID equal to id,
// and returns the stored record. A missing id is an error matching
// apperr.ErrNotFound; an error from fn is returned as is.
func (r *SessionRegistry) Update(ctx context.Context, id string, fn func(*session.Record) error) (session.Record, error) {
	e, err := r.kv.Update(ctx, id, func(s *storedRecord) error {
		rec := s.record()
		if err := fn(&rec); err != nil {
			return err
		}
		rec.ID = id
		rec.UpdatedAt = r.now()
		*s = stored(rec)
		return nil
	})
	return e.Value.record(), err
}

// Delete removes the record of id; a missing record is not an error.
func (r *SessionRegistry) Delete(ctx context.Context, id string) error {
	return r.kv.Delete(ctx, id)
}
