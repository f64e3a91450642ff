package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/nats-io/nats.go/jetstream"
)

// Create validates in (URL required), stores a new enabled webhook that
// receives every matching event stored from now on, starts its consumer and
// returns it with its secret (the caller's, or a generated one). The secret
// is never returned again.
func (o *Outbox) Create(ctx context.Context, in Input) (Webhook, error) {
	return o.create(ctx, newID(), in)
}

// create is Create under id. When id has a webhook already, it fails with
// an error matching jetstream.ErrKeyExists.
func (o *Outbox) create(ctx context.Context, id string, in Input) (Webhook, error) {
	if in.URL == nil {
		return Webhook{}, apperr.Field("url", "required")
	}
	now := time.Now().UTC()
	rec := &record{ID: id, Enabled: true, CreatedAt: now, UpdatedAt: now,
		Restricted: events.ScopeFromContext(ctx) != nil}
	if err := in.apply(rec); err != nil {
		return Webhook{}, err
	}
	if err := rec.checkEgress(); err != nil {
		return Webhook{}, err
	}
	if rec.Secret == "" {
		rec.Secret = NewSecret()
	}
	info, err := o.bus.Stream().Info(ctx)
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook: stream info: %w", err)
	}
	rec.StartSeq = info.State.LastSeq + 1
	data, err := json.Marshal(rec)
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook: encode: %w", err)
	}
	if _, err := o.kv.Create(ctx, rec.ID, data); err != nil {
		return Webhook{}, fmt.Errorf("webhook: create %s: %w", rec.ID, err)
	}
	// The watcher would do this too; doing it here reports failures to
	// the caller and makes the webhook live before we answer.
	if err := o.apply(ctx, rec); err != nil {
		return Webhook{}, err
	}
	v := rec.view(o.cfg.Retry)
	v.Secret = rec.Secret
	return v, nil
}

// Get returns one webhook, or apperr NotFound.
func (o *Outbox) Get(ctx context.Context, id string) (Webhook, error) {
	rec, _, err := o.get(ctx, id)
	if err != nil {
		return Webhook{}, err
	}
	return rec.view(o.cfg.Retry), nil
}

// List returns every webhook, oldest first.
func (o *Outbox) List(ctx context.Context) ([]Webhook, error) {
	lister, err := o.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("webhook: list: %w", err)
	}
	defer func() { _ = lister.Stop() }()
	out := []Webhook{}
	for key := range lister.Keys() {
		rec, _, err := o.get(ctx, key)
		if errors.Is(err, apperr.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec.view(o.cfg.Retry))
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Update applies the present fields of in to webhook id. Enabling a webhook
// (re-enabling a disabled one, or enabled: true on an enabled one) resumes
// delivery where it stopped and attempts what waits for a retry now.
func (o *Outbox) Update(ctx context.Context, id string, in Input) (Webhook, error) {
	rec, err := o.update(ctx, id, func(r *record) error {
		if err := in.apply(r); err != nil {
			return err
		}
		if events.ScopeFromContext(ctx) != nil {
			r.Restricted = true
		}
		if err := r.checkEgress(); err != nil {
			return err
		}
		r.UpdatedAt = time.Now().UTC()
		return nil
	})
	if err != nil {
		return Webhook{}, err
	}
	if err := o.apply(ctx, rec); err != nil {
		return Webhook{}, err
	}
	if in.Enabled != nil && *in.Enabled {
		// Enabling says the receiver is ready: retries go now.
		if w := o.worker(id); w != nil {
			w.wakeAll()
		}
	}
	return rec.view(o.cfg.Retry), nil
}

// Delete removes webhook id with its consumer, log and dead letters.
func (o *Outbox) Delete(ctx context.Context, id string) error {
	if _, _, err := o.get(ctx, id); err != nil {
		return err
	}
	o.stopWorker(id)
	if err := o.js.DeleteConsumer(ctx, events.StreamName, id); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("webhook: delete consumer %s: %w", id, err)
	}
	if err := o.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("webhook: delete %s: %w", id, err)
	}
	o.purge(ctx, LogStream, logSubject+id)
	o.purge(ctx, "KV_"+DeadLetterBucket, "$KV."+DeadLetterBucket+"."+id+".>")
	return nil
}

func (o *Outbox) purge(ctx context.Context, stream, subject string) {
	s, err := o.js.Stream(ctx, stream)
	if err == nil {
		err = s.Purge(ctx, jetstream.WithPurgeSubject(subject))
	}
	if err != nil {
		o.cfg.Log.Warn().Err(err).Str("subject", subject).Msg("webhook: purge")
	}
}

// EnsureGlobal makes sure a webhook for every one of urls exists (for
// --webhook), matching by URL so it is idempotent across restarts. New
// ones receive all sessions and types, signed with secret (generated when
// empty). It returns the webhooks it created, with their secrets.
//
// Nodes of a cluster starting at once all call it: a new global webhook's
// id is derived from its URL (globalID) and created only if absent, so
// exactly one node creates it and the others find it.
func (o *Outbox) EnsureGlobal(ctx context.Context, urls []string, secret string) ([]Webhook, error) {
	existing, err := o.List(ctx)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, w := range existing {
		have[w.URL] = true
	}
	var created []Webhook
	for _, u := range urls {
		norm, err := checkURL(u)
		if err != nil {
			return created, err
		}
		if have[norm] {
			continue
		}
		in := Input{URL: &norm}
		if secret != "" {
			in.Secret = &secret
		}
		w, err := o.create(ctx, globalID(norm), in)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // another node created it meanwhile
		}
		if err != nil {
			return created, err
		}
		have[norm] = true
		created = append(created, w)
	}
	return created, nil
}
