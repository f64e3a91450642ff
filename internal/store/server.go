package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
)

// refusingMaxStore is the JetStream storage limit of a server started while
// the disk refuses writes: one byte, so that every write is answered at once
// with "insufficient resources" instead of never (a stream that hit an I/O
// error stays silent until its server restarts).
const refusingMaxStore = 1

// reconnectWait is how soon the store's connection retries after the server
// it talks to was restarted in process.
const reconnectWait = 20 * time.Millisecond

// startServer starts an embedded server on the store's directory and waits
// until it accepts connections. refusing starts it with a one-byte storage
// limit (see refusingMaxStore); otherwise JetStream keeps its default limit.
func (s *Store) startServer(ctx context.Context, refusing bool) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "easy-api",
		DontListen: true,
		JetStream:  true,
		StoreDir:   s.cfg.Dir,
		SyncAlways: s.always,
		NoSigs:     true, // main owns signal handling
		NoLog:      true, // replaced by SetLoggerV2 below
	}
	if refusing {
		opts.JetStreamMaxStore = refusingMaxStore
	}
	if err := s.cfg.Cluster.apply(opts, s.token); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("store: new server: %w", err)
	}
	log := serverLogger{log: s.cfg.Log, fault: s.health.trip}
	srv.SetLoggerV2(log, s.cfg.Log.GetLevel() <= zerolog.TraceLevel, false, false)
	srv.Start()
	if !srv.ReadyForConnections(waitFor(ctx, readyTimeout)) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("store: server not ready in time (dir %s)", s.cfg.Dir)
	}
	return srv, nil
}

// server returns the embedded server currently running.
func (s *Store) server() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// InProcessConn connects to the server currently running. The store's
// connection dials through it, so that after restartServer it reconnects to
// the new server by itself and every subscription, consumer and KV handle
// built on it carries on.
func (s *Store) InProcessConn() (net.Conn, error) {
	srv := s.server()
	if srv == nil || !srv.Running() {
		return nil, errors.New("store: server restarting")
	}
	return srv.InProcessConn()
}

// restartServer replaces the embedded server by a new one on the same
// directory (refusing or not, see startServer) and waits until the store's
// connection is back. A restart is the only way to clear a stream's write
// error in nats-server: the new server reloads every stream and consumer
// from disk.
func (s *Store) restartServer(ctx context.Context, refusing bool) error {
	old := s.server()
	old.Shutdown()
	old.WaitForShutdown()
	srv, err := s.startServer(ctx, refusing)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	return s.waitConnected(ctx)
}

// waitConnected waits until the store's connection is up.
func (s *Store) waitConnected(ctx context.Context) error {
	t := time.NewTicker(reconnectWait)
	defer t.Stop()
	for !s.nc.IsConnected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: reconnect: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}
