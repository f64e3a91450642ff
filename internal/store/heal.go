package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// probeInterval is how often a faulted store checks whether the disk
	// takes writes again.
	probeInterval = 500 * time.Millisecond
	// maxHealWait bounds the wait between heal attempts that restarted the
	// server in vain.
	maxHealWait = 10 * time.Second
	// probeBytes is written (and fsynced, then removed) by each disk probe:
	// a block of JetStream's size class, so that a disk with only a few
	// bytes free does not count as healed.
	probeBytes = 1 << 20
	// probeTimeout bounds a probe publish and a server restart.
	probeTimeout = 5 * time.Second

	healthStream  = "STORE_HEALTH"
	healthSubject = "_store.health"
)

// openHealthStream creates the one-message stream the heal loop writes to
// before it declares the store writable: it proves the whole write path, not
// only the file system.
func openHealthStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        healthStream,
		Description: "easy-api store write probe (one message)",
		Subjects:    []string{healthSubject},
		Storage:     jetstream.FileStorage,
		MaxMsgs:     1,
		Discard:     jetstream.DiscardOld,
	})
	if err != nil {
		return fmt.Errorf("store: create %s stream: %w", healthStream, err)
	}
	return nil
}

// heal runs until Close: on each fault it restarts the server refusing
// writes, then probes the disk every probeInterval and, once a probe
// succeeds, restarts the server normally and clears the fault after a
// probe publish succeeds.
func (s *Store) heal() {
	defer close(s.healDone)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-s.stopHeal; cancel() }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.health.kick:
		}
		s.refuse(ctx)
		wait := probeInterval
		for {
			healed, restarted := s.tryHeal(ctx)
			if healed {
				break
			}
			// A disk that takes the probe file but a server that still
			// refuses (its own limit reached) is retried less often: each
			// try restarts the server twice.
			if restarted {
				wait = min(wait*2, maxHealWait)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// refuse restarts the server so that it answers every write at once.
func (s *Store) refuse(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := s.restartServer(rctx, true); err != nil && ctx.Err() == nil {
		s.cfg.Log.Error().Err(err).Msg("store: restart refusing writes")
	}
}

// tryHeal reports whether the store takes writes again, and whether it
// restarted the server to find out (it does once the disk takes a probe).
func (s *Store) tryHeal(ctx context.Context) (healed, restarted bool) {
	if err := probeDisk(s.cfg.Dir); err != nil {
		return false, false
	}
	rctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := s.restartServer(rctx, false); err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Warn().Err(err).Msg("store: restart after the disk recovered")
		}
		return false, true
	}
	if _, err := s.js.Publish(rctx, healthSubject, []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
		s.cfg.Log.Debug().Err(err).Msg("store: probe write still refused")
		s.refuse(ctx)
		return false, true
	}
	s.health.clear()
	return true, true
}

// probeDisk writes, syncs and removes probeBytes in dir.
func probeDisk(dir string) (err error) {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, f.Close(), os.Remove(f.Name()))
	}()
	if _, err := f.Write(make([]byte, probeBytes)); err != nil {
		return err
	}
	return f.Sync()
}
