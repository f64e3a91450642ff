package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/egress"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/metrics"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

// server holds the parts the components share as they open.
type server struct {
	c         *serveConfig
	log       zerolog.Logger
	stdout    io.Writer
	wire      Wiring
	opts      Options
	data      string // absolute session data path
	run       Running
	met       *metrics.Metrics
	sim       *simServer
	wajsReady func() error      // fails while a server that needs the wa-js bundle has none
	guarded   http.RoundTripper // the one egress-guarded transport: media URLs, scoped webhooks
	http      *http.Server
	ln        net.Listener
	served    bool // http serves ln (so closing it is a shutdown)

	stopSessions context.CancelFunc
	sessionsDone chan struct{}
	stopTerm     context.CancelFunc
	termDone     <-chan struct{}

	stopPlacement context.CancelFunc
	placementDone <-chan struct{}
}

// newServer builds the app of `easy-api serve`: its components in the
// order they open; they close in reverse. Each close has its share of
// --shutdown-timeout; the sessions get the most, to close their browsers
// gracefully.
func newServer(c *serveConfig, getenv func(string) string, stdout io.Writer, log zerolog.Logger, o Options) (*app, error) {
	data, err := filepath.Abs(c.DataPath)
	if err != nil {
		return nil, err
	}
	s := &server{c: c, log: log, stdout: stdout, opts: o, data: data, met: metrics.New(metrics.Config{Version: o.Version, Node: c.cluster.nodeLabel()})}
	wajs, wajsReady := resolveWAJS(c.WAJS, c.Simulator, data, log)
	s.wajsReady = wajsReady
	s.wire = Wiring{
		Browser: browser.Config{BrowserPath: c.BrowserPath, WAJS: wajs, CloseTimeout: c.CloseTimeout,
			HostResolverRules: c.HostResolverRules, SPKIPins: c.SPKIPins, BlockAssets: c.BlockAssets,
			Log: s.logFor("browser"), Getenv: getenv},
	}
	if o.Wire != nil {
		o.Wire(&s.wire)
	}
	// One guarded transport for every fetch a client names.
	s.guarded = s.wire.Guarded
	if s.guarded == nil {
		s.guarded = egress.New(egress.Config{}).Transport()
	}
	share := func(part float64) time.Duration { return time.Duration(float64(c.ShutdownTimeout) * part) }
	comps := []*component{
		{name: "store", open: s.openStore, close: s.closeStore, timeout: share(0.04)},
		{name: "events", open: s.openBus, close: s.closeBus, timeout: share(0.03)},
		{name: "webhooks", open: s.openWebhooks, close: s.closeWebhooks, timeout: share(0.1)},
	}
	if c.Simulator {
		comps = append(comps, &component{name: "simulator", open: s.openSimulator, close: s.closeSimulator, timeout: share(0.02)})
	}
	// In a cluster the drain hands the sessions over before the rest closes.
	sessionsShare := 0.7
	if c.cluster.enabled() {
		sessionsShare = 0.2
		comps = append(comps, &component{name: "cluster", open: s.openCluster})
	}
	comps = append(comps,
		&component{name: "sessions", open: s.openSessions, start: s.startSessions, close: s.closeSessions, timeout: share(sessionsShare)},
		&component{name: "http", open: s.openHTTP, start: s.startHTTP, close: s.closeHTTP, timeout: min(2*time.Second, share(0.08))})
	if c.cluster.enabled() {
		comps = append(comps, &component{name: "placement", start: s.startPlacement, close: s.closePlacement, timeout: share(0.5)})
	}
	comps = append(comps, &component{name: "boot", start: s.startBoot, close: s.closeBoot, timeout: share(0.02)})
	return &app{log: log, comps: comps, shutdown: c.ShutdownTimeout}, nil
}

func (s *server) logFor(component string) zerolog.Logger {
	return s.log.With().Str("component", component).Logger()
}

func (s *server) openStore(ctx context.Context) error {
	if err := os.MkdirAll(s.data, 0o700); err != nil {
		return fmt.Errorf("session data path: %w", err)
	}
	cc := &s.c.cluster
	st, err := store.Open(ctx, store.Config{Dir: filepath.Join(s.data, "easy-api-store"), Sync: s.c.StoreSync, Log: s.logFor("store"),
		Cluster: cc.store(), URL: cc.NATSURL, Replicas: cc.Replicas})
	s.run.Store = st
	return err
}

func (s *server) closeStore(context.Context) error {
	if s.run.Store == nil {
		return nil
	}
	return s.run.Store.Close()
}

func (s *server) openBus(ctx context.Context) (err error) {
	s.run.Bus, err = events.NewBus(ctx, events.BusConfig{JS: s.run.Store.JetStream(), MaxAge: s.c.EventRetention, MaxMsgs: s.c.EventMax, Log: s.logFor("events")})
	return err
}

func (s *server) closeBus(context.Context) error {
	if s.run.Bus != nil {
		s.run.Bus.Close()
	}
	return nil
}

func (s *server) openWebhooks(ctx context.Context) error {
	out, err := webhook.New(ctx, webhook.Config{Bus: s.run.Bus, Guarded: s.guarded, Observe: s.met.ObserveWebhookDelivery, Retry: s.wire.WebhookRetry, Log: s.logFor("webhooks")})
	if err != nil {
		return err
	}
	s.run.Webhooks = out
	if len(s.c.Webhooks) == 0 {
		return nil
	}
	created, err := out.EnsureGlobal(ctx, s.c.Webhooks, s.c.WebhookSecret)
	if err != nil {
		return fmt.Errorf("--webhook: %w", err)
	}
	for _, w := range created {
		s.log.Info().Str("webhook", w.ID).Str("url", w.URL).Msg("global webhook created")
		if s.c.WebhookSecret == "" {
			fmt.Fprintf(s.stdout, "webhook %s for %s signs with secret %s\n", w.ID, w.URL, w.Secret)
		}
	}
	return nil
}

func (s *server) closeWebhooks(ctx context.Context) error {
	if s.run.Webhooks != nil {
		s.run.Webhooks.Close(ctx)
	}
	return nil
}

func (s *server) openSimulator(ctx context.Context) (err error) {
	s.sim, err = startSimulator(ctx, s.c.SimulatorAddr, s.log)
	if err != nil {
		return err
	}
	s.run.Simulator = s.sim.sim
	b := &s.wire.Browser
	b.HostResolverRules, b.SPKIPins, b.WAJS = s.sim.hostRules, []string{s.sim.pin}, "none"
	return nil
}

func (s *server) closeSimulator(context.Context) error {
	if s.sim != nil {
		s.sim.Close()
	}
	return nil
}

// openSessions builds the session manager over the store.
func (s *server) openSessions(ctx context.Context) error {
	snaps, err := s.run.Store.Snapshots(ctx)
	if err != nil {
		return err
	}
	bl := browser.New(s.wire.Browser)
	took, err := bl.CompileBridge()
	if err != nil {
		return err
	}
	browserLog := s.logFor("browser")
	browserLog.Info().Dur("took", took).Msg("page bridge compiled from its TypeScript")
	var launcher session.Launcher = bl
	if s.wire.Launcher != nil {
		launcher = s.wire.Launcher(launcher)
	}
	var pub session.Publisher = s.met.Publisher(s.run.Bus)
	if s.wire.Publisher != nil {
		pub = s.wire.Publisher(pub)
	}
	waURL := s.c.WAURL
	if s.c.Simulator {
		waURL = "https://web.whatsapp.com/"
	}
	var leases session.Leases
	if s.run.Cluster != nil {
		leases = s.run.Cluster
	}
	s.run.Sessions = session.NewManager(session.ManagerConfig{
		Registry: s.run.Store.Sessions(), Launcher: launcher, Publisher: pub, Snapshots: snaps, Leases: leases, DataPath: s.data, URL: waURL,
		MessageLog: s.run.Bus, Writable: s.run.Store.Writable,
		OnUsage: func(id string, u session.Usage) { s.met.SetSessionPSS(id, u.PSSBytes) },
		Refresh: s.c.Refresh, OnSnapshot: s.met.ObserveSnapshot,
		Defaults: s.c.sessionDefaults(), RecycleAfter: s.c.RecycleAfter, SampleInterval: s.c.SampleInterval,
		MaxConcurrentLaunches: s.c.MaxConcurrentLaunches, CloseTimeout: s.c.CloseTimeout,
		CallTimeout: s.wire.CallTimeout, Restart: s.wire.Restart, Log: s.logFor("sessions"),
	})
	return nil
}

// startSessions runs the supervisor tree until closeSessions; it resumes
// the sessions that were running.
func (s *server) startSessions(ctx context.Context, fail func(error)) error {
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopSessions, s.sessionsDone = cancel, make(chan struct{})
	go func() {
		defer close(s.sessionsDone)
		if err := s.run.Sessions.Serve(mctx); err != nil {
			fail(err)
		}
	}()
	// Sessions resting in STOPPED or FAILED emit nothing at boot: count them.
	if views, err := s.run.Sessions.List(ctx); err == nil {
		for _, v := range views {
			s.met.TrackSession(v.ID, v.Status)
		}
	}
	return nil
}

// closeSessions stops every browser gracefully, in parallel.
func (s *server) closeSessions(ctx context.Context) error {
	if err := stopAndWait(ctx, s.stopSessions, s.sessionsDone); err != nil {
		return fmt.Errorf("browsers still closing: %w", err)
	}
	return nil
}

// stopAndWait stops a component's goroutine (stop is nil when it never
// started) and waits until it closes done or ctx ends; then it returns
// ctx's cause.
func stopAndWait(ctx context.Context, stop context.CancelFunc, done <-chan struct{}) error {
	if stop == nil {
		return nil
	}
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// sessionDefaults is the server's default session config, from the flags.
func (c *serveConfig) sessionDefaults() session.Config {
	return session.Config{Headful: new(c.Headful), AuthTimeout: new(session.Duration(c.AuthTimeout)),
		QRTimeout: new(session.Duration(c.QRTimeout)), QRMax: new(c.QRMax), RelinkOnLogout: new(c.RelinkOnLogout),
		MaxMemory: new(c.MaxSessionMemory), RejectCalls: new(c.RejectCalls), RejectCallsMessage: new(c.RejectCallsMessage)}
}

func (s *server) openHTTP(ctx context.Context) error {
	keys, err := apikey.Open(ctx, s.run.Store.JetStream(), apikey.WithRevocations(s.run.Bus))
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	s.run.Keys = keys
	sec := &s.c.security
	streams := events.NewHandlers(events.HandlersConfig{Bus: s.run.Bus, Webhooks: webhook.NewHandlers(s.run.Webhooks),
		CheckOrigin: originChecker(s.c.AllowedOrigins), StreamOpened: s.met.IncStreamClients, StreamClosed: s.met.DecStreamClients,
		PingInterval: s.wire.StreamPing, Log: s.logFor("streams")})
	proxies, _ := sec.proxies() // checked by resolve
	mgr, st := s.run.Sessions, s.run.Store
	cfg := api.Config{Sessions: mgr, Mount: streams.Mount, Version: s.opts.Version, Log: s.logFor("api"),
		Metrics: s.met.Handler(), HTTPMetrics: s.met.HTTP, OnDelete: s.met.DeleteSession, MetricsPublic: sec.MetricsPublic,
		Ready: func() error { return errors.Join(st.Ready(), mgr.Ready(), s.wajsReady()) },
		Media: api.MediaConfig{MaxBytes: int64(s.c.MaxMediaBytes), FetchTimeout: s.c.MediaFetchTimeout,
			AllowPrivateURLs: s.c.AllowPrivateMediaURLs, Transport: s.guarded},
		AdminKey: sec.APIKey, Keys: keys, AuthFailures: sec.AuthFailures, TrustedProxies: proxies, CORSOrigins: sec.CORSOrigins,
		MaxBodyBytes: int64(sec.MaxBodyBytes), MaxDataBytes: int64(sec.MaxDataBytes)}
	if s.run.Cluster != nil { // a nil *cluster.Cluster would be a non-nil interface
		cfg.Cluster, cfg.ForwardTimeout = s.run.Cluster, s.c.cluster.ForwardTimeout
	}
	if s.wire.API != nil {
		s.wire.API(&cfg)
	}
	s.run.API = api.New(cfg)
	var handler http.Handler = s.run.API
	if s.wire.Handler != nil {
		handler = s.wire.Handler(handler)
	}
	s.http = sec.newHTTPServer(handler)
	s.ln, err = net.Listen("tcp", net.JoinHostPort(s.c.Host, s.c.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if s.wire.Listener != nil {
		s.ln = s.wire.Listener(s.ln)
	}
	s.run.Addr = s.ln.Addr().String()
	return nil
}

func (s *server) startHTTP(_ context.Context, fail func(error)) error {
	s.served = true
	go func() {
		if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			fail(err)
		}
	}()
	s.log.Info().Str("addr", "http://"+s.run.Addr).Str("data", s.data).Str("version", s.opts.Version).
		Bool("api_key", s.c.security.APIKey != "").Msg("easy-api listening")
	return nil
}

// closeHTTP lets requests finish within its timeout, then cuts what is
// left: open streams never end by themselves.
func (s *server) closeHTTP(ctx context.Context) error {
	switch {
	case s.ln == nil:
		return nil
	case !s.served:
		return s.ln.Close()
	}
	if err := s.http.Shutdown(ctx); err == nil {
		return nil
	}
	return s.http.Close()
}

// startBoot runs the boot tasks once the API listens: --session-data,
// --session-id and its terminal; then it tells Options.Started.
func (s *server) startBoot(ctx context.Context, _ func(error)) error {
	mgr := s.run.Sessions
	if s.c.SessionData != "" {
		if err := seedSession(ctx, mgr, s.data, s.c.SessionData); err != nil {
			return fmt.Errorf("--session-data: %w", err)
		}
	}
	if s.c.SessionID != "" {
		tctx, stop := context.WithCancel(ctx)
		s.stopTerm, s.termDone = stop, newTerminal(s.run.Bus, s.c.SessionID, s.stdout).start(tctx)
		if err := bootSession(ctx, mgr, s.c.SessionID); err != nil {
			s.log.Error().Err(err).Str("session", s.c.SessionID).Msg("--session-id")
		}
	}
	if s.opts.Started != nil {
		s.opts.Started(s.run)
	}
	return nil
}

// closeBoot stops the --session-id terminal.
func (s *server) closeBoot(ctx context.Context) error {
	return stopAndWait(ctx, s.stopTerm, s.termDone)
}
