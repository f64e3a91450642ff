package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// Linking a session to a phone (QR code, pairing code) and seeing what it
// is linked to (the account, a screenshot of its page).

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
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Account, error) {
		return s.cfg.Sessions.Me(ctx, t.id)
	})
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
