package api

import (
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/easy-api/easy-api/internal/apperr"
)

// recoverer turns a panic into a 500 problem whose request id matches the
// log line.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error().Str("request_id", middleware.GetReqID(r.Context())).Interface("panic", v).
					Bytes("stack", debug.Stack()).Msg("panic in handler")
				s.writeProblem(w, r, apperr.E(apperr.Internal, "panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds request bodies to n bytes; reading past it is a 413.
func (s *Server) limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// logRequests writes one line per request with id, route, status and latency.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := chi.RouteContext(r.Context()).RoutePattern()
		s.log.Info().Str("request_id", middleware.GetReqID(r.Context())).Str("method", r.Method).
			Str("route", route).Int("status", ww.Status()).Dur("latency", time.Since(start)).Msg("http")
	})
}
