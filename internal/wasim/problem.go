package wasim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Problem is the body of every control-API error (RFC 9457
// application/problem+json), the same shape as the main API's errors.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
}

// Control-API error codes only the HTTP edge produces.
const (
	codeRouteNotFound    apperr.Code = "route_not_found"
	codeMethodNotAllowed apperr.Code = "method_not_allowed"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:       http.StatusBadRequest,
	apperr.NotFound:      http.StatusNotFound,
	codeRouteNotFound:    http.StatusNotFound,
	CodeAccountNotFound:  http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	apperr.Conflict:      http.StatusConflict,
	CodeUnknownCode:      http.StatusConflict,
	apperr.Unavailable:   http.StatusServiceUnavailable,
	CodeNotImplemented:   http.StatusNotImplemented,
	CodeAccountKind:      http.StatusConflict,
	CodeNotLegacy:        http.StatusBadRequest,
}

// handlerFunc is a control-API handler: it writes a response or returns an
// error for writeProblem.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// api adapts h to http.Handler, allowing only method.
func (s *Server) api(method string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			err = apperr.E(codeMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, method)
		} else {
			err = h(w, r)
		}
		if err != nil {
			s.writeProblem(w, r, err)
		}
	})
}

// writeProblem writes err as problem+json. Details of internal errors go to
// the log, not to the client.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = apperr.Internal, http.StatusInternalServerError
	}
	p := Problem{Type: "urn:easy-api:problem:" + string(code), Title: http.StatusText(status),
		Status: status, Code: string(code)}
	if e, ok := errors.AsType[*apperr.Error](err); ok && status < 500 {
		p.Detail = e.Detail
	}
	if status >= 500 {
		s.log.Error().Err(err).Str("path", r.URL.Path).Msg("control API error")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as a 200 JSON response.
func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// maxBody bounds a control-API request body.
const maxBody = 64 << 10

// decode reads r's JSON body into v, rejecting unknown fields and trailing
// data, as a 400 that says what is wrong.
func decode(r *http.Request, v any) error { return decodeN(r, v, maxBody) }

// decodeN is decode with a body limit of limit bytes.
func decodeN(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return apperr.E(apperr.Invalid, "request body must be a JSON object")
		}
		return apperr.E(apperr.Invalid, "invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return apperr.E(apperr.Invalid, "request body must hold one JSON object")
	}
	return nil
}

// required returns an Invalid error naming the first empty field.
func required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			return apperr.Field(fields[i], "is required")
		}
	}
	return nil
}
