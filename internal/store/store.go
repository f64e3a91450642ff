// Package store is easy-api's persistence: a NATS server with JetStream
// embedded in the process (no network listener) and the KV buckets built on
// it (DESIGN §2, §9). Everything that outlives a request lives here, so that
// the same code keeps working when several nodes later form a NATS cluster
// (DESIGN §11).
//
// Open starts the server and connects to it in process; Close drains the
// connection and shuts the server down. Other adapters (the events package)
// add their streams and consumers on the same server through JetStream and
// Conn.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Sync policies for Config.Sync.
const (
	// SyncDefault lets JetStream flush to disk on its own schedule: writes
	// survive a process crash (SIGKILL), not necessarily a power loss.
	SyncDefault = "default"
	// SyncAlways fsyncs every write, for power-loss safety at a throughput
	// cost.
	SyncAlways = "always"
)

// ErrLocked means another server (process or Store) has the store directory
// open. Compare with errors.Is.
var ErrLocked = errors.New("store directory locked")

// Timeouts of the server's lifecycle. A ctx deadline passed to Open that is
// shorter than readyTimeout wins.
const (
	readyTimeout = 10 * time.Second
	drainTimeout = 5 * time.Second
)

// Config configures Open.
type Config struct {
	// Dir holds JetStream's files: <session data path>/easy-api-store. It is
	// created (0700) when missing.
	Dir string
	// Sync is SyncDefault ("" means the same) or SyncAlways.
	Sync string
	// Log receives the server's messages: notices at debug, warnings and
	// errors at their own level. The zero Logger discards them.
	Log zerolog.Logger
}

// Store is a running embedded NATS server with JetStream and the client
// connection to it. Its methods are safe for concurrent use.
type Store struct {
	srv      *server.Server
	nc       *nats.Conn
	js       jetstream.JetStream
	sessions *SessionRegistry
	lock     *os.File // flock on Dir, held until Close

	closed    chan struct{} // closed by the connection's ClosedHandler
	closeOnce sync.Once
	closeErr  error
}

// Open starts the embedded server on cfg.Dir, connects to it in process and
// opens the sessions bucket. It holds an exclusive lock on cfg.Dir until
// Close, so a second server on the same directory fails with an error
// matching ErrLocked. It returns once JetStream answers, or an error
// when ctx ends or the server is not ready within 10 s. On error nothing is
// left running.
func Open(ctx context.Context, cfg Config) (_ *Store, err error) {
	always, err := syncAlways(cfg.Sync)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if cfg.Dir == "" {
		return nil, errors.New("store: Config.Dir is empty")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create dir: %w", err)
	}

	s := &Store{closed: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if s.lock, err = lockDir(cfg.Dir); err != nil {
		return nil, err
	}

	s.srv, err = server.NewServer(&server.Options{
		ServerName: "easy-api",
		DontListen: true,
		JetStream:  true,
		StoreDir:   cfg.Dir,
		SyncAlways: always,
		NoSigs:     true, // main owns signal handling
		NoLog:      true, // replaced by SetLoggerV2 below
	})
	if err != nil {
		return nil, fmt.Errorf("store: new server: %w", err)
	}
	s.srv.SetLoggerV2(serverLogger{cfg.Log}, cfg.Log.GetLevel() <= zerolog.TraceLevel, false, false)
	s.srv.Start()
	if !s.srv.ReadyForConnections(waitFor(ctx, readyTimeout)) {
		return nil, fmt.Errorf("store: server not ready in time (dir %s)", cfg.Dir)
	}

	s.nc, err = nats.Connect("",
		nats.InProcessServer(s.srv),
		nats.Name("easy-api"),
		nats.ClosedHandler(func(*nats.Conn) { close(s.closed) }),
	)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s.js, err = jetstream.New(s.nc)
	if err != nil {
		return nil, fmt.Errorf("store: jetstream: %w", err)
	}
	s.sessions, err = openSessions(ctx, s.js)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// JetStream returns the JetStream context of the store's connection, for
// packages that add their own streams, consumers and buckets.
func (s *Store) JetStream() jetstream.JetStream { return s.js }

// Conn returns the store's in-process NATS connection. Callers must not
// close it; Close does.
func (s *Store) Conn() *nats.Conn { return s.nc }

// Ready reports whether the embedded server and the connection to it are up.
func (s *Store) Ready() error {
	if s.nc == nil || !s.nc.IsConnected() {
		return errors.New("store: not connected")
	}
	if !s.srv.JetStreamEnabled() {
		return errors.New("store: JetStream is not running")
	}
	return nil
}

// Sessions returns the registry of session records (bucket "sessions").
func (s *Store) Sessions() *SessionRegistry { return s.sessions }

// Close drains the connection (flushing pending publishes and letting
// subscriptions finish, bounded by 5 s), then shuts the server down and waits
// until all its goroutines have stopped and its files are closed. It is safe
// to call more than once and after a failed Open; later calls return the
// first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	var errs []error
	if s.nc != nil {
		if err := s.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, fmt.Errorf("store: drain: %w", err))
		}
		select {
		case <-s.closed:
		case <-time.After(drainTimeout):
			errs = append(errs, errors.New("store: drain timed out"))
		}
		// Close is a no-op after a finished drain and cuts an unfinished one.
		s.nc.Close()
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
	if s.lock != nil {
		if err := s.lock.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: unlock: %w", err))
		}
	}
	return errors.Join(errs...)
}

// syncAlways parses Config.Sync.
func syncAlways(v string) (bool, error) {
	switch v {
	case "", SyncDefault:
		return false, nil
	case SyncAlways:
		return true, nil
	}
	return false, fmt.Errorf("store: Config.Sync %q: want %q or %q", v, SyncDefault, SyncAlways)
}

// waitFor returns limit, or less when ctx's deadline comes sooner.
func waitFor(ctx context.Context, limit time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return max(min(time.Until(dl), limit), 0)
	}
	return limit
}
