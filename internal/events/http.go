package events

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// Wrap adapts a handler that returns an error to http.HandlerFunc; the api
// package's problem+json adapter is one.
type Wrap = func(func(http.ResponseWriter, *http.Request) error) http.HandlerFunc

// Mounter is a group of routes that Handlers.Mount mounts alongside its own
// (the webhook package's handlers).
type Mounter interface {
	Mount(r chi.Router, wrap Wrap)
}

// Defaults of HandlersConfig.
const (
	DefaultPingInterval = 25 * time.Second
	DefaultWriteTimeout = 10 * time.Second
)

// HandlersConfig configures NewHandlers.
type HandlersConfig struct {
	Bus *Bus
	// Webhooks, when set, is mounted by Mount too.
	Webhooks Mounter
	// CheckOrigin decides whether a WebSocket upgrade from another origin
	// is allowed. Nil allows requests with no Origin header or one whose
	// host matches the request's Host (gorilla's default).
	CheckOrigin func(r *http.Request) bool
	// PingInterval is the WebSocket ping and SSE heartbeat period; a
	// WebSocket client that answers no ping for two periods is dropped.
	PingInterval time.Duration
	// WriteTimeout bounds each write to a stream client.
	WriteTimeout time.Duration
	// StreamOpened and StreamClosed, when set, are told when a WebSocket
	// ("ws") or SSE ("sse") client connects and leaves (metrics).
	StreamOpened, StreamClosed func(kind string)
	Log                        zerolog.Logger
}

// track reports a stream client for its lifetime; call the result on exit.
func (h *Handlers) track(kind string) func() {
	if h.cfg.StreamOpened != nil {
		h.cfg.StreamOpened(kind)
	}
	return func() {
		if h.cfg.StreamClosed != nil {
			h.cfg.StreamClosed(kind)
		}
	}
}

// Handlers serves the event streams and history over HTTP.
type Handlers struct {
	cfg      HandlersConfig
	upgrader websocket.Upgrader
}

// NewHandlers returns the HTTP handlers of cfg.Bus.
func NewHandlers(cfg HandlersConfig) *Handlers {
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	return &Handlers{
		cfg: cfg,
		upgrader: websocket.Upgrader{
			CheckOrigin:     cfg.CheckOrigin,
			ReadBufferSize:  1024,
			WriteBufferSize: 16 * 1024,
			Error:           handshakeFailed,
		},
	}
}

// handshakeFailed answers a refused WebSocket handshake like every other
// error: problem+json, with the status the upgrader chose.
func handshakeFailed(w http.ResponseWriter, r *http.Request, status int, reason error) {
	e := &apperr.Error{Code: apperr.Internal, Detail: strings.TrimPrefix(reason.Error(), "websocket: ")}
	switch status {
	case http.StatusBadRequest:
		e.Code = apperr.Invalid
	case http.StatusMethodNotAllowed:
		e.Code = apperr.MethodNotAllowed
	case http.StatusForbidden:
		e.Code, e.Detail = apperr.Forbidden, fmt.Sprintf("origin %q may not open event streams (see --allowed-origins)", r.Header.Get("Origin"))
	}
	apperr.WriteProblem(w, e, middleware.GetReqID(r.Context()))
}

// Mount registers the event routes (and the webhook routes when configured)
// on r, each wrapped by wrap.
func (h *Handlers) Mount(r chi.Router, wrap func(func(http.ResponseWriter, *http.Request) error) http.HandlerFunc) {
	r.Get("/v1/ws", wrap(h.WebSocket))
	r.Get("/v1/events", wrap(h.SSE))
	r.Get("/v1/sessions/{id}/events", wrap(h.History))
	if h.cfg.Webhooks != nil {
		h.cfg.Webhooks.Mount(r, wrap)
	}
}

// History godoc
//
//	@Summary		Event history of a session
//	@ID				listSessionEvents
//	@Description	Stored events of one session, oldest first, paged by id. `next` is the `since` of the following page, null on the last one. Without `since` the page starts at the oldest event held; `oldest_id` is that event's id. Retention answers as on the streams: a `since` whose next event is no longer held (since < oldest_id - 1, `since=0` included once the log dropped event 1) is a 410 naming the oldest id held.
//	@Tags			events
//	@Produce		json
//	@Param			id		path		string		true	"session id"
//	@Param			type	query		[]string	false	"event types (repeatable or comma-separated; * = all)"	collectionFormat(multi)
//	@Param			since	query		int			false	"return events with ids after this one"
//	@Param			limit	query		int			false	"page size (1-1000, default 100)"
//	@Success		200		{object}	Page
//	@Failure		400		{object}	api.Problem	"bad session id, unknown type, bad since/limit"
//	@Failure		404		{object}	api.Problem	"a scoped key, and the session is outside its scope"
//	@Failure		410		{object}	api.Problem	"since is older than the retained log; the detail names the oldest id held"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/events [get]
func (h *Handlers) History(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	f := Filter{Sessions: []string{id}, Types: listParam(r, "type"), Scope: ScopeFromContext(r.Context())}
	if err := f.Validate(); err != nil {
		return err
	}
	if !f.Scope.Allows(id) {
		return OutOfScope(id)
	}
	var since *uint64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return apperr.Field("since", "want an event id, got %q", v)
		}
		since = &n
	}
	limit := DefaultHistoryLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxHistoryLimit {
			return apperr.Field("limit", "want 1 to %d, got %q", MaxHistoryLimit, v)
		}
		limit = n
	}
	page, err := h.cfg.Bus.History(r.Context(), f, since, limit)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(page)
}

// streamRequest parses the filters and cursor shared by the WebSocket and
// SSE routes. lastEventID is the SSE resume header, which wins over since.
func streamRequest(r *http.Request, lastEventID string) (Filter, *uint64, error) {
	scope := ScopeFromContext(r.Context())
	f := Filter{Sessions: listParam(r, "session"), Types: listParam(r, "type"), Scope: scope}
	if err := f.Validate(); err != nil {
		return Filter{}, nil, err
	}
	for _, id := range f.Sessions {
		if !scope.Allows(id) {
			return Filter{}, nil, OutOfScope(id)
		}
	}
	field, v := "since", r.URL.Query().Get("since")
	if lastEventID != "" {
		field, v = "Last-Event-ID", lastEventID
	}
	if v == "" {
		return f, nil, nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return Filter{}, nil, apperr.Field(field, "want an event id, got %q", v)
	}
	return f, &n, nil
}

// listParam returns the values of a repeatable, comma-separated query
// parameter; "*" anywhere means all (nil).
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for p := range strings.SplitSeq(v, ",") {
			p = strings.TrimSpace(p)
			switch p {
			case "":
			case "*":
				return nil
			default:
				out = append(out, p)
			}
		}
	}
	return out
}
