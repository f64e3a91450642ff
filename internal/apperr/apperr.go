// Package apperr is the one error vocabulary of easy-api. Domain packages
// return *Error values carrying a machine Code; Status maps each Code to an
// HTTP status and WriteProblem writes the problem+json body, for every HTTP
// surface (the API, the event streams, webhooks, the dashboard).
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable machine-readable error code, shown to clients as the
// problem's "code" member.
type Code string

// Codes used across the server. Add new codes here and map them in the
// status table of problem.go.
const (
	Invalid          Code = "invalid_request"     // a bad input; Field names it
	InvalidID        Code = "invalid_session_id"  // a session id that fails the id pattern
	NotFound         Code = "not_found"           // a generic missing resource
	SessionNotFound  Code = "session_not_found"   // no session with that id
	SessionExists    Code = "session_exists"      // create of an id already registered
	Conflict         Code = "conflict"            // the resource is in the wrong state
	NotScanQRCode    Code = "not_scan_qr_code"    // QR asked for while not in SCAN_QR_CODE
	NotRunning       Code = "session_not_running" // a call that needs a running browser
	NotWorking       Code = "session_not_working" // a call that needs WORKING
	Gone             Code = "gone"                // data older than retention
	Timeout          Code = "timeout"             // the page did not answer in time
	Unavailable      Code = "unavailable"         // a dependency is down
	Unauthorized     Code = "unauthorized"
	Forbidden        Code = "forbidden"
	Internal         Code = "internal"
	TooLarge         Code = "body_too_large"         // 413
	UnsupportedMedia Code = "unsupported_media_type" // 415
	MethodNotAllowed Code = "method_not_allowed"     // 405
	RateLimited      Code = "rate_limited"           // 429
	StorageFull      Code = "storage_full"           // 507: the disk refuses writes (space, quota, read-only)
	MessageNotFound  Code = "message_not_found"      // no message with that id in the session
	ChatNotFound     Code = "chat_not_found"         // no chat with that id in the session
	NotAllowed       Code = "not_allowed"            // WhatsApp refused the action on this message or chat
	OwnerUnreachable Code = "owner_unreachable"      // 503: in a cluster, the node owning the session does not answer or no node holds its lease yet
	ContactNotFound  Code = "contact_not_found"      // no contact with that id in the session
	NotOnWhatsApp    Code = "not_on_whatsapp"        // the number has no WhatsApp account

	// Calls and the raw call (session/calls.go, session/raw.go).
	CallNotFound        Code = "call_not_found"         // no such call in the session
	WPPFunctionNotFound Code = "wpp_function_not_found" // the raw call names no function of WPP
	WPPResultNotJSON    Code = "wpp_result_not_json"    // 422: the result cannot be turned into JSON
	WPPResultTooLarge   Code = "wpp_result_too_large"   // 422: the result is over the size bound
	WPPCallFailed       Code = "wpp_call_failed"        // 422: the function threw

	// Labels, status updates and channels (issue 18).
	NotBusinessAccount Code = "not_business_account" // labels need a WhatsApp Business account
	LabelNotFound      Code = "label_not_found"      // no label with that id
	ChannelNotFound    Code = "channel_not_found"    // no channel (newsletter) with that id
	StatusNotFound     Code = "status_not_found"     // no status update of ours with that id

	// Groups (session/groups.go).
	GroupNotFound  Code = "group_not_found"  // the session is in no group with that id
	NotGroupAdmin  Code = "not_group_admin"  // only the group's admins may do that
	GroupFull      Code = "group_full"       // the group holds as many participants as WhatsApp allows
	InviteNotFound Code = "invite_not_found" // no group has that invite code (wrong, or revoked)
)

// Error is an application error: Code for machines, Detail for people (safe
// to show a client), Field for the offending input when there is one, and Err
// for the log only.
type Error struct {
	Code   Code
	Detail string
	Field  string
	Err    error
}

// Error implements error.
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, apperr.E(apperr.NotFound, "")) style checks and the sentinels
// below work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Detail == "" && t.Field == "" && t.Err == nil
}

// E returns an *Error with a formatted detail.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error naming the field and the reason.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Detail: field + ": " + fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the code and detail that keeps err as its cause.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the Code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// Sentinels for errors.Is checks.
var (
	ErrNotFound = &Error{Code: NotFound}
	ErrExists   = &Error{Code: SessionExists}
	ErrConflict = &Error{Code: Conflict}
)
