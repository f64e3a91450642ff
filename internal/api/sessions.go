package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

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
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, raw map[string]json.RawMessage) (session.View, error) {
		set, clear, err := configPatch(raw)
		if err != nil {
			return session.View{}, err
		}
		return s.cfg.Sessions.UpdateConfig(ctx, t.id, func(c *session.Config) error {
			*c = c.Merge(set, clear)
			return nil
		})
	})
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
	purge, err := queryBool(r.URL.Query(), "purge", false)
	if err != nil {
		return err
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

// configPatch reads a PATCH body: the overrides it sets, and the fields it
// sends as null (to remove their override).
func configPatch(raw map[string]json.RawMessage) (session.Config, map[string]bool, error) {
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
