package api

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/cors"

	"github.com/easy-api/easy-api/internal/apperr"
)

// securityHeaders sets the headers every answer carries: no MIME sniffing,
// never framed, no referrer. Pages (the API reference, the dashboard) set a
// fuller Content-Security-Policy of their own over this one.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// cors lets browsers on Config.CORSOrigins call the API with a key header.
// Preflights are answered here, before authentication (they carry no key).
func (s *Server) cors() func(http.Handler) http.Handler {
	return cors.Handler(cors.Options{
		AllowedOrigins: s.cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"X-Api-Key", "Authorization", "Content-Type", "Accept", "Last-Event-ID"},
		ExposedHeaders: []string{"Location", "Retry-After", "Content-Disposition", "X-Request-Id"},
		MaxAge:         600,
	})
}

// requireJSON answers 415 to a request body that says it is not JSON, on
// every authenticated route (all of them take JSON). A body without a
// Content-Type is read as JSON.
func (s *Server) requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" && r.ContentLength != 0 && !isJSON(ct) {
			s.writeProblem(w, r, &apperr.Error{Code: apperr.UnsupportedMedia,
				Detail: fmt.Sprintf("Content-Type %q: send application/json", truncate(ct, 80))})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isJSON reports whether a Content-Type is application/json or +json.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
