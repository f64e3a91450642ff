package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/jsonbody"
	"github.com/easy-api/easy-api/internal/session"
)

// CreateSessionRequest is the body of POST /v1/sessions.
type CreateSessionRequest struct {
	ID    string `json:"id" example:"alice"`
	Start *bool  `json:"start,omitempty" example:"true"` // default true
	// Config holds the session's overrides; a field left out (or null)
	// follows the server's default, read again at every launch.
	Config session.Config `json:"config"`
} // @name CreateSessionRequest

// SessionList is the body of GET /v1/sessions.
type SessionList struct {
	Sessions []session.View `json:"sessions"`
} // @name SessionList

// QRResponse is the JSON form of GET /v1/sessions/{id}/qr.
type QRResponse struct {
	Code      string `json:"code"`
	Image     string `json:"image" example:"data:image/png;base64,iVBORw0..."`
	ExpiresAt string `json:"expires_at" example:"2026-11-26T06:00:20Z"`
	Index     int    `json:"index" example:"1"`
} // @name QRResponse

// PairingCodeRequest is the body of POST /v1/sessions/{id}/pairing-code.
type PairingCodeRequest struct {
	Phone string `json:"phone" example:"15551234567"`
} // @name PairingCodeRequest

// sessionID reads and validates the {id} path parameter.
func sessionID(r *http.Request) (string, error) {
	id := chi.URLParam(r, "id")
	return id, session.ValidateID(id)
}

// listSessions godoc
//
//	@Summary		List sessions
//	@ID				listSessions
//	@Description	A scoped key sees only the sessions in its scope.
//	@Tags			sessions
//	@Produce		json
//	@Success		200	{object}	SessionList
//	@Failure		401	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions [get]
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	views, err := s.cfg.Sessions.List(r.Context())
	if err != nil {
		return err
	}
	p := principalFrom(r.Context())
	views = slices.DeleteFunc(views, func(v session.View) bool { return !p.Allows(v.ID) })
	return writeJSON(w, http.StatusOK, SessionList{Sessions: views})
}

// createSession godoc
//
//	@Summary	Create a session (and start it unless start is false)
//	@ID			createSession
//	@Tags		sessions
//	@Accept		json
//	@Produce	json
//	@Param		body	body		CreateSessionRequest	true	"the session"
//	@Success	201		{object}	session.View
//	@Failure	400		{object}	Problem
//	@Failure	403		{object}	Problem	"a scoped key, and the id is outside its scope"
//	@Failure	409		{object}	Problem	"the id exists"
//	@Failure	413		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	507		{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions [post]
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	// Only what the client sent is stored: fields left out follow the
	// server's default at every launch; an explicit 0 keeps its meaning.
	var req CreateSessionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := req.Config.Validate(); err != nil {
		return underField("config", err)
	}
	if session.ValidateID(req.ID) == nil && !principalFrom(r.Context()).Allows(req.ID) {
		return apperr.E(apperr.Forbidden, "this key may only create the sessions in its scope")
	}
	start := req.Start == nil || *req.Start
	v, err := s.cfg.Sessions.Create(r.Context(), req.ID, req.Config, start)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/sessions/"+v.ID)
	return writeJSON(w, http.StatusCreated, v)
}

// getSession godoc
//
//	@Summary	Get a session
//	@ID			getSession
//	@Tags		sessions
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	session.View
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id} [get]
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	return s.viewOp(w, r, s.cfg.Sessions.Get)
}

// patchSession godoc
//
//	@Summary		Update a session's config overrides (applies at its next launch)
//	@ID				updateSession
//	@Description	Merges the fields sent into the session's overrides; a field sent as null removes its override, so it follows the server's default again. Fields not sent are left as they are. effective_config in the answer shows what the next launch uses.
//	@Tags		sessions
//	@Accept		json
//	@Produce	json
//	@Param		id		path		string			true	"session id"
//	@Param		body	body		session.Config	true	"fields to change"
//	@Success	200		{object}	session.View
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem
//	@Failure	507		{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id} [patch]
func (s *Server) patchSession(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	set, clear, err := decodeConfigPatch(r)
	if err != nil {
		return err
	}
	v, err := s.cfg.Sessions.UpdateConfig(r.Context(), id, func(c *session.Config) error {
		*c = c.Merge(set, clear)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// deleteSession godoc
//
//	@Summary		Delete a session (purge=true also wipes its stored data)
//	@ID				deleteSession
//	@Description	The id is gone at once. The answer waits for the browser to close (and the purge) up to ?wait; past it the answer is 202 with the session as it was, and the close and purge finish by themselves.
//	@Tags			sessions
//	@Produce		json
//	@Param			id		path	string	true	"session id"
//	@Param			purge	query	bool	false	"wipe the profile folder too"
//	@Param			wait	query	string	false	"longest wait for the browser to close, e.g. 2s; 0 answers at once"
//	@Success		204
//	@Success		202	{object}	session.View	"deleted; its browser is still closing"
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		507	{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id} [delete]
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	purge := false
	if p := r.URL.Query().Get("purge"); p != "" {
		if purge, err = strconv.ParseBool(p); err != nil {
			return apperr.Field("purge", "must be true or false")
		}
	}
	ctx, cancel, err := waitContext(r)
	if err != nil {
		return err
	}
	defer cancel()
	err = s.cfg.Sessions.Delete(ctx, id, purge)
	pending, isPending := errors.AsType[*session.Pending](err)
	if err != nil && !isPending {
		return err
	}
	if s.cfg.OnDelete != nil {
		s.cfg.OnDelete(id)
	}
	if isPending {
		return writeJSON(w, http.StatusAccepted, pending.View)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

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

// getQR godoc
//
//	@Summary		The QR code to scan: PNG (default), JSON, or raw text
//	@ID				getSessionQR
//	@Description	PNG unless Accept asks for application/json; ?format=raw|json|png overrides Accept. 409 unless the session is SCAN_QR_CODE.
//	@Tags			sessions
//	@Produce		png
//	@Produce		json
//	@Produce		plain
//	@Param			id		path		string	true	"session id"
//	@Param			format	query		string	false	"png, json or raw"	Enums(png, json, raw)
//	@Success		200		{object}	QRResponse
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"not in SCAN_QR_CODE"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/qr [get]
func (s *Server) getQR(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "":
		format = "png"
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			format = "json"
		}
	case "png", "json", "raw":
	default:
		return apperr.Field("format", "must be png, json or raw")
	}
	qr, err := s.cfg.Sessions.QR(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "raw":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write([]byte(qr.Code))
		return err
	case "json":
		png, err := qrcode.Encode(qr.Code, qrcode.Medium, 256)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, QRResponse{Code: qr.Code, Index: qr.Index,
			ExpiresAt: qr.ExpiresAt.Format("2006-01-02T15:04:05.000Z07:00"),
			Image:     "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)})
	default:
		png, err := qrcode.Encode(qr.Code, qrcode.Medium, 256)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/png")
		_, err = w.Write(png)
		return err
	}
}

// pairingCode godoc
//
//	@Summary		Get a code to type on the phone instead of scanning the QR
//	@Description	The code lives about 3¼ minutes. WhatsApp replaces it up to five times (each new code is a session.pairing_code event), then ends the flow (a session.pairing_code event with state expired); call again for a new code. The phone refuses an expired or replaced code. Calling again while a code is live answers the live one.
//	@ID				requestPairingCode
//	@Tags			sessions
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		PairingCodeRequest	true	"the host account's phone number"
//	@Success		200		{object}	session.PairingCodeEvent
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"not in SCAN_QR_CODE"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/pairing-code [post]
func (s *Server) pairingCode(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req PairingCodeRequest) (session.PairingCodeEvent, error) {
		return s.cfg.Sessions.PairingCode(ctx, t.id, req.Phone)
	})
}

// getMe godoc
//
//	@Summary	The host account of a linked session
//	@ID			getSessionAccount
//	@Tags		sessions
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	session.Account
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"never linked"
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/me [get]
func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	acc, err := s.cfg.Sessions.Me(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, acc)
}

// screenshot godoc
//
//	@Summary	PNG screenshot of a running session's page
//	@ID			getSessionScreenshot
//	@Tags		sessions
//	@Produce	png
//	@Param		id	path		string	true	"session id"
//	@Success	200	{file}		binary
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"not running"
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/screenshot [get]
func (s *Server) screenshot(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	png, err := s.cfg.Sessions.Screenshot(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(png)
	return err
}

// decodeConfigPatch reads a PATCH body: the overrides it sets, and the
// fields it sends as null (to remove their override).
func decodeConfigPatch(r *http.Request) (session.Config, map[string]bool, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(r, &raw); err != nil {
		return session.Config{}, nil, err
	}
	clear := map[string]bool{}
	for k, v := range raw {
		if string(bytes.TrimSpace(v)) == "null" {
			clear[k] = true
		}
	}
	b, _ := json.Marshal(raw)
	var set session.Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return session.Config{}, nil, jsonbody.Error(err)
	}
	if err := set.Validate(); err != nil {
		return session.Config{}, nil, err
	}
	return set, clear, nil
}

// underField moves a field error under the body path it came in, e.g.
// "qr_timeout" to "config.qr_timeout".
func underField(prefix string, err error) error {
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok || ae.Field == "" {
		return err
	}
	out := *ae
	out.Field = prefix + "." + ae.Field
	out.Detail = prefix + "." + ae.Detail
	return &out
}
