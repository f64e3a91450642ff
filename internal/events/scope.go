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

// KeyCheck reports whether the credentials that opened a stream still hold:
// a scoped key revoked while its streams are open must stop them. Streams
// call it at every heartbeat.
type KeyCheck func(ctx context.Context) bool

type keyCheckKey struct{}

// WithKeyCheck returns a context carrying c.
func WithKeyCheck(ctx context.Context, c KeyCheck) context.Context {
	return context.WithValue(ctx, keyCheckKey{}, c)
}

// keyCheckFrom returns the request's KeyCheck; without one (admin, or no
// auth) the key stays valid.
func keyCheckFrom(ctx context.Context) KeyCheck {
	if c, ok := ctx.Value(keyCheckKey{}).(KeyCheck); ok && c != nil {
		return c
	}
	return func(context.Context) bool { return true }
}
