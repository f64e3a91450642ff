package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Problem is the problem+json body of every error (apperr.Problem).
type Problem = apperr.Problem // @name Problem

// ownerRetryAfter is the Retry-After of owner_unreachable (forward.go).
const ownerRetryAfter = 2 * time.Second

// writeProblem answers with the problem for err. 5xx causes go to the log,
// under the request id the client sees.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	reqID := middleware.GetReqID(r.Context())
	if apperr.CodeOf(err) == apperr.OwnerUnreachable {
		// A lease in transit is normally taken within a lease TTL.
		w.Header().Set("Retry-After", strconv.Itoa(int(ownerRetryAfter.Seconds())))
	}
	switch code := apperr.CodeOf(err); {
	case code == apperr.StorageFull:
		// The store logs a storage fault once, when it starts; not per write.
		s.log.Debug().Err(err).Str("request_id", reqID).Str("method", r.Method).Str("path", r.URL.Path).Msg("request refused: storage full")
	case apperr.Status(code) >= 500:
		s.log.Error().Err(err).Str("request_id", reqID).Str("method", r.Method).Str("path", r.URL.Path).Msg("request failed")
	}
	apperr.WriteProblem(w, err, reqID)
}

// handlerFunc is an HTTP handler that returns its error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc: a returned error becomes a problem response.
func (s *Server) wrap(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeProblem(w, r, err)
		}
	}
}
