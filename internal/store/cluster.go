package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/easy-api/easy-api/internal/apperr"
)

// ClusterConfig joins the embedded server to a NATS cluster of easy-api
// nodes (DESIGN §11). The zero value is a single node.
type ClusterConfig struct {
	// Name is the NATS cluster's name, the same on every node; empty means
	// no cluster.
	Name string
	// Listen is the host:port this node's route listener binds.
	Listen string
	// Peers are the route URLs (nats://host:port) of the other nodes; a
	// node may list itself, NATS ignores that route.
	Peers []string
	// Node is this node's server name, unique in the cluster (JetStream's
	// cluster needs one per server).
	Node string
	// Secret, when set, is the password the routes present and require:
	// a server without it cannot join the cluster, and so cannot read or
	// write the store. The same on every node.
	Secret string
}

// routeUser is the user name of the routes' authentication (the secret is
// its password).
const routeUser = "easy-api"

// Enabled reports whether c forms a cluster.
func (c ClusterConfig) Enabled() bool { return c.Name != "" }

// Validate checks c's fields, naming the one that is wrong.
func (c ClusterConfig) Validate() error {
	if !c.Enabled() {
		return nil
	}
	if c.Node == "" {
		return errors.New("node name: needed in a cluster (unique per node)")
	}
	if _, _, err := splitHostPort(c.Listen); err != nil {
		return fmt.Errorf("cluster listen %q: %w", c.Listen, err)
	}
	if _, err := routes(c.Peers); err != nil {
		return err
	}
	return nil
}

// DefaultReplicas is how many copies of each stream and bucket a cluster of
// this config keeps when --replicas is not set: three (what NATS recommends
// for production) once there are three nodes or more, else one.
func (c ClusterConfig) DefaultReplicas() int {
	nodes := map[string]bool{c.Listen: true}
	for _, p := range c.Peers {
		if u, err := url.Parse(p); err == nil {
			nodes[u.Host] = true
		}
	}
	if c.Enabled() && len(nodes) >= 3 {
		return 3
	}
	return 1
}

// apply sets the cluster options of an embedded server.
func (c ClusterConfig) apply(opts *server.Options, token string) error {
	if !c.Enabled() {
		return nil
	}
	host, port, err := splitHostPort(c.Listen)
	if err != nil {
		return err
	}
	rs, err := routes(c.Peers)
	if err != nil {
		return err
	}
	opts.ServerName = c.Node
	// nats-server starts its routes only after its client accept loop:
	// a cluster node listens for clients on a random loopback port, behind
	// a token only this process knows (its own connection is in process).
	opts.DontListen = false
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.Authorization = token
	opts.Cluster.Name = c.Name
	opts.Cluster.Host = host
	opts.Cluster.Port = port
	if c.Secret != "" {
		// Accepted routes must present it; solicited ones present it from
		// their URL, implicit ones (learned by gossip) from these options.
		opts.Cluster.Username, opts.Cluster.Password = routeUser, c.Secret
		for _, r := range rs {
			r.User = url.UserPassword(routeUser, c.Secret)
		}
	}
	opts.Routes = rs
	return nil
}

func splitHostPort(hp string) (string, int, error) {
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not 1 to 65535", p)
	}
	return host, port, nil
}

func routes(peers []string) ([]*url.URL, error) {
	out := make([]*url.URL, 0, len(peers))
	for _, p := range peers {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.Scheme != "nats" || u.Host == "" {
			return nil, fmt.Errorf("cluster peer %q: want nats://host:port", p)
		}
		out = append(out, u)
	}
	return out, nil
}

// quorumTimeout bounds one quorum probe.
const quorumTimeout = 2 * time.Second

// Quorum reports whether JetStream can take writes: in a cluster, whether
// this node knows a meta leader and is caught up with it (a majority of the
// nodes see each other), and its copies of every stream are current. Readiness probes ask it. On a single node it is
// nil while the server runs.
func (s *Store) Quorum(ctx context.Context) error {
	if s.cfg.URL == "" {
		srv := s.server()
		if srv == nil || !srv.JetStreamEnabled() {
			return errors.New("store: JetStream is not running")
		}
		if !s.cfg.Cluster.Enabled() {
			return nil
		}
		if !srv.JetStreamIsCurrent() {
			return errors.New("store: no JetStream quorum: this node sees no meta leader (fewer than a majority of the nodes reachable)")
		}
		// A node that rejoined serves reads only once its copies caught up.
		if hs := srv.Healthz(nil); hs.Error != "" {
			return fmt.Errorf("store: not caught up with the cluster: %s", hs.Error)
		}
	}
	if s.cfg.URL != "" {
		if err := s.remoteReady(); err != nil {
			return err
		}
	}
	// Only the meta leader answers stream listings: an answer proves that
	// this node's requests reach it.
	ctx, cancel := context.WithTimeout(ctx, quorumTimeout)
	defer cancel()
	names := s.js.StreamNames(ctx)
	for range names.Name() {
	}
	if err := names.Err(); err != nil {
		if s.cfg.URL != "" {
			return apperr.Wrap(err, apperr.Unavailable, "JetStream on the store's NATS at %s does not answer (is it enabled, with a quorum?)", redactURLs(s.cfg.URL))
		}
		return fmt.Errorf("store: no JetStream quorum: %w", err)
	}
	return nil
}

// waitQuorum waits until JetStream answers: a cluster's nodes start one by
// one and nothing can be created before a majority of them meet.
func (s *Store) waitQuorum(ctx context.Context) error {
	// A first look may fail only because the connection is still being
	// made: the first line waits for a second try.
	logAt, logged := time.Now().Add(waitLogFirst), false
	for {
		err := s.Quorum(ctx)
		if err == nil {
			if logged {
				s.cfg.Log.Info().Msg("store: JetStream answers; starting")
			}
			return nil
		}
		if time.Now().After(logAt) {
			s.cfg.Log.Warn().Str("error", redactURLs(err.Error())).
				Msgf("store: waiting for JetStream before starting (logged every %s)", waitLogEvery)
			logAt, logged = time.Now().Add(waitLogEvery), true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waiting for the cluster's nodes)", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// replicated is a JetStream whose streams, buckets and object stores get
// replicas copies unless their config asks for a number. On a shared
// JetStream (retry) their creation is retried: a create or update racing
// the same one from another starting node can go unanswered, and each is
// idempotent. Its replicated KV buckets read from their stream's leader
// (see consistent.go) through legacy, nil on a single node.
type replicated struct {
	jetstream.JetStream
	replicas int
	retry    bool
	legacy   nats.JetStreamContext
}

// createAttempt bounds one try of a create or update on a shared JetStream.
const createAttempt = 5 * time.Second

// ensure runs create until it succeeds, fails for good or ctx ends, or
// once on a single node.
func ensure[C, R any](ctx context.Context, r replicated, cfg C, create func(context.Context, C) (R, error)) (R, error) {
	if !r.retry {
		return create(ctx, cfg)
	}
	for {
		actx, cancel := context.WithTimeout(ctx, createAttempt)
		out, err := create(actx, cfg)
		cancel()
		if err == nil || ctx.Err() != nil || !retryable(err) {
			return out, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// noPeers is JetStream's "no suitable peers for placement": fewer nodes
// have joined yet than the replicas asked for.
const noPeers jetstream.ErrorCode = 10005

// retryable reports whether a create may succeed when tried again: it went
// unanswered, or the cluster's nodes have not all joined yet.
func retryable(err error) bool {
	if e, ok := errors.AsType[*jetstream.APIError](err); ok && e.ErrorCode == noPeers {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

func (r replicated) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	return ensure(ctx, r, cfg, r.JetStream.CreateOrUpdateStream)
}

func (r replicated) CreateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	return ensure(ctx, r, cfg, r.JetStream.CreateStream)
}

func (r replicated) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	kv, err := ensure(ctx, r, cfg, r.JetStream.CreateOrUpdateKeyValue)
	return r.leaderReads(kv, cfg.Replicas), err
}

func (r replicated) CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	kv, err := ensure(ctx, r, cfg, r.JetStream.CreateKeyValue)
	return r.leaderReads(kv, cfg.Replicas), err
}

func (r replicated) UpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	kv, err := r.JetStream.UpdateKeyValue(ctx, cfg)
	return r.leaderReads(kv, cfg.Replicas), err
}

func (r replicated) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	kv, err := r.JetStream.KeyValue(ctx, bucket)
	return r.leaderReads(kv, r.replicas), err
}

func (r replicated) CreateOrUpdateObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	return ensure(ctx, r, cfg, r.JetStream.CreateOrUpdateObjectStore)
}

func (r replicated) CreateObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	cfg.Replicas = cmp.Or(cfg.Replicas, r.replicas)
	return ensure(ctx, r, cfg, r.JetStream.CreateObjectStore)
}
