package api

import (
	"net/http"
)

// Calls: /v1/sessions/{id}/calls/{call}/reject.

// RejectCallRequest is the body of POST .../calls/{call}/reject (optional).
type RejectCallRequest struct {
	Message string `json:"message,omitempty" example:"Sorry, I cannot take calls here; please write."` // sent to the caller after rejecting
} // @name RejectCallRequest

// rejectCall godoc
//
//	@Summary		Reject a ringing call
//	@ID				rejectCall
//	@Description	Rejects a call that call.received announced and, with a message, sends the caller that text. call.rejected follows. A session with reject_calls on rejects every call by itself.
//	@Tags			calls
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			call	path		string				true	"call id (call.received's id)"
//	@Param			body	body		RejectCallRequest	false	"a text for the caller"
//	@Success		200		{object}	session.RejectResult
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or call (call_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; the call is not ringing any more (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/calls/{call}/reject [post]
func (s *Server) rejectCall(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	var req RejectCallRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
	}
	res, err := s.cfg.Sessions.RejectCall(r.Context(), id, pathParam(r, "call"), req.Message)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}
