// Package eventstest has helpers for tests of the events packages: a real
// store on a temp dir and the api package's problem+json adapter without
// the rest of the API.
package eventstest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/store"
)

// OpenStore opens a store on dir (a new temp dir when empty) and closes it
// when the test ends.
func OpenStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := store.Open(ctx, store.Config{Dir: dir})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Wrap adapts an error-returning handler as the api package does: the
// error becomes apperr's problem+json, with the same status.
func Wrap(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			apperr.WriteProblem(w, err, "")
		}
	}
}
