package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// The raw call: POST /v1/sessions/{id}/wpp (session/raw.go).

// WPPCallRequest is the body of POST .../wpp.
type WPPCallRequest struct {
	Function  string `json:"function" example:"chat.getNotes"`     // namespace.function, e.g. chat.getNotes
	Args      []any  `json:"args,omitempty"`                       // the function's arguments, each any JSON value
	TimeoutMS int64  `json:"timeout_ms,omitempty" example:"15000"` // 0: the server's call timeout; at most 120000
} // @name WPPCallRequest

// WPPCallResponse is the answer of POST .../wpp: the function's result as
// JSON (null when it returns nothing).
type WPPCallResponse struct {
	Result any `json:"result"` // any JSON value, null included
} // @name WPPCallResponse

// callWPP godoc
//
//	@Summary		Call a WPP function by name (raw, unstable)
//	@ID				callWPP
//	@Description	**Unstable**: calls any function of wa-js's public WPP namespaces (chat, contact, group, labels, status, newsletter, community, profile, blocklist, call, conn, privacy) by name, with JSON arguments, and answers its result as JSON — the escape hatch for what the typed routes do not cover yet. wa-js's functions change with WhatsApp Web, so a call that works today may not tomorrow. Never an eval: function must match ^[a-z]+\.[A-Za-z0-9]+$ and name an own function of the namespace. Bounded: 16 arguments, 256 KiB of them, timeout_ms (default the server's call timeout, at most 2 minutes), 4 MiB of result. Models in the result are shaped like the typed routes' (ids as serialized strings); a result that still cannot be JSON is a 422.
//	@Tags			raw
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"session id"
//	@Param			body	body		WPPCallRequest	true	"the function and its arguments"
//	@Success		200		{object}	WPPCallResponse
//	@Failure		400		{object}	Problem	"a malformed name, a namespace not on the list, bad arguments"
//	@Failure		404		{object}	Problem	"no such session; no such function (wpp_function_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		413		{object}	Problem
//	@Failure		422		{object}	Problem	"the function threw (wpp_call_failed); its result is not JSON (wpp_result_not_json) or too large (wpp_result_too_large)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/wpp [post]
func (s *Server) callWPP(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req WPPCallRequest) (WPPCallResponse, error) {
		c, err := req.call()
		if err != nil {
			return WPPCallResponse{}, err
		}
		res, err := s.cfg.Sessions.CallWPP(ctx, t.id, c)
		return WPPCallResponse{Result: res}, err
	})
}

// call is the request as the domain takes it, validated.
func (req WPPCallRequest) call() (session.RawCall, error) {
	// Clamped first so that no product overflows; the domain refuses it.
	ms := min(max(req.TimeoutMS, -1), session.RawMaxTimeout.Milliseconds()+1)
	c := session.RawCall{Function: req.Function, Args: make([]json.RawMessage, len(req.Args)),
		Timeout: time.Duration(ms) * time.Millisecond}
	for i, a := range req.Args {
		b, err := json.Marshal(a)
		if err != nil {
			return c, apperr.Field(fmt.Sprintf("args[%d]", i), "cannot be encoded: %v", err)
		}
		c.Args[i] = b
	}
	return c, session.ValidateRawCall(c)
}
