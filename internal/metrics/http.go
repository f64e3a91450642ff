package metrics

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// unmatchedRoute is the route label of requests no route pattern matched.
const unmatchedRoute = "unmatched"

// HTTP wraps next to record easy_api_http_requests_total and
// easy_api_http_request_seconds. The route label is chi's route pattern
// (/v1/sessions/{id}), read after next ran, never the raw path: a path holds
// session ids and would make one series per id. Requests that match no
// route are labelled "unmatched", unusual methods "OTHER", and a WebSocket
// upgrade whose connection was hijacked "101".
//
// It works both as a chi middleware (r.Use(m.HTTP), preferably first) and
// around a chi router from the outside: then it creates the routing context
// that the router fills in.
func (m *Metrics) HTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := m.now()
		rctx := chi.RouteContext(r.Context())
		if rctx == nil {
			rctx = chi.NewRouteContext()
			r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx))
		}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)

		route := rctx.RoutePattern()
		if route == "" {
			route = unmatchedRoute
		}
		method := methodLabel(r.Method)
		m.httpRequests.WithLabelValues(route, method, statusLabel(ww.Status(), r)).Inc()
		m.httpSeconds.WithLabelValues(route, method).Observe(m.now().Sub(start).Seconds())
	})
}

// methodLabel bounds the method label to the methods of RFC 9110 and PATCH.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// statusLabel is the status code a client saw. A handler that wrote
// nothing answered 200, unless it hijacked a WebSocket upgrade (101).
func statusLabel(code int, r *http.Request) string {
	if code == 0 {
		code = http.StatusOK
		if r.Header.Get("Upgrade") != "" {
			code = http.StatusSwitchingProtocols
		}
	}
	return strconv.Itoa(code)
}
