// Package metrics exposes easy-api's Prometheus metrics on its own registry
// (never the global default one).
//
// A Metrics value observes the server from the outside: it decorates the
// session.Publisher to follow sessions through their status events, wraps
// the HTTP handler to count requests by chi route pattern, and offers small
// functions that the samplers, the event streams and the webhook workers
// call. Handler serves the exposition for GET /metrics.
//
// Every label has a bounded set of values except session, which is one
// series per session by design (easy_api_session_pss_bytes).
package metrics

import (
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/easy-api/easy-api/internal/session"
)

// Stream client kinds, the values of easy_api_stream_clients{kind}.
const (
	StreamWS  = "ws"
	StreamSSE = "sse"
)

// Webhook delivery results, the values of
// easy_api_webhook_deliveries_total{result}; they match the status of a
// webhook delivery in the API.
const (
	WebhookDelivered = "delivered"
	WebhookRetrying  = "retrying"
	WebhookDead      = "dead"
)

// Config configures New. The zero value works.
type Config struct {
	// Version is reported as the version label of easy_api_build_info.
	Version string
	// Now is the clock of the duration histograms; nil means time.Now.
	Now func() time.Time
	// Node, in a cluster, labels every metric node="<name>" so that one
	// Prometheus tells the nodes apart; empty on a single node.
	Node string
}

// Metrics holds every easy-api metric and the registry they live in. Its
// methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	// labeled registers into reg with the node label, when there is one.
	labeled prometheus.Registerer
	now     func() time.Time

	sessions      *prometheus.GaugeVec
	statusChanges *prometheus.CounterVec
	restarts      *prometheus.CounterVec
	reauth        *prometheus.CounterVec
	timeToQR      prometheus.Histogram
	timeToWorking prometheus.Histogram
	reauthSeconds prometheus.Histogram
	published     *prometheus.CounterVec
	pss           *prometheus.GaugeVec

	streamClients     *prometheus.GaugeVec
	webhookDeliveries *prometheus.CounterVec
	webhookSeconds    prometheus.Histogram

	httpRequests *prometheus.CounterVec
	httpSeconds  *prometheus.HistogramVec
	snapshots    snapshotMetrics

	mu      sync.Mutex
	tracked map[string]*tracked // by session id; guarded by mu
}

// New returns a Metrics whose registry holds the easy_api_* metrics plus the
// standard Go runtime and process collectors. Label values that dashboards
// compare against (every status, both re-auth outcomes, both stream kinds,
// every webhook result) start at zero, so rate() and "== 0" work before the
// first event.
func New(cfg Config) *Metrics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{reg: prometheus.NewRegistry(), now: cfg.Now, tracked: map[string]*tracked{}}

	m.sessions = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "easy_api_sessions",
		Help: "Sessions by current status.",
	}, []string{"status"})
	m.statusChanges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easy_api_session_status_changes_total",
		Help: "Session status transitions, by the status entered and the reason.",
	}, []string{"status", "reason"})
	m.restarts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easy_api_session_restarts_total",
		Help: "Browser relaunches by the supervisor (transitions to RESTARTING), by reason.",
	}, []string{"reason"})
	m.reauth = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easy_api_reauth_total",
		Help: "Re-auth attempts from stored data that ended, by outcome (ok or failed).",
	}, []string{"outcome"})
	m.timeToQR = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "easy_api_time_to_qr_seconds",
		Help:    "Seconds from a session entering STARTING to its first QR code.",
		Buckets: prometheus.ExponentialBuckets(0.25, 2, 10), // 0.25 s … 128 s
	})
	m.timeToWorking = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "easy_api_time_to_working_seconds",
		Help:    "Seconds from a scan or pairing code linking a session (SYNCING) to WORKING.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 10), // 0.5 s … 256 s
	})
	m.reauthSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "easy_api_reauth_seconds",
		Help:    "Seconds from RESUMING to WORKING when re-auth from stored data succeeded.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 10),
	})
	m.published = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easy_api_events_published_total",
		Help: "Events published to the event log, by type.",
	}, []string{"type"})
	m.pss = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "easy_api_session_pss_bytes",
		Help: "Proportional set size of a session's browser process tree in bytes.",
	}, []string{"session"})
	m.streamClients = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "easy_api_stream_clients",
		Help: "Connected event stream clients, by kind (ws or sse).",
	}, []string{"kind"})
	m.webhookDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easy_api_webhook_deliveries_total",
		Help: "Webhook delivery attempts, by result (delivered, retrying or dead).",
	}, []string{"result"})
	m.webhookSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "easy_api_webhook_delivery_seconds",
		Help:    "Seconds a webhook delivery attempt took, until the receiver answered or the attempt failed.",
		Buckets: prometheus.DefBuckets,
	})
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easy_api_http_requests_total",
		Help: "HTTP requests served, by route pattern, method and status code.",
	}, []string{"route", "method", "status"})
	m.httpSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "easy_api_http_request_seconds",
		Help:    "Seconds spent serving HTTP requests, by route pattern and method (streams: the connection's life).",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "easy_api_build_info",
		Help:        "Build information of the running server; the value is always 1.",
		ConstLabels: prometheus.Labels{"version": cfg.Version, "goversion": runtime.Version()},
	})
	build.Set(1)

	m.snapshots = newSnapshotMetrics()
	m.labeled = m.reg
	if cfg.Node != "" {
		m.labeled = prometheus.WrapRegistererWith(prometheus.Labels{"node": cfg.Node}, m.reg)
	}
	m.labeled.MustRegister(m.sessions, m.statusChanges, m.restarts, m.reauth, m.timeToQR,
		m.timeToWorking, m.reauthSeconds, m.published, m.pss, m.streamClients,
		m.webhookDeliveries, m.webhookSeconds, m.httpRequests, m.httpSeconds, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.labeled.MustRegister(m.snapshots.collectors()...)

	for _, st := range session.Statuses {
		m.sessions.WithLabelValues(string(st))
	}
	for _, o := range []string{reauthOK, reauthFailed} {
		m.reauth.WithLabelValues(o)
	}
	for _, k := range []string{StreamWS, StreamSSE} {
		m.streamClients.WithLabelValues(k)
	}
	for _, r := range []string{WebhookDelivered, WebhookRetrying, WebhookDead} {
		m.webhookDeliveries.WithLabelValues(r)
	}
	return m
}

// Registry returns the registry the metrics live in, for collectors that
// other components want to add (it is not the global default registry).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the exposition of the registry (Prometheus text format, or
// OpenMetrics when the scraper asks for it). Authentication is the caller's
// business.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.labeled, EnableOpenMetrics: true})
}
