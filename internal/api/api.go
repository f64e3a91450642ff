// Package api is easy-api's HTTP surface: the chi router, the handlers, the
// problem+json error mapping and the middleware. Every route is in routes()
// below, which reads like the table of DESIGN §7.
//
//	@title						easy-api
//	@version					1.0
//	@description				Run many WhatsApp Web sessions and use them over REST, WebSocket/SSE and webhooks.
//	@BasePath					/
//	@description				Authentication: send the admin key or a scoped key as X-Api-Key (or Authorization: Bearer <key>); the streams also take ?api_key=. Errors are application/problem+json.
//	@tag.name					sessions
//	@tag.description			Create, run and link WhatsApp Web sessions
//	@tag.name					session data
//	@tag.description			Export and import the session data file (portability)
//	@tag.name					messaging
//	@tag.description			Send and read messages, chats and contacts
//	@tag.name					groups
//	@tag.description			Groups: create, participants, settings, invites, membership requests
//	@tag.name					communities
//	@tag.description			Communities: their announcement group and subgroups
//	@tag.name					events
//	@tag.description			Live events (WebSocket, SSE) and their history
//	@tag.name					webhooks
//	@tag.description			Signed event deliveries to your URLs
//	@tag.name					keys
//	@tag.description			Scoped API keys (admin only)
//	@tag.name					operations
//	@tag.description			Probes, metrics and this reference
//	@securityDefinitions.apikey	ApiKeyAuth
//	@in							header
//	@name						X-Api-Key
//	@description				The admin key (--api-key) or a scoped key from POST /v1/keys.
package api

import (
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/dashboard"
)

// Config wires a Server.
type Config struct {
	// Sessions is the session domain (session.Manager); see ports.go.
	Sessions Sessions
	// Mount registers more routes (the events package's streams and
	// webhooks) with the server's error adapter. They are mounted behind
	// authentication: a scoped key's request carries its events.Scope. May
	// be nil.
	Mount func(r chi.Router, wrap func(func(http.ResponseWriter, *http.Request) error) http.HandlerFunc)
	// Ready reports readiness for /readyz: nil is ready, a nil func is
	// always ready. The detail of an *apperr.Error in its chain is shown
	// to the client (what to do); any other cause goes to the log only.
	Ready   func() error
	Version string
	Log     zerolog.Logger
	// MaxBodyBytes bounds JSON request bodies; default 1 MiB.
	MaxBodyBytes int64
	// Metrics serves /metrics when set; HTTPMetrics, when set, wraps every
	// request (it must label by route pattern, never by raw path).
	Metrics     http.Handler
	HTTPMetrics func(http.Handler) http.Handler
	// MetricsPublic serves /metrics without a key even when one is set.
	MetricsPublic bool
	// OnDelete is told when a session is deleted (metrics). May be nil.
	OnDelete func(id string)
	// MaxDataBytes bounds an imported session data file; default 64 MiB.
	MaxDataBytes int64
	// Media bounds the messaging routes' media (size, fetching media.url);
	// see messages.go. Its body limit stays within the router-wide one.
	Media MediaConfig

	// AdminKey, when not empty, is required (X-Api-Key, Authorization:
	// Bearer, or ?api_key= on the streams) on every route but /healthz,
	// /readyz and the API reference, and may do everything. With no admin
	// key a request without a key acts as the admin.
	AdminKey string
	// Keys, when set, serves /v1/keys and accepts the scoped keys it
	// issued: they see only their sessions and get 404 for others.
	Keys KeyStore
	// AuthFailures bounds failed authentications per client address per
	// minute; past it the client gets 429 until the window passes (with a
	// right key too). Default 20.
	AuthFailures int
	// TrustedProxies are the proxies whose X-Forwarded-For names the real
	// client address (for the failed-auth limit). Empty: the peer address.
	TrustedProxies []netip.Prefix
	// Cluster, when set, makes this server one node of a cluster: requests
	// for a session another node owns are forwarded there (forward.go),
	// /v1/nodes lists the nodes and /readyz reflects the store's quorum.
	// Nil: a single node.
	Cluster Cluster
	// ForwardTimeout bounds the wait for an owner's answer to a forwarded
	// request (its response headers); past it the caller gets 503
	// owner_unreachable. Default DefaultForwardTimeout.
	ForwardTimeout time.Duration
	// CORSOrigins allows browsers on these origins ("*" = any) to call the
	// API. Empty (the default): no CORS headers, same-origin only.
	CORSOrigins []string
}

// Server is the HTTP handler of easy-api.
type Server struct {
	cfg      Config
	log      zerolog.Logger
	router   chi.Router
	failures *httprate.RateLimiter
	// mediaClients fetch media.url; built once, they pool connections.
	mediaClients mediaClients
	methods      routeMethods // for the Allow header of 405s
	// sendFields are SendMessageRequest's fields by kind (send.go).
	sendFields []sendField
	// forwarder sends requests to the session's owner (forward.go).
	forwarder *httputil.ReverseProxy
}

// New returns the server's handler.
func New(cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxDataBytes <= 0 {
		cfg.MaxDataBytes = 64 << 20
	}
	if cfg.AuthFailures <= 0 {
		cfg.AuthFailures = DefaultAuthFailures
	}
	s := &Server{cfg: cfg, log: cfg.Log, failures: httprate.NewRateLimiter(cfg.AuthFailures, time.Minute),
		mediaClients: newMediaClients(cfg.Media.withDefaults()), sendFields: sendFields()}
	if cfg.Cluster != nil {
		s.forwarder = s.newForwarder()
	}
	s.router = s.routes()
	s.methods = newRouteMethods(s.router)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Router exposes the chi router (the spec-drift test walks it).
func (s *Server) Router() chi.Router { return s.router }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	if s.cfg.HTTPMetrics != nil {
		r.Use(s.cfg.HTTPMetrics) // outside the recoverer, so 500s are counted
	}
	r.Use(s.logRequests, s.recoverer, securityHeaders)
	if len(s.cfg.CORSOrigins) > 0 {
		r.Use(s.cors()) // before auth: preflights carry no key
	}
	// Every body is bounded by the largest limit; routes tighten it.
	r.Use(s.limitBody(max(s.cfg.MaxBodyBytes, s.cfg.MaxDataBytes)))
	jsonBody := s.limitBody(s.cfg.MaxBodyBytes)
	r.NotFound(s.wrap(func(http.ResponseWriter, *http.Request) error {
		return apperr.E(apperr.NotFound, "no route here; see /openapi.json")
	}))
	r.MethodNotAllowed(s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		allowed := s.methods.allowed(r.URL.Path)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return apperr.E(apperr.MethodNotAllowed, "method %s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))
	}))

	// Public: the probes and the API reference.
	r.Get("/healthz", s.wrap(s.healthz))
	r.Get("/readyz", s.wrap(s.readyz))
	s.docRoutes(r)
	r.Mount(dashboard.Prefix, dashboard.Handler()) // static files only; the page asks for the key
	if s.cfg.Metrics != nil && s.cfg.MetricsPublic {
		r.Get("/metrics", s.metrics)
	}

	// Everything else needs a key when one is configured.
	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, s.requireJSON)
		if s.cfg.Metrics != nil && !s.cfg.MetricsPublic {
			r.With(s.adminOnly).Get("/metrics", s.metrics)
		}
		r.Route("/v1/sessions", func(r chi.Router) {
			r.Get("/", s.wrap(s.listSessions))
			r.With(jsonBody).Post("/", s.wrap(s.createSession))
			r.Route("/{id}", func(r chi.Router) {
				r.Use(s.sessionScope, s.forwardToOwner)
				r.Get("/", s.wrap(s.getSession))
				r.With(jsonBody).Patch("/", s.wrap(s.patchSession))
				r.Delete("/", s.wrap(s.deleteSession))
				r.Post("/start", s.wrap(s.startSession))
				r.Post("/stop", s.wrap(s.stopSession))
				r.Post("/restart", s.wrap(s.restartSession))
				r.Post("/logout", s.wrap(s.logoutSession))
				r.Get("/qr", s.wrap(s.getQR))
				r.With(jsonBody).Post("/pairing-code", s.wrap(s.pairingCode))
				r.Get("/me", s.wrap(s.getMe))
				r.Get("/screenshot", s.wrap(s.screenshot))
				s.messageRoutes(r)
				r.Get("/data", s.wrap(s.exportData))
				r.With(s.limitBody(s.cfg.MaxDataBytes)).Put("/data", s.wrap(s.importData))
			})
		})
		if s.cfg.Keys != nil {
			r.Route("/v1/keys", func(r chi.Router) {
				r.Use(s.adminOnly)
				r.Get("/", s.wrap(s.listKeys))
				r.With(jsonBody).Post("/", s.wrap(s.createKey))
				r.Delete("/{kid}", s.wrap(s.deleteKey))
			})
		}
		s.nodeRoutes(r)
		if s.cfg.Mount != nil {
			s.cfg.Mount(r, s.wrap)
		}
	})
	return r
}
