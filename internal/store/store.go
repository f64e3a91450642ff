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
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
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
	// Cluster joins the embedded server to a NATS cluster of easy-api
	// nodes; the zero value is a single node.
	Cluster ClusterConfig
	// URL, when set, puts the store on an existing NATS server or cluster
	// (nats://host:port, comma-separated for several) instead of an
	// embedded one; Dir, Sync and Cluster are then unused.
	URL string
	// Replicas is how many copies of each stream, bucket and object store
	// JetStream keeps; 0 means Cluster.DefaultReplicas (1 on one node).
	Replicas int
	// QuorumTimeout bounds, in a cluster or on URL, the wait for JetStream
	// to answer at Open (the other nodes may still be starting); 0 means
	// one minute in a cluster and no bound on URL (the operator's NATS may
	// come up later: Open logs why it waits and carries on when it can).
	QuorumTimeout time.Duration
}

// Store is a running embedded NATS server with JetStream and the client
// connection to it. Its methods are safe for concurrent use.
//
// The server may be replaced in process (storage faults, see health.go);
// the connection, and everything built on it, survives that.
type Store struct {
	cfg      Config
	always   bool
	health   *health
	nc       *nats.Conn
	js       jetstream.JetStream
	sessions *SessionRegistry
	lock     *os.File               // flock on Dir, held until Close
	token    string                 // a cluster node's client token (see ClusterConfig.apply)
	dialErr  atomic.Pointer[string] // on Config.URL: why the last connect failed (remote.go)

	mu  sync.Mutex
	srv *server.Server // the server running now

	stopHeal chan struct{} // closed by Close to end heal
	healDone chan struct{} // closed when heal returned

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
	if err := cfg.Cluster.Validate(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if cfg.URL != "" {
		return openRemote(ctx, cfg)
	}
	if cfg.Dir == "" {
		return nil, errors.New("store: Config.Dir is empty")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create dir: %w", err)
	}

	s := &Store{cfg: cfg, always: always, health: newHealth(cfg.Log), closed: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if s.lock, err = lockDir(cfg.Dir); err != nil {
		return nil, err
	}
	s.token = rand.Text()
	if s.srv, err = s.startServer(ctx, false); err != nil {
		return nil, err
	}

	s.nc, err = nats.Connect("",
		nats.InProcessServer(s),
		nats.Token(s.token),
		nats.Name("easy-api"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.ClosedHandler(func(*nats.Conn) { close(s.closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { cfg.Log.Debug().Err(err).Msg("store: connection lost") }),
		nats.ReconnectHandler(func(*nats.Conn) { cfg.Log.Debug().Msg("store: reconnected") }),
	)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := s.openBuckets(ctx); err != nil {
		return nil, err
	}
	s.stopHeal, s.healDone = make(chan struct{}), make(chan struct{})
	go s.heal()
	return s, nil
}

// openBuckets builds the JetStream context on the connection, waits for
// quorum when the store is shared, and opens the store's own streams.
func (s *Store) openBuckets(ctx context.Context) error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("store: jetstream: %w", err)
	}
	replicas := s.cfg.Replicas
	if replicas == 0 {
		replicas = s.cfg.Cluster.DefaultReplicas()
	}
	// A shared store's replicated buckets read from their stream leaders
	// (consistent.go) through nats.go's JetStream API.
	var legacy nats.JetStreamContext
	if s.shared() {
		if legacy, err = s.nc.JetStream(); err != nil {
			return fmt.Errorf("store: jetstream: %w", err)
		}
	}
	s.js = guardedJS{JetStream: replicated{JetStream: js, replicas: replicas, retry: s.shared(), legacy: legacy}, h: s.health}
	if s.shared() {
		qctx := ctx
		if wait := s.quorumTimeout(); wait > 0 {
			var cancel context.CancelFunc
			qctx, cancel = context.WithTimeout(ctx, wait)
			defer cancel()
		}
		if err := s.waitQuorum(qctx); err != nil {
			return err
		}
	}
	if err := openHealthStream(ctx, s.js); err != nil {
		return err
	}
	s.sessions, err = openSessions(ctx, s.js)
	return err
}

// shared reports whether other nodes use the same JetStream.
func (s *Store) shared() bool { return s.cfg.URL != "" || s.cfg.Cluster.Enabled() }

// JetStream returns the JetStream context of the store's connection, for
// packages that add their own streams, consumers and buckets. It also has
// the method Write of the events package's WriteGuard: writes run through it
// fail at once with apperr.StorageFull while the disk refuses writes, and
// KV buckets opened on it with OpenKV do so by themselves.
func (s *Store) JetStream() jetstream.JetStream { return s.js }

// Conn returns the store's in-process NATS connection. Callers must not
// close it; Close does.
func (s *Store) Conn() *nats.Conn { return s.nc }

// Ready reports whether the store accepts writes: the embedded server and
// the connection to it are up and the disk takes writes. While a storage
// fault lasts it returns the apperr.StorageFull error saying why.
func (s *Store) Ready() error {
	if err := s.Writable(); err != nil {
		return err
	}
	if s.cfg.URL != "" {
		return s.remoteReady()
	}
	if s.nc == nil || !s.nc.IsConnected() {
		return errors.New("store: not connected")
	}
	if srv := s.server(); srv == nil || !srv.JetStreamEnabled() {
		return errors.New("store: JetStream is not running")
	}
	return nil
}

// Writable returns nil, or while the disk refuses writes an *apperr.Error of
// code StorageFull saying why and since when. It does not touch the disk.
func (s *Store) Writable() error { return s.health.writable("") }

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
	if s.stopHeal != nil {
		close(s.stopHeal)
		<-s.healDone
	}
	if s.nc != nil {
		// A connection cut by a server restart has nothing to drain.
		if err := s.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrConnectionReconnecting) {
			errs = append(errs, fmt.Errorf("store: drain: %w", err))
		}
		if s.nc.IsDraining() {
			select {
			case <-s.closed:
			case <-time.After(drainTimeout):
				errs = append(errs, errors.New("store: drain timed out"))
			}
		}
		// Close is a no-op after a finished drain and cuts an unfinished one.
		s.nc.Close()
	}
	if srv := s.server(); srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
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
