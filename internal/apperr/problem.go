package apperr

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Problem is an RFC 9457 problem+json body, the shape of every error the
// server answers.
type Problem struct {
	Type      string `json:"type" example:"https://easy-api.dev/problems/session_not_found"`
	Title     string `json:"title" example:"Not Found"`
	Status    int    `json:"status" example:"404"`
	Detail    string `json:"detail,omitempty" example:"session \"alice\" does not exist"`
	Code      string `json:"code" example:"session_not_found"`
	Field     string `json:"field,omitempty" example:"id"`
	RequestID string `json:"request_id,omitempty" example:"host/abc-000001"`
} // @name Problem

// ProblemTypeBase prefixes a code to make a problem's type URI.
const ProblemTypeBase = "https://easy-api.dev/problems/"

// statuses is the one table from error code to HTTP status.
var statuses = map[Code]int{
	Invalid:          http.StatusBadRequest,
	InvalidID:        http.StatusBadRequest,
	NotFound:         http.StatusNotFound,
	SessionNotFound:  http.StatusNotFound,
	SessionExists:    http.StatusConflict,
	Conflict:         http.StatusConflict,
	NotScanQRCode:    http.StatusConflict,
	NotRunning:       http.StatusConflict,
	NotWorking:       http.StatusConflict,
	Gone:             http.StatusGone,
	Timeout:          http.StatusGatewayTimeout,
	Unavailable:      http.StatusServiceUnavailable,
	Unauthorized:     http.StatusUnauthorized,
	Forbidden:        http.StatusForbidden,
	Internal:         http.StatusInternalServerError,
	TooLarge:         http.StatusRequestEntityTooLarge,
	UnsupportedMedia: http.StatusUnsupportedMediaType,
	MethodNotAllowed: http.StatusMethodNotAllowed,
	RateLimited:      http.StatusTooManyRequests,
	StorageFull:      http.StatusInsufficientStorage,
	MessageNotFound:  http.StatusNotFound,
	ChatNotFound:     http.StatusNotFound,
	NotAllowed:       http.StatusConflict,
	OwnerUnreachable: http.StatusServiceUnavailable,
	ContactNotFound:  http.StatusNotFound,
	NotOnWhatsApp:    http.StatusNotFound,

	CallNotFound:        http.StatusNotFound,
	WPPFunctionNotFound: http.StatusNotFound,
	WPPResultNotJSON:    http.StatusUnprocessableEntity,
	WPPResultTooLarge:   http.StatusUnprocessableEntity,
	WPPCallFailed:       http.StatusUnprocessableEntity,

	NotBusinessAccount: http.StatusConflict,
	LabelNotFound:      http.StatusNotFound,
	ChannelNotFound:    http.StatusNotFound,
	StatusNotFound:     http.StatusNotFound,

	GroupNotFound:  http.StatusNotFound,
	NotGroupAdmin:  http.StatusForbidden,
	GroupFull:      http.StatusConflict,
	InviteNotFound: http.StatusNotFound,
}

// Status returns the HTTP status of code: 500 for a code it does not know.
func Status(code Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// internalDetail replaces a 500's detail: the cause is for the log only.
const internalDetail = "internal error; the server log has the details under this request id"

// ProblemOf returns the problem a client sees for err: the code, detail
// and field of the first *Error in its chain (Internal for anything else),
// with requestID when not empty. A 500 never shows its detail.
func ProblemOf(err error, requestID string) Problem {
	code := Internal
	var p Problem
	if e, ok := errors.AsType[*Error](err); ok {
		code, p.Detail, p.Field = e.Code, e.Detail, e.Field
	}
	status := Status(code)
	if status == http.StatusInternalServerError {
		p.Detail = internalDetail
	}
	p.Type, p.Title, p.Status, p.Code, p.RequestID = ProblemTypeBase+string(code), http.StatusText(status), status, string(code), requestID
	return p
}

// WriteProblem answers with the problem for err (see ProblemOf) and returns
// it, so the caller can log what a 5xx hides.
func WriteProblem(w http.ResponseWriter, err error, requestID string) Problem {
	p := ProblemOf(err, requestID)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
	return p
}
