package wasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// Code is a control-API error code, shown as the problem's "code". The
// simulator has its own vocabulary: it stands in for WhatsApp and shares
// nothing with the product it is tested against.
type Code string

// Generic control-API error codes; the specific ones sit with their calls.
const (
	CodeInvalid     Code = "invalid_request" // bad input; the detail names the field
	CodeNotFound    Code = "not_found"
	CodeConflict    Code = "conflict"
	CodeUnavailable Code = "unavailable"
	codeInternal    Code = "internal"

	codeRouteNotFound    Code = "route_not_found"
	codeMethodNotAllowed Code = "method_not_allowed"
)

// Error is a control-API error: Code for machines, Detail for people.
type Error struct {
	Code   Code
	Detail string
}

// Error implements error.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Detail }

// CodeOf returns the Code of the first *Error in err's chain, or "internal".
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return codeInternal
}

// errorf returns an *Error with a formatted detail.
func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// fieldError returns a CodeInvalid error naming the field and the reason.
func fieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Detail: field + ": " + fmt.Sprintf(format, args...)}
}

// statusOf is the one table from error code to HTTP status.
var statusOf = map[Code]int{
	CodeInvalid:          http.StatusBadRequest,
	CodeNotFound:         http.StatusNotFound,
	codeRouteNotFound:    http.StatusNotFound,
	CodeAccountNotFound:  http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeConflict:         http.StatusConflict,
	CodeUnknownCode:      http.StatusConflict,
	CodeCodeExpired:      http.StatusConflict,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeNotImplemented:   http.StatusNotImplemented,
	CodeAccountKind:      http.StatusConflict,
	CodeNotLegacy:        http.StatusBadRequest,
	codeNotAdmin:         http.StatusForbidden,
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
			err = errorf(codeMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, method)
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
	code := CodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = codeInternal, http.StatusInternalServerError
	}
	p := Problem{Type: "urn:easy-api:problem:" + string(code), Title: http.StatusText(status),
		Status: status, Code: string(code)}
	if e, ok := errors.AsType[*Error](err); ok && status < 500 {
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
			return errorf(CodeInvalid, "request body must be a JSON object")
		}
		return errorf(CodeInvalid, "invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errorf(CodeInvalid, "request body must hold one JSON object")
	}
	return nil
}

// body is a control-API request body that knows its required fields.
type body interface {
	// check returns required's error for the body's required fields.
	check() error
}

// handleJSON runs a control route of the common shape: decode the JSON
// body into a Req, check it, call fn and answer its result as JSON.
func handleJSON[Req body, Res any](w http.ResponseWriter, r *http.Request, fn func(Req) (Res, error)) error {
	return handleJSONN(w, r, maxBody, fn)
}

// handleJSONN is handleJSON with a body limit of limit bytes.
func handleJSONN[Req body, Res any](w http.ResponseWriter, r *http.Request, limit int64, fn func(Req) (Res, error)) error {
	var req Req
	if err := decodeN(r, &req, limit); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	res, err := fn(req)
	if err != nil {
		return err
	}
	return writeJSON(w, res)
}

// handlePhone runs a GET control route about one account: the phone query
// parameter is required, fn's result is answered as JSON.
func handlePhone[Res any](w http.ResponseWriter, r *http.Request, fn func(phone string) (Res, error)) error {
	phone := r.URL.Query().Get("phone")
	if err := required("phone", phone); err != nil {
		return err
	}
	res, err := fn(phone)
	if err != nil {
		return err
	}
	return writeJSON(w, res)
}

// required returns an Invalid error naming the first empty field.
func required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			return fieldError(fields[i], "is required")
		}
	}
	return nil
}
