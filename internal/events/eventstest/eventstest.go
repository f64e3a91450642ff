// Package eventstest has helpers for tests of the events packages: a real
// store on a temp dir and a stand-in for the api package's problem+json
// adapter.
package eventstest

import (
	"context"
	"encoding/json"
	"errors"
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

// Problem is the error body Wrap writes.
type Problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

var statuses = map[apperr.Code]int{
	apperr.Invalid: 400, apperr.InvalidID: 400, apperr.NotFound: 404, apperr.SessionNotFound: 404, apperr.Forbidden: 403,
	apperr.Gone: 410, apperr.Conflict: 409, apperr.Unavailable: 503,
}

// Wrap adapts an error-returning handler like the api package does: an
// *apperr.Error becomes its status and a JSON problem.
func Wrap(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		p := Problem{Status: 500, Code: string(apperr.Internal), Detail: err.Error()}
		if e, ok := errors.AsType[*apperr.Error](err); ok {
			p.Code, p.Detail = string(e.Code), e.Detail
			if s, ok := statuses[e.Code]; ok {
				p.Status = s
			}
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(p.Status)
		_ = json.NewEncoder(w).Encode(p)
	}
}
