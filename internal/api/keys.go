package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/apikey"
)

// CreateKeyRequest is the body of POST /v1/keys.
type CreateKeyRequest struct {
	Sessions []string `json:"sessions" example:"alice"` // the session ids the key may see; 1 to 100
	Name     string   `json:"name,omitempty" example:"alice's CRM"`
} // @name CreateKeyRequest

// KeyList is the body of GET /v1/keys.
type KeyList struct {
	Keys []apikey.Key `json:"keys"`
} // @name KeyList

// createKey godoc
//
//	@Summary		Create a scoped API key (admin only)
//	@ID				createKey
//	@Description	The key sees only the listed sessions, on every route and stream; other sessions answer 404 as if they did not exist. It cannot manage keys or global webhooks. The secret `key` is in this answer only: the server keeps its SHA-256 hash.
//	@Tags			keys
//	@Accept			json
//	@Produce		json
//	@Param			body	body		CreateKeyRequest	true	"the sessions the key may see"
//	@Success		201		{object}	apikey.CreatedKey
//	@Failure		400		{object}	Problem
//	@Failure		403		{object}	Problem	"not the admin key"
//	@Security		ApiKeyAuth
//	@Router			/v1/keys [post]
func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var req CreateKeyRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	k, err := s.cfg.Keys.Create(r.Context(), req.Name, req.Sessions)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/keys/"+k.ID)
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, k)
}

// listKeys godoc
//
//	@Summary	List scoped API keys (admin only; never their secrets)
//	@ID			listKeys
//	@Tags		keys
//	@Produce	json
//	@Success	200	{object}	KeyList
//	@Failure	403	{object}	Problem	"not the admin key"
//	@Security	ApiKeyAuth
//	@Router		/v1/keys [get]
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, noTarget, func(ctx context.Context, _ target, _ noBody) (KeyList, error) {
		keys, err := s.cfg.Keys.List(ctx)
		return KeyList{Keys: keys}, err
	})
}

// deleteKey godoc
//
//	@Summary	Revoke a scoped API key (admin only); it stops working at once
//	@ID			deleteKey
//	@Tags		keys
//	@Param		kid	path	string	true	"key id"
//	@Success	204
//	@Failure	403	{object}	Problem	"not the admin key"
//	@Failure	404	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/keys/{kid} [delete]
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, noTarget, func(ctx context.Context, _ target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Keys.Delete(ctx, chi.URLParam(r, "kid"))
	})
}
