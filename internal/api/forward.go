package api

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// In a cluster any node answers the API, but only the node holding a
// session's lease runs its browser. A request under /v1/sessions/{id}/…
// that needs the browser is forwarded to the owner's advertised URL, with
// the caller's method, path, query, body and key, and the caller sees the
// owner's status and body. Reading the session resource, lists, history
// and the streams are served by any node from the replicated store, so they
// are never forwarded; deleting or patching a session goes to its owner,
// whose browser and in-memory session the change must reach.

const (
	// ForwardedByHeader marks a request one node forwarded to another; it
	// names the forwarding node. A request carrying it is never forwarded
	// again (the loop guard): when the lease moved meanwhile, the answer is
	// 503 owner_unreachable and the client retries.
	ForwardedByHeader = "X-Easy-Api-Forwarded-By"
	// NodeHeader names, in a cluster, the node that served a request for a
	// session (the owner of its lease).
	NodeHeader = "X-Easy-Api-Node"

	// DefaultForwardTimeout is Config.ForwardTimeout's default: the longest
	// call an owner answers (a raw call may ask for session.RawMaxTimeout)
	// plus a margin for the owner's own work, so that a forwarded long call
	// never turns into a 503 from a healthy owner.
	DefaultForwardTimeout = session.RawMaxTimeout + 30*time.Second
	// forwardDialTimeout bounds connecting to an owner: a node that is
	// down is reported at once, not after the forward timeout.
	forwardDialTimeout = 3 * time.Second
)

// newForwarder returns the reverse proxy to owners. Its transport ignores
// HTTP_PROXY settings: nodes talk to each other directly.
func (s *Server) newForwarder() *httputil.ReverseProxy {
	timeout := s.cfg.ForwardTimeout
	if timeout <= 0 {
		timeout = DefaultForwardTimeout
	}
	transport := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: forwardDialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
	}
	return &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(ownerURLFrom(pr.In.Context()))
			// Keep the chain a trusted proxy in front of us started: the
			// owner counts failed keys against the address it names.
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
			pr.Out.Header.Set(ForwardedByHeader, s.cfg.Cluster.Self())
		},
		ErrorHandler: s.forwardFailed,
		// A copy cut short (the owner died mid-answer) is reported here.
		ErrorLog: log.New(s.log.With().Str("component", "forward").Logger(), "", 0),
	}
}

type ownerURLKey struct{}

func ownerURLFrom(ctx context.Context) *url.URL { return ctx.Value(ownerURLKey{}).(*url.URL) }

// forwardToOwner serves a session's browser routes here when this node owns
// the session (or no node needs to: it is not running), and forwards them
// to the owner otherwise. Without a cluster it does nothing.
func (s *Server) forwardToOwner(next http.Handler) http.Handler {
	if s.cfg.Cluster == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		if !needsOwner(r.Method, r.URL.Path, id) {
			next.ServeHTTP(w, r)
			return
		}
		target, err := s.ownerOf(r, id)
		switch {
		case err != nil:
			s.writeProblem(w, r, err)
		case target == nil:
			w.Header().Set(NodeHeader, s.cfg.Cluster.Self())
			next.ServeHTTP(w, r)
		default:
			s.forwardTo(w, r, target)
		}
	})
}

// forwardTo sends the request to the node at target and relays its answer.
func (s *Server) forwardTo(w http.ResponseWriter, r *http.Request, target *url.URL) {
	// The owner sets the headers every answer carries (security, CORS)
	// itself; ours are kept for an error of the forward.
	saved := w.Header().Clone()
	clear(w.Header())
	ctx := context.WithValue(r.Context(), ownerURLKey{}, target)
	ctx = context.WithValue(ctx, savedHeadersKey{}, saved)
	s.forwarder.ServeHTTP(w, r.WithContext(ctx))
}

// advertisedURL parses a node's advertised API URL.
func advertisedURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	return u, err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https")
}

// needsOwner reports whether a request under /v1/sessions/{id} needs the
// session's owner: everything below the session resource does, and so does
// a change of the resource itself (a delete must stop the owner's browser).
// An invalid id needs no owner: the handler answers 400.
func needsOwner(method, path, id string) bool {
	if session.ValidateID(id) != nil {
		return false
	}
	rest, ok := strings.CutPrefix(path, "/v1/sessions/"+id+"/")
	if ok && rest != "" {
		return true
	}
	return method == http.MethodDelete || method == http.MethodPatch
}

// ownerOf returns where to forward a request for session id: nil to serve
// it here, or the owner's advertised URL.
func (s *Server) ownerOf(r *http.Request, id string) (*url.URL, error) {
	ctx := r.Context()
	node, raw, local, ok, err := s.cfg.Cluster.Owner(ctx, id)
	switch {
	case err != nil:
		if _, isApp := errors.AsType[*apperr.Error](err); isApp {
			return nil, err
		}
		return nil, apperr.Wrap(err, apperr.Unavailable, "cannot read the lease of session %q from the store", id)
	case local:
		return nil, nil
	case !ok:
		// No lease: a session that does not want to run needs no owner
		// (start, or a 409 saying it is not running, is answered here).
		v, err := s.cfg.Sessions.Get(ctx, id)
		if err != nil || !v.Status.Running() {
			return nil, nil
		}
		return nil, apperr.E(apperr.OwnerUnreachable, "session %q is %s but no node holds its lease yet (it is moving to another node); retry shortly", id, v.Status)
	case r.Header.Get(ForwardedByHeader) != "":
		return nil, apperr.E(apperr.OwnerUnreachable, "session %q moved to node %s while the request was being forwarded; retry shortly", id, node)
	}
	target, usable := advertisedURL(raw)
	if !usable {
		return nil, apperr.E(apperr.OwnerUnreachable, "node %s, which owns session %q, advertises no usable URL (%q)", node, id, raw)
	}
	return target, nil
}

type savedHeadersKey struct{}

// forwardFailed answers a forward that got no answer from the owner.
func (s *Server) forwardFailed(w http.ResponseWriter, r *http.Request, err error) {
	if saved, ok := r.Context().Value(savedHeadersKey{}).(http.Header); ok {
		for k, v := range saved {
			w.Header()[k] = v
		}
	}
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		s.writeProblem(w, r, apperr.Wrap(err, apperr.TooLarge, "the request body is over the server's limit"))
		return
	}
	if r.Context().Err() != nil {
		// The caller went away: nobody reads an answer.
		s.log.Debug().Err(err).Str("request_id", middleware.GetReqID(r.Context())).Msg("forward canceled by the client")
		return
	}
	target := ownerURLFrom(r.Context())
	s.writeProblem(w, r, apperr.Wrap(err, apperr.OwnerUnreachable, "node %s does not answer; retry shortly", target.Host))
}
