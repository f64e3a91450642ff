package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// Starting, stopping, restarting and logging out a session: each answers
// the session's view, or 202 with it while a close outlasts ?wait.

// waitContext bounds a call that closes a browser by the request's ?wait
// (a duration); without it, by the request's own context.
func waitContext(r *http.Request) (context.Context, context.CancelFunc, error) {
	q := r.URL.Query().Get("wait")
	if q == "" {
		ctx, cancel := context.WithCancel(r.Context())
		return ctx, cancel, nil
	}
	d, err := time.ParseDuration(q)
	if err != nil || d < 0 {
		return nil, nil, apperr.Field("wait", "must be a duration such as 500ms or 2s")
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	return ctx, cancel, nil
}

// closeOp is viewOp for a call that closes a browser: bounded by ?wait, and
// answering 202 with the current view when the close outlasts it.
func (s *Server) closeOp(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, id string) (session.View, error)) error {
	ctx, cancel, err := waitContext(r)
	if err != nil {
		return err
	}
	defer cancel()
	return s.viewOp(w, r.WithContext(ctx), op)
}

// startSession godoc
//
//	@Summary	Start a session (no-op when running; retries a FAILED one)
//	@ID			startSession
//	@Tags		sessions
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	session.View
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	507	{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/start [post]
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) error {
	return s.viewOp(w, r, s.cfg.Sessions.Start)
}

// stopSession godoc
//
//	@Summary		Stop a session gracefully (keeps its stored auth)
//	@ID				stopSession
//	@Description	Waits for the browser to close up to ?wait; past it the answer is 202 with the current status and the close finishes by itself (watch session.status for STOPPED).
//	@Tags			sessions
//	@Produce		json
//	@Param			id		path		string			true	"session id"
//	@Param			wait	query		string			false	"longest wait for the browser to close, e.g. 2s; 0 answers at once"
//	@Success		200		{object}	session.View	"stopped"
//	@Success		202		{object}	session.View	"stopping; the browser is still closing"
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		507		{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/stop [post]
func (s *Server) stopSession(w http.ResponseWriter, r *http.Request) error {
	return s.closeOp(w, r, s.cfg.Sessions.Stop)
}

// restartSession godoc
//
//	@Summary		Restart a session; stored auth resumes it without a QR
//	@ID				restartSession
//	@Description	Waits for the old browser to close up to ?wait; past it the answer is 202 and the new browser launches once the old one closed.
//	@Tags			sessions
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			wait	query		string	false	"longest wait for the old browser to close, e.g. 2s; 0 answers at once"
//	@Success		200		{object}	session.View
//	@Success		202		{object}	session.View	"restarting; the old browser is still closing"
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		507		{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/restart [post]
func (s *Server) restartSession(w http.ResponseWriter, r *http.Request) error {
	return s.closeOp(w, r, s.cfg.Sessions.Restart)
}

// logoutSession godoc
//
//	@Summary	Log the session out of its host account; it ends STOPPED with its auth purged
//	@ID			logoutSession
//	@Tags		sessions
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	session.View
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/logout [post]
func (s *Server) logoutSession(w http.ResponseWriter, r *http.Request) error {
	return s.viewOp(w, r, s.cfg.Sessions.Logout)
}

// viewOp runs a manager operation on {id} and answers with the view.
func (s *Server) viewOp(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, id string) (session.View, error)) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	v, err := op(r.Context(), id)
	if p, ok := errors.AsType[*session.Pending](err); ok {
		return writeJSON(w, http.StatusAccepted, p.View)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
