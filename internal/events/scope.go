package events

import (
	"context"
	"fmt"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Scope restricts the sessions a request may see: the API-keys layer puts
// one in the request context (WithScope) and every stream, history and
// webhook handler here honours it. A nil Scope allows every session.
type Scope func(session string) bool

// Allows reports whether the scope lets its holder see session. A nil scope
// allows all; a non-nil scope never allows events of no session (Global).
func (s Scope) Allows(session string) bool {
	if s == nil {
		return true
	}
	return session != Global && s(session)
}

// AllowsAll reports whether every one of sessions is allowed. An empty list
// means "all sessions" and only a nil scope allows it.
func (s Scope) AllowsAll(sessions []string) bool {
	if s == nil {
		return true
	}
	if len(sessions) == 0 {
		return false
	}
	for _, id := range sessions {
		if !s.Allows(id) {
			return false
		}
	}
	return true
}

type scopeKey struct{}

// WithScope returns a context carrying s.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFromContext returns the scope set by WithScope, or nil (all sessions).
func ScopeFromContext(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}

// OutOfScope is the error for a session a scoped caller may not see: the
// same session_not_found (404) that a session which does not exist gets, so
// that a scoped key cannot even learn which other sessions exist.
func OutOfScope(id string) error {
	return &apperr.Error{Code: apperr.SessionNotFound, Detail: fmt.Sprintf("session %q does not exist", id)}
}

// KeyCheck reports whether the credentials that opened a stream still hold.
// Streams call it at every heartbeat, a fallback for a revocation whose
// key.revoked event was never published.
type KeyCheck func(ctx context.Context) bool

// streamKey is the scoped API key a request authenticated with.
type streamKey struct {
	id    string
	check KeyCheck
}

type streamKeyKey struct{}

// WithKey returns a context saying the request authenticated with the scoped
// key id, still valid while check says so. A subscription opened with it
// ends (ErrKeyRevoked) when a key.revoked event for id is fanned out.
func WithKey(ctx context.Context, id string, check KeyCheck) context.Context {
	return context.WithValue(ctx, streamKeyKey{}, streamKey{id, check})
}

// keyFrom returns the request's key; without one (admin, or no auth) the id
// is empty and the check always passes.
func keyFrom(ctx context.Context) streamKey {
	k, _ := ctx.Value(streamKeyKey{}).(streamKey)
	if k.check == nil {
		k.check = func(context.Context) bool { return true }
	}
	return k
}
