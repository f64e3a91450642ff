package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Problem is an RFC 9457 problem+json body.
type Problem struct {
	Type      string `json:"type" example:"https://easy-api.dev/problems/session_not_found"`
	Title     string `json:"title" example:"Not Found"`
	Status    int    `json:"status" example:"404"`
	Detail    string `json:"detail,omitempty" example:"session \"alice\" does not exist"`
	Code      string `json:"code" example:"session_not_found"`
	Field     string `json:"field,omitempty" example:"id"`
	RequestID string `json:"request_id,omitempty" example:"host/abc-000001"`
} // @name Problem

// statusOf is the one table from error code to HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:          http.StatusBadRequest,
	apperr.InvalidID:        http.StatusBadRequest,
	apperr.NotFound:         http.StatusNotFound,
	apperr.SessionNotFound:  http.StatusNotFound,
	apperr.SessionExists:    http.StatusConflict,
	apperr.Conflict:         http.StatusConflict,
	apperr.NotScanQRCode:    http.StatusConflict,
	apperr.NotRunning:       http.StatusConflict,
	apperr.NotWorking:       http.StatusConflict,
	apperr.Gone:             http.StatusGone,
	apperr.Timeout:          http.StatusGatewayTimeout,
	apperr.Unavailable:      http.StatusServiceUnavailable,
	apperr.Unauthorized:     http.StatusUnauthorized,
	apperr.Forbidden:        http.StatusForbidden,
	apperr.Internal:         http.StatusInternalServerError,
	apperr.TooLarge:         http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.MethodNotAllowed: http.StatusMethodNotAllowed,
	apperr.RateLimited:      http.StatusTooManyRequests,
}

// problemTypeBase prefixes a code to make the problem's type URI.
const problemTypeBase = "https://easy-api.dev/problems/"

// writeProblem answers with the problem for err. 5xx details stay in the log.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.Internal
	p := Problem{}
	if e, ok := errors.AsType[*apperr.Error](err); ok {
		code, p.Detail, p.Field = e.Code, e.Detail, e.Field
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	reqID := middleware.GetReqID(r.Context())
	if status >= 500 {
		s.log.Error().Err(err).Str("request_id", reqID).Str("method", r.Method).Str("path", r.URL.Path).Msg("request failed")
		if status == http.StatusInternalServerError {
			p.Detail = "internal error; the server log has the details under this request id"
		}
	}
	p.Type, p.Title, p.Status, p.Code, p.RequestID = problemTypeBase+string(code), http.StatusText(status), status, string(code), reqID
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
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
