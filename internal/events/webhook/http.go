package webhook

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/jsonbody"
	"github.com/go-chi/chi/v5"
)

// maxBody bounds a webhook create/update body.
const maxBody = 64 << 10

// Handlers serves the /v1/webhooks routes. It implements events.Mounter, so
// events.HandlersConfig.Webhooks can mount it.
//
// Scoped callers (events.ScopeFromContext) only see and manage webhooks
// whose sessions are all in their scope; global webhooks need no scope.
type Handlers struct{ o *Outbox }

// NewHandlers returns the HTTP handlers of o.
func NewHandlers(o *Outbox) *Handlers { return &Handlers{o: o} }

// List is the body of GET /v1/webhooks.
type List struct {
	Webhooks []Webhook `json:"webhooks"`
}

// DeliveryList is the body of GET /v1/webhooks/{wid}/deliveries.
type DeliveryList struct {
	Deliveries []Delivery `json:"deliveries"`
}

// Mount registers the webhook routes on r, each wrapped by wrap.
func (h *Handlers) Mount(r chi.Router, wrap events.Wrap) {
	r.Post("/v1/webhooks", wrap(h.Create))
	r.Get("/v1/webhooks", wrap(h.List))
	r.Get("/v1/webhooks/{wid}", wrap(h.Get))
	r.Patch("/v1/webhooks/{wid}", wrap(h.Update))
	r.Delete("/v1/webhooks/{wid}", wrap(h.Delete))
	r.Post("/v1/webhooks/{wid}/test", wrap(h.Test))
	r.Get("/v1/webhooks/{wid}/deliveries", wrap(h.Deliveries))
	r.Post("/v1/webhooks/{wid}/deliveries/{did}/retry", wrap(h.Retry))
}

// Create godoc
//
//	@Summary		Create a webhook
//	@ID				createWebhook
//	@Description	Registers an http(s) URL that receives every matching event stored from now on, signed per Standard Webhooks (headers webhook-id, webhook-timestamp, webhook-signature). `secret` (whsec_<base64 of 24-64 bytes>) is generated when absent and returned only in this answer. Empty `sessions`/`types` mean all.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Param			body	body		Input		true	"webhook; url required"
//	@Success		201		{object}	Webhook		"with its secret, shown once"
//	@Failure		400		{object}	api.Problem	"bad url, secret, session, type or header"
//	@Failure		403		{object}	api.Problem	"a scoped key asked for a global webhook (no sessions)"
//	@Failure		404		{object}	api.Problem	"a scoped key, and a session is outside its scope"
//	@Security		ApiKeyAuth
//	@Router			/v1/webhooks [post]
func (h *Handlers) Create(w http.ResponseWriter, r *http.Request) error {
	in, err := decode(r)
	if err != nil {
		return err
	}
	sessions := []string{}
	if in.Sessions != nil {
		sessions = all(*in.Sessions)
	}
	if err := checkScope(r, sessions); err != nil {
		return err
	}
	wh, err := h.o.Create(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/webhooks/"+wh.ID)
	return writeJSON(w, http.StatusCreated, wh)
}

// List godoc
//
//	@Summary	List webhooks
//	@ID			listWebhooks
//	@Tags		webhooks
//	@Produce	json
//	@Success	200	{object}	List
//	@Security	ApiKeyAuth
//	@Router		/v1/webhooks [get]
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) error {
	all, err := h.o.List(r.Context())
	if err != nil {
		return err
	}
	scope := events.ScopeFromContext(r.Context())
	out := List{Webhooks: []Webhook{}}
	for _, wh := range all {
		if scope.AllowsAll(wh.Sessions) {
			out.Webhooks = append(out.Webhooks, wh)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// Get godoc
//
//	@Summary	Get a webhook
//	@ID			getWebhook
//	@Tags		webhooks
//	@Produce	json
//	@Param		wid	path		string	true	"webhook id"
//	@Success	200	{object}	Webhook
//	@Failure	404	{object}	api.Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/webhooks/{wid} [get]
func (h *Handlers) Get(w http.ResponseWriter, r *http.Request) error {
	wh, err := h.visible(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wh)
}

// Update godoc
//
//	@Summary		Update a webhook
//	@ID				updateWebhook
//	@Description	Present fields replace the stored ones. `enabled: true` re-enables a disabled webhook; delivery resumes where it stopped.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Param			wid		path		string	true	"webhook id"
//	@Param			body	body		Input	true	"fields to change"
//	@Success		200		{object}	Webhook
//	@Failure		400		{object}	api.Problem
//	@Failure		403		{object}	api.Problem	"a scoped key asked to make it global"
//	@Failure		404		{object}	api.Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/webhooks/{wid} [patch]
func (h *Handlers) Update(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.visible(r); err != nil {
		return err
	}
	in, err := decode(r)
	if err != nil {
		return err
	}
	if in.Sessions != nil {
		if err := checkScope(r, all(*in.Sessions)); err != nil {
			return err
		}
	}
	wh, err := h.o.Update(r.Context(), chi.URLParam(r, "wid"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wh)
}

// Delete godoc
//
//	@Summary		Delete a webhook
//	@ID				deleteWebhook
//	@Description	Stops its deliveries and deletes its log and dead letters.
//	@Tags			webhooks
//	@Param			wid	path	string	true	"webhook id"
//	@Success		204
//	@Failure		404	{object}	api.Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/webhooks/{wid} [delete]
func (h *Handlers) Delete(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.visible(r); err != nil {
		return err
	}
	if err := h.o.Delete(r.Context(), chi.URLParam(r, "wid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Test godoc
//
//	@Summary		Send a test event
//	@ID				testWebhook
//	@Description	Sends one signed `webhook.test` event (id 0) now, regardless of filters, and reports what the receiver answered. Not retried, not logged.
//	@Tags			webhooks
//	@Produce		json
//	@Param			wid	path		string	true	"webhook id"
//	@Success		200	{object}	TestResult
//	@Failure		404	{object}	api.Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/webhooks/{wid}/test [post]
func (h *Handlers) Test(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.visible(r); err != nil {
		return err
	}
	res, err := h.o.Test(r.Context(), chi.URLParam(r, "wid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// Deliveries godoc
//
//	@Summary		List deliveries
//	@ID				listWebhookDeliveries
//	@Description	Latest state of the webhook's recent deliveries (status, attempts, last status code, latency, error) and of all its dead letters, newest event first.
//	@Tags			webhooks
//	@Produce		json
//	@Param			wid		path		string	true	"webhook id"
//	@Param			status	query		string	false	"only this status"	Enums(delivered, retrying, dead)
//	@Param			limit	query		int		false	"at most this many (default 100, max 1000)"
//	@Success		200		{object}	DeliveryList
//	@Failure		400		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/webhooks/{wid}/deliveries [get]
func (h *Handlers) Deliveries(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.visible(r); err != nil {
		return err
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return apperr.Field("limit", "want 1 to 1000, got %q", v)
		}
		limit = n
	}
	ds, err := h.o.Deliveries(r.Context(), chi.URLParam(r, "wid"), r.URL.Query().Get("status"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, DeliveryList{Deliveries: ds})
}

// Retry godoc
//
//	@Summary		Retry a dead letter
//	@ID				retryWebhookDelivery
//	@Description	Sends a dead-lettered delivery once more, now, and returns its new state (delivered, or still dead).
//	@Tags			webhooks
//	@Produce		json
//	@Param			wid	path		string	true	"webhook id"
//	@Param			did	path		string	true	"delivery id (the event id)"
//	@Success		200	{object}	Delivery
//	@Failure		404	{object}	api.Problem	"no such webhook or dead letter"
//	@Failure		410	{object}	api.Problem	"the event is no longer retained"
//	@Security		ApiKeyAuth
//	@Router			/v1/webhooks/{wid}/deliveries/{did}/retry [post]
func (h *Handlers) Retry(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.visible(r); err != nil {
		return err
	}
	d, err := h.o.Retry(r.Context(), chi.URLParam(r, "wid"), chi.URLParam(r, "did"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// visible returns the webhook of the route, as NotFound when the caller's
// scope does not cover it (a scoped key does not learn it exists).
func (h *Handlers) visible(r *http.Request) (Webhook, error) {
	wid := chi.URLParam(r, "wid")
	wh, err := h.o.Get(r.Context(), wid)
	if err != nil {
		return Webhook{}, err
	}
	if !events.ScopeFromContext(r.Context()).AllowsAll(wh.Sessions) {
		return Webhook{}, apperr.E(apperr.NotFound, "webhook %q not found", wid)
	}
	return wh, nil
}

// checkScope lets a scoped caller name only sessions in its scope: a global
// webhook (no sessions) is the admin's (403), and a session outside the
// scope does not exist for the caller (404, as for the event routes).
func checkScope(r *http.Request, sessions []string) error {
	scope := events.ScopeFromContext(r.Context())
	if scope == nil {
		return nil
	}
	if len(sessions) == 0 {
		return apperr.E(apperr.Forbidden, "a scoped key cannot manage global webhooks; name its sessions")
	}
	for _, id := range sessions {
		// Invalid ids are left to validation, which answers 400.
		if events.ValidSession(id) && !scope.Allows(id) {
			return events.OutOfScope(id)
		}
	}
	return nil
}

func decode(r *http.Request) (Input, error) {
	var in Input
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if errors.Is(err, io.EOF) {
			return in, apperr.Field("body", "empty; want a JSON object")
		}
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return in, apperr.E(apperr.TooLarge, "a webhook body is at most %d bytes", maxBody)
		}
		return in, jsonbody.Error(err) // field paths and JSON kinds, no Go type names
	}
	return in, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
