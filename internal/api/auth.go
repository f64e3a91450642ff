package api

import (
	"context"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/session"
)

// DefaultAuthFailures is Config.AuthFailures' default: failed
// authentications per client address per minute.
const DefaultAuthFailures = 20

// KeyStore is what the API needs of the scoped keys (apikey.Keys).
type KeyStore interface {
	// Create issues a key for sessions; invalid input is apperr Invalid.
	Create(ctx context.Context, name string, sessions []string) (apikey.CreatedKey, error)
	// List returns every key without secrets, oldest first.
	List(ctx context.Context) ([]apikey.Key, error)
	// Delete revokes a key; an unknown id is apperr NotFound.
	Delete(ctx context.Context, id string) error
	// Lookup returns the key whose secret is key, or an apperr Unauthorized.
	Lookup(ctx context.Context, key string) (apikey.Key, error)
}

type principalKey struct{}

// principalFrom returns who the request acts as. Requests that passed no
// authentication (none configured) act as the admin.
func principalFrom(ctx context.Context) apikey.Principal {
	if p, ok := ctx.Value(principalKey{}).(apikey.Principal); ok {
		return p
	}
	return apikey.Principal{Admin: true}
}

// streamPaths take the key as ?api_key= too: browsers cannot set headers on
// WebSocket and EventSource requests.
var streamPaths = map[string]bool{"/v1/ws": true, "/v1/events": true}

// presentedKey returns the key a request carries: X-Api-Key, else
// Authorization: Bearer, else (streams only) the api_key query parameter.
func presentedKey(r *http.Request) string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	if streamPaths[r.URL.Path] {
		return r.URL.Query().Get("api_key")
	}
	return ""
}

// authenticate resolves the request's key to a principal and puts it (and,
// for a scoped key, its events.Scope) in the context. A missing key is 401
// when a key is configured; a wrong or revoked key is 401 always and counts
// against the client's failure budget, past which every request from that
// client is 429 until the window passes.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := presentedKey(r)
		if key == "" && s.cfg.AdminKey == "" {
			next.ServeHTTP(w, r)
			return
		}
		client := clientAddr(r, s.cfg.TrustedProxies)
		if s.lockedOut(client) {
			s.writeLockedOut(w, r)
			return
		}
		if key == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="easy-api"`)
			s.writeProblem(w, r, apperr.E(apperr.Unauthorized, "this route needs an API key: send X-Api-Key or Authorization: Bearer"))
			return
		}
		p, err := s.principal(r.Context(), key)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Unauthorized {
				// OnLimit counts the failure, atomically, and says when
				// it is one too many (concurrent guesses past the gate).
				if s.failures.OnLimit(w, r, client) {
					s.writeLockedOut(w, r)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="easy-api", error="invalid_token"`)
			}
			s.writeProblem(w, r, err)
			return
		}
		// Concurrent wrong guesses may have locked the client out while
		// this key was looked up: a right guess must not tell.
		if s.lockedOut(client) {
			s.writeLockedOut(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		if !p.Admin {
			ctx = events.WithScope(ctx, p.Allows)
			// Streams outlive this check: a key.revoked event for the key
			// ends them at once, and they re-run the check at each
			// heartbeat in case that event never came.
			ctx = events.WithKey(ctx, p.KeyID, func(ctx context.Context) bool {
				_, err := s.principal(ctx, key)
				return err == nil || apperr.CodeOf(err) != apperr.Unauthorized // a store hiccup is not a revocation
			})
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// lockedOut reports whether client has spent its failure budget. It uses
// httprate's own rule (a failure is refused when round(rate)+1 > limit), so
// that whenever a wrong key would be refused the right key is refused too:
// a guessing client never learns, while locked out, that a guess was right.
func (s *Server) lockedOut(client string) bool {
	_, rate, err := s.failures.Status(client)
	return err != nil || int(math.Round(rate))+1 > s.cfg.AuthFailures
}

func (s *Server) writeLockedOut(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(int(time.Minute.Seconds())))
	s.writeProblem(w, r, apperr.E(apperr.RateLimited, "too many failed authentications from this address; try again later"))
}

// principal resolves a presented key: the admin key, else a scoped key.
func (s *Server) principal(ctx context.Context, key string) (apikey.Principal, error) {
	if s.cfg.AdminKey != "" && apikey.Match(key, s.cfg.AdminKey) {
		return apikey.Principal{Admin: true}, nil
	}
	if s.cfg.Keys == nil {
		return apikey.Principal{}, apikey.ErrUnknownKey
	}
	k, err := s.cfg.Keys.Lookup(ctx, key)
	if err != nil {
		return apikey.Principal{}, err
	}
	return apikey.Principal{KeyID: k.ID, Sessions: k.Sessions}, nil
}

// adminOnly answers 403 to scoped keys.
func (s *Server) adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !principalFrom(r.Context()).Admin {
			s.writeProblem(w, r, apperr.E(apperr.Forbidden, "only the admin key may use %s", r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sessionScope answers for a session outside a scoped key's scope exactly
// as for a session that does not exist. Invalid ids go on to the handler,
// which answers 400.
func (s *Server) sessionScope(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		if session.ValidateID(id) == nil && !principalFrom(r.Context()).Allows(id) {
			s.writeProblem(w, r, events.OutOfScope(id))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the address failed authentications are counted against:
// the peer, or, when the peer is a trusted proxy, the right-most address of
// X-Forwarded-For that is not a trusted proxy. IPv6 addresses count per /64.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return httprate.CanonicalizeIP(r.RemoteAddr)
	}
	addr := peer.Addr().Unmap()
	if isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: trust nothing further left
			}
			addr = hop.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	return httprate.CanonicalizeIP(addr.String())
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
