package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/easy-api/easy-api/internal/apperr"
)

// exportData godoc
//
//	@Summary		Export the session data file
//	@ID				exportSessionData
//	@Description	One file with everything re-auth needs, multi-device included: import it on another server with PUT. The session keeps running; the snapshot is taken safely.
//	@Tags			session data
//	@Produce		json
//	@Param			id	path		string	true	"session id"
//	@Success		200	{object}	session.DataFile
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"never linked, or not WORKING while running"
//	@Failure		503	{object}	Problem	"the profile kept changing; try again"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/data [get]
func (s *Server) exportData(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	f, err := s.cfg.Sessions.ExportData(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+".data.json"))
	w.Header().Set("Cache-Control", "no-store")
	if _, err := io.Copy(w, f); err != nil {
		// Headers are out: all that is left is to cut the response.
		s.log.Warn().Err(err).Str("session", id).Msg("export session data")
		panic(http.ErrAbortHandler)
	}
	return nil
}

// importData godoc
//
//	@Summary		Import a session data file and start the session
//	@ID				importSessionData
//	@Description	Into a stopped or new session. A corrupted, truncated, wrong-version or other-session file is a 400 and changes nothing.
//	@Tags			session data
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		session.DataFile	true	"the data file exported by GET"
//	@Success		200		{object}	session.View
//	@Failure		400		{object}	Problem
//	@Failure		409		{object}	Problem	"the session is running"
//	@Failure		413		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/data [put]
func (s *Server) importData(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	body := &bodyReader{r: r.Body}
	v, err := s.cfg.Sessions.ImportData(r.Context(), id, body)
	if tooBig, ok := errors.AsType[*http.MaxBytesError](body.err); ok {
		return &apperr.Error{Code: apperr.TooLarge, Detail: fmt.Sprintf("session data file is larger than %d bytes", tooBig.Limit)}
	}
	if body.err != nil && !errors.Is(body.err, io.EOF) {
		return apperr.Wrap(body.err, apperr.Invalid, "reading the body failed")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// bodyReader remembers the error reading a streamed body ended with, so
// that a body over the limit or cut short is answered as such rather than
// as the parse error it causes downstream.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil {
		b.err = err
	}
	return n, err
}
