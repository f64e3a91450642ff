package app

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/cluster"
	"github.com/easy-api/easy-api/internal/store"
)

// clusterConfig holds the settings of DESIGN §11: several nodes on one
// replicated store.
type clusterConfig struct {
	Name         string
	Listen       string
	Peers        listFlag
	Secret       string
	Node         string
	AdvertiseURL string
	NATSURL      string
	Replicas     int
	LeaseTTL     time.Duration
	MaxSessions  int
	// ForwardTimeout bounds a request forwarded to a session's owner.
	ForwardTimeout time.Duration
}

func (c *clusterConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Name, "cluster-name", "", "form a cluster of easy-api nodes: the NATS cluster name, the same on every node; empty = a single node")
	fs.StringVar(&c.Listen, "cluster-listen", "0.0.0.0:6222", "with --cluster-name: host:port of this node's cluster route listener")
	fs.Var(&c.Peers, "cluster-peers", "with --cluster-name: route URLs of the nodes, nats://host:port (this node's own may be listed); repeatable")
	fs.StringVar(&c.Secret, "cluster-secret", "", "with --cluster-name: a password the cluster routes present and require, the same on every node; without it anything reaching --cluster-listen can join and read the store")
	fs.StringVar(&c.Node, "node-name", "", "this node's name, unique in the cluster (needed with --cluster-name or --nats-url)")
	fs.StringVar(&c.AdvertiseURL, "advertise-url", "", "this node's API URL as the other nodes reach it, e.g. http://a:8080 (needed with --cluster-name or --nats-url)")
	fs.StringVar(&c.NATSURL, "nats-url", "", "put the store on an existing NATS cluster with JetStream (nats://host:port, comma-separated) instead of an embedded server")
	fs.IntVar(&c.Replicas, "replicas", 0, "copies JetStream keeps of each stream and bucket, 1 to 5; 0 = 3 with three nodes or more, else 1")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", cluster.DefaultTTL, "in a cluster: a session's lease TTL; a dead node's sessions move after it; at least 300ms")
	fs.IntVar(&c.MaxSessions, "max-sessions", 0, "in a cluster: at most this many sessions run on this node; 0 = no limit")
	fs.DurationVar(&c.ForwardTimeout, "forward-timeout", api.DefaultForwardTimeout, "in a cluster: how long a request forwarded to the node owning the session may wait for its answer before 503 owner_unreachable")
}

// enabled reports whether the node shares its store with others.
func (c *clusterConfig) enabled() bool { return c.Name != "" || c.NATSURL != "" }

// store returns the store's cluster settings.
func (c *clusterConfig) store() store.ClusterConfig {
	if c.Name == "" {
		return store.ClusterConfig{}
	}
	return store.ClusterConfig{Name: c.Name, Listen: c.Listen, Peers: c.Peers, Node: c.Node, Secret: c.Secret}
}

// check checks the cluster settings; longestCall is the longest call a node
// may answer, which a forward must outwait.
func (c *clusterConfig) check(k *checker, longestCall time.Duration) {
	if c.Name != "" && c.NATSURL != "" {
		k.fail("nats-url", strconv.Quote(c.NATSURL), "cannot be used with --cluster-name: the store is either embedded and clustered or on an existing NATS cluster")
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		k.fail("replicas", c.Replicas, "must be 0 to 5 (0 = 3 with three nodes or more, else 1)")
	}
	if c.LeaseTTL < 300*time.Millisecond {
		k.fail("lease-ttl", c.LeaseTTL, "must be at least 300ms")
	}
	k.atLeast("max-sessions", int64(c.MaxSessions), 0)
	if c.ForwardTimeout <= longestCall {
		k.fail("forward-timeout", c.ForwardTimeout, "must be more than the longest call a node may answer (%s: the raw call's longest timeout_ms, --media-fetch-timeout, --close-timeout), or a forwarded call gets 503 from a healthy owner", longestCall)
	}
	if !c.enabled() {
		return
	}
	if c.Node == "" {
		k.fail("node-name", `""`, "must name this node (unique in the cluster) when --cluster-name or --nats-url is set")
	} else if !validNodeName(c.Node) {
		k.fail("node-name", strconv.Quote(c.Node), "must be letters, digits, '-' and '_' (at most 64)")
	}
	if u, err := url.Parse(c.AdvertiseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		k.fail("advertise-url", strconv.Quote(c.AdvertiseURL), "must be this node's absolute http(s) API URL when --cluster-name or --nats-url is set")
	}
	if c.Name == "" {
		return
	}
	if _, p, err := net.SplitHostPort(c.Listen); err != nil || !validPort(p) {
		k.fail("cluster-listen", strconv.Quote(c.Listen), "must be host:port")
	}
	for _, p := range c.Peers {
		if u, err := url.Parse(p); err != nil || u.Scheme != "nats" || u.Host == "" {
			k.fail("cluster-peers", strconv.Quote(p), "must be nats://host:port")
		}
	}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n <= 65535
}

func validNodeName(n string) bool {
	if len(n) == 0 || len(n) > 64 {
		return false
	}
	for _, r := range n {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// openCluster opens the leases and node registry on the shared store.
func (s *server) openCluster(ctx context.Context) (err error) {
	cc := &s.c.cluster
	st := s.run.Store
	if cc.Name != "" && cc.Secret == "" {
		s.log.Warn().Str("cluster_listen", cc.Listen).
			Msg("cluster routes are not authenticated: anything that reaches them can join the cluster and read the store; set --cluster-secret on every node")
	}
	s.run.Cluster, err = cluster.Open(ctx, cluster.Config{JS: st.JetStream(), Node: cc.Node, URL: cc.AdvertiseURL,
		TTL: cc.LeaseTTL, MaxSessions: cc.MaxSessions, Quorum: st.Quorum, Log: s.logFor("cluster")})
	return err
}

// startPlacement runs the node's heartbeat and placement until
// closePlacement.
func (s *server) startPlacement(ctx context.Context, fail func(error)) error {
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	s.stopPlacement, s.placementDone = cancel, done
	go func() {
		defer close(done)
		if err := s.run.Cluster.Serve(pctx, s.run.Sessions); err != nil {
			fail(err)
		}
	}()
	return nil
}

// closePlacement drains the node — its sessions handed over one at a time
// — then stops its heartbeat and placement.
func (s *server) closePlacement(ctx context.Context) error {
	if s.stopPlacement == nil {
		return nil
	}
	err := s.run.Cluster.Drain(ctx, s.run.Cluster.Self())
	s.stopPlacement()
	<-s.placementDone
	if err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	return nil
}

// nodeLabel is the node label of the metrics: the node's name in a
// cluster, none on a single node.
func (c *clusterConfig) nodeLabel() string {
	if !c.enabled() {
		return ""
	}
	return c.Node
}

// The API's view of the cluster is this node's membership.
var _ api.Cluster = (*cluster.Cluster)(nil)
