package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/cluster"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
	"github.com/easy-api/easy-api/internal/wasim"
)

// serveConfig holds every setting of `easy-api serve`.
type serveConfig struct {
	Host, Port            string
	DataPath              string
	BrowserPath           string
	Headful               bool
	WAURL, WAJS           string
	QRTimeout             time.Duration
	QRMax                 int
	AuthTimeout           time.Duration
	RelinkOnLogout        bool
	RejectCalls           bool
	RejectCallsMessage    string
	MaxConcurrentLaunches int
	CloseTimeout          time.Duration
	ShutdownTimeout       time.Duration
	StoreSync             string
	LogLevel, LogFormat   string
	SessionID             string
	Simulator             bool
	SimulatorAddr         string
	Config                string
	HostResolverRules     string
	SPKIPins              listFlag
	SessionData           string
	MaxSessionMemory      session.ByteSize
	RecycleAfter          time.Duration
	Refresh               session.RefreshPolicy
	SampleInterval        time.Duration
	BlockAssets           bool
	EventRetention        time.Duration
	EventMax              int64
	Webhooks              listFlag
	WebhookSecret         string
	AllowedOrigins        listFlag
	MaxMediaBytes         session.ByteSize
	MediaFetchTimeout     time.Duration
	AllowPrivateMediaURLs bool
	security              securityConfig
	cluster               clusterConfig
}

func (c *serveConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Host, "host", "127.0.0.1", "address to listen on")
	fs.StringVar(&c.Port, "port", "8080", "port to listen on; 0 = any free port (the log says which)")
	fs.StringVar(&c.DataPath, "session-data-path", ".", "folder for IGNORE_<id> profiles, <id>.data.json files and easy-api-store/")
	fs.StringVar(&c.BrowserPath, "browser-path", "", "Chromium binary (default: first of chromium-headless-shell, chromium, google-chrome on PATH)")
	fs.BoolVar(&c.Headful, "headful", false, "default headful: show a browser window (needs DISPLAY or WAYLAND_DISPLAY)")
	fs.StringVar(&c.WAURL, "wa-url", "https://web.whatsapp.com/", "WhatsApp Web URL")
	fs.StringVar(&c.WAJS, "wajs", "", "wa-js bundle path, or none (against the simulator); default: "+WAJSFile+" or "+WAJSInCheckout+" next to the executable, in the session data path or in the working directory (see easy-api setup)")
	d := session.BuiltinDefaults
	fs.DurationVar(&c.QRTimeout, "qr-timeout", d.QRTimeout.D(), "default qr_timeout: give up (FAILED qr_timeout) when no scan happens this long; 0 = never")
	fs.IntVar(&c.QRMax, "qr-max", d.QRMax, "default qr_max: give up after this many QR codes; 0 = no limit")
	fs.DurationVar(&c.AuthTimeout, "auth-timeout", d.AuthTimeout.D(), "default auth_timeout: how long re-auth from stored data may take before a re-scan is asked; more than 0")
	fs.BoolVar(&c.RelinkOnLogout, "relink-on-logout", d.RelinkOnLogout, "default relink_on_logout: after a phone logout show a new QR (true) or stop the session (false)")
	fs.BoolVar(&c.RejectCalls, "reject-calls", d.RejectCalls, "default reject_calls: reject every incoming call as it rings")
	fs.StringVar(&c.RejectCallsMessage, "reject-calls-message", d.RejectCallsMessage, "default reject_calls_message: text sent to a caller whose call reject_calls rejected; empty = none")
	fs.IntVar(&c.MaxConcurrentLaunches, "max-concurrent-launches", 2, "browsers launching at the same time; at least 1")
	fs.DurationVar(&c.CloseTimeout, "close-timeout", 10*time.Second, "graceful browser close before it is killed; more than 0")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "bound on the whole shutdown (HTTP, sessions, webhooks, store); at least 1.5 × --close-timeout")
	fs.StringVar(&c.StoreSync, "store-sync", "default", "store durability: default (survives a process kill) or always (fsync per write)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "trace, debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "auto", "json, pretty, or auto (pretty on a terminal)")
	fs.StringVar(&c.SessionID, "session-id", "", "create and start this session at boot and print its QR code in the terminal")
	fs.BoolVar(&c.Simulator, "simulator", false, "run the WhatsApp Web simulator in-process and point sessions at it")
	fs.StringVar(&c.SimulatorAddr, "simulator-addr", "127.0.0.1:7000", "with --simulator: plain-HTTP address of the simulator's control API")
	fs.StringVar(&c.Config, "config", "", "JSON file of settings (keys are flag names)")
	fs.StringVar(&c.HostResolverRules, "host-resolver-rules", "", "Chromium --host-resolver-rules, e.g. to serve web.whatsapp.com from an external easy-api simulator --tls")
	fs.Var(&c.MaxSessionMemory, "max-session-memory", "default max_memory: a browser whose PSS crosses it is recycled (graceful close, re-auth, no QR); e.g. 300MB, 1.5GB; 0 = no limit")
	fs.DurationVar(&c.RecycleAfter, "recycle-after", 0, "recycle browsers WORKING this long, one session at a time; 0 = never")
	fs.DurationVar(&c.Refresh.Settle, "snapshot-settle", 30*time.Second, "refresh a WORKING session's snapshot once its profile changed and then held still this long; 0 = not on settle (with --snapshot-max-age 0: snapshots only at link, export and stop)")
	fs.DurationVar(&c.Refresh.MinInterval, "snapshot-min-interval", 5*time.Minute, "never refresh a session's snapshot sooner than this after its previous one; 0 = no minimum")
	fs.DurationVar(&c.Refresh.MaxAge, "snapshot-max-age", time.Hour, "refresh the snapshot of a session whose profile keeps changing at least this often, settled or not; 0 = no bound")
	fs.BoolVar(&c.BlockAssets, "block-assets", false, "fail the page's image, font and media requests to save memory (screenshots lose pictures)")
	fs.DurationVar(&c.SampleInterval, "sample-interval", 10*time.Second, "how often each session's resources (PSS, CPU, processes) are sampled; more than 0")
	fs.DurationVar(&c.EventRetention, "event-retention", events.DefaultMaxAge, "how long events stay in the log (replay, history, webhook retries); more than 0")
	fs.Int64Var(&c.EventMax, "event-max", events.DefaultMaxMsgs, "at most this many events stay in the log; at least 1")
	fs.Var(&c.Webhooks, "webhook", "URL of a global webhook receiving every event; repeatable (env: comma-separated)")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", "", "whsec_... secret for the --webhook receivers (default: generated and printed once)")
	fs.Var(&c.AllowedOrigins, "allowed-origins", "origins allowed to open WebSocket streams from a browser (* = any); default same-origin only; repeatable")
	c.MaxMediaBytes = 16 << 20
	fs.Var(&c.MaxMediaBytes, "max-media-bytes", "largest media a message may carry (base64 body or fetched URL), e.g. 16MiB")
	fs.DurationVar(&c.MediaFetchTimeout, "media-fetch-timeout", 30*time.Second, "bound on fetching a message's media.url; more than 0")
	fs.BoolVar(&c.AllowPrivateMediaURLs, "allow-private-media-urls", false, "let the admin key's media.url reach loopback, private and other internal addresses (scoped keys never may)")
	fs.StringVar(&c.SessionData, "session-data", "", "seed a session at boot from a session data file: a path, or the file's content in base64 (restored only when the session has no profile yet)")
	fs.Var(&c.SPKIPins, "ignore-cert-spki", "SPKI pin (base64 SHA-256) of a certificate Chromium should accept; repeatable")
	c.security.flags(fs)
	c.cluster.flags(fs)
}

// Options are what Serve takes besides the command line: the binary's
// version, and hooks that let a test reach into the server (the binary
// sets none).
type Options struct {
	Version string
	// Wire adjusts the wiring once the settings are read and checked,
	// before any component opens.
	Wire func(*Wiring)
	// Started is told the running parts once every component has started
	// and the API listens.
	Started func(Running)
}

// Wiring is what Options.Wire may adjust: the knobs no flag has, and
// wrappers around the parts.
type Wiring struct {
	Browser      browser.Config
	Restart      session.RestartPolicy
	CallTimeout  time.Duration
	WebhookRetry webhook.Retry                             // the default retry schedule (zero: the production one)
	StreamPing   time.Duration                             // WebSocket ping and SSE heartbeat period (revoked keys end streams at the next)
	Launcher     func(session.Launcher) session.Launcher   // wraps the browser launcher
	Publisher    func(session.Publisher) session.Publisher // wraps the sessions' event publisher
	API          func(*api.Config)
	Handler      func(http.Handler) http.Handler
	Listener     func(net.Listener) net.Listener
	Guarded      http.RoundTripper // egress-guarded transport of media URLs and scoped webhooks; default the production guard
}

// Running is what a started server is made of.
type Running struct {
	Addr      string // the API's address, host:port (the real port when --port 0)
	Store     *store.Store
	Bus       *events.Bus
	Webhooks  *webhook.Outbox
	Sessions  *session.Manager
	Keys      *apikey.Keys
	API       *api.Server
	Simulator *wasim.Server    // with --simulator
	Cluster   *cluster.Cluster // in a cluster (--cluster-name, --nats-url)
}

// Serve is `easy-api serve`: it reads and checks every setting (exiting
// with an error that names the setting and where it came from, before
// anything opens), then runs the server until ctx ends.
func Serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, o Options) error {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.flags(fs)
	src, err := ParseFlags(fs, args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := c.resolve(getenv, src); err != nil {
		return err
	}
	if c.security.PrintConfig {
		return printConfig(fs, stdout)
	}
	log, _ := NewLogger(c.LogLevel, c.LogFormat, stderr) // checked by resolve
	a, err := newServer(&c, getenv, stdout, log, o)
	if err != nil {
		return err
	}
	return a.run(ctx)
}

// originChecker allows WebSocket upgrades from the listed origins ("*" = any);
// with none it keeps gorilla's same-origin rule.
func originChecker(allowed []string) func(*http.Request) bool {
	if len(allowed) == 0 {
		return nil
	}
	return func(r *http.Request) bool {
		o := r.Header.Get("Origin")
		return o == "" || slices.Contains(allowed, "*") || slices.Contains(allowed, o)
	}
}

// bootSession creates (or starts) the --session-id session.
func bootSession(ctx context.Context, mgr *session.Manager, id string) error {
	_, err := mgr.Create(ctx, id, session.Config{}, true)
	if err == nil {
		return nil
	}
	if _, gerr := mgr.Get(ctx, id); gerr != nil {
		return err
	}
	_, err = mgr.Start(ctx, id)
	return err
}

// seedSession imports a session data file given as a path or as base64, as
// open-wa lets containers do, unless that session already has a profile.
func seedSession(ctx context.Context, mgr *session.Manager, dataPath, v string) error {
	b, err := os.ReadFile(v)
	if err != nil {
		if b, err = base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err != nil {
			return errors.New("neither a readable file nor base64")
		}
	}
	var head struct{ Session string }
	if err := json.Unmarshal(b, &head); err != nil || session.ValidateID(head.Session) != nil {
		return errors.New("not a session data file (no valid \"session\")")
	}
	if _, err := os.Stat(session.ProfileDir(dataPath, head.Session)); err == nil {
		return nil // already restored on an earlier boot
	}
	_, err = mgr.ImportData(ctx, head.Session, bytes.NewReader(b))
	return err
}

// NewLogger builds the zerolog logger of the flags.
func NewLogger(level, format string, w io.Writer) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		return zerolog.Logger{}, fmt.Errorf("--log-level: %w", err)
	}
	switch format {
	case "json":
	case "pretty":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	case "auto":
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
		}
	default:
		return zerolog.Logger{}, fmt.Errorf("--log-format: %q is not json, pretty or auto", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
