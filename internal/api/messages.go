package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/egress"
	"github.com/easy-api/easy-api/internal/session"
)

// MediaConfig bounds media the messaging routes accept. Zero fields take
// the defaults.
type MediaConfig struct {
	// MaxBytes bounds one media file (decoded, or fetched from a URL);
	// default 16 MiB, WhatsApp's own limit for photos and videos. The body
	// of POST .../messages may be as large as its base64 plus 64 KiB.
	MaxBytes int64
	// FetchTimeout bounds fetching media.url; default 30s.
	FetchTimeout time.Duration
	// AllowPrivateURLs lets the admin key's media.url reach loopback,
	// private, link-local and other internal addresses
	// (--allow-private-media-urls). Scoped keys are refused them always.
	// Off by default so that callers cannot make the server probe its own
	// network.
	AllowPrivateURLs bool
	// Transport fetches media.url for everyone but an admin allowed
	// private URLs: it must refuse internal addresses at dial time. Default
	// egress.New(egress.Config{}).Transport(); the server shares one with
	// the webhooks of scoped keys.
	Transport http.RoundTripper
}

// Media defaults.
const (
	DefaultMaxMediaBytes     = 16 << 20
	DefaultMediaFetchTimeout = 30 * time.Second
	maxRedirects             = 5
)

func (c MediaConfig) withDefaults() MediaConfig {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxMediaBytes
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = DefaultMediaFetchTimeout
	}
	return c
}

// MessageList is the body of GET /v1/sessions/{id}/chats/{chat}/messages.
type MessageList struct {
	Messages []session.Message `json:"messages"`
} // @name MessageList

// ContactList is the body of GET /v1/sessions/{id}/contacts.
type ContactList struct {
	Contacts []session.Contact `json:"contacts"`
} // @name ContactList

// messageRoutes adds the messaging routes to the /v1/sessions/{id} group:
// sending (send.go), acting on one message (actions.go), chats' read state
// and presence (presence.go), and reading. A send's body may hold a base64
// media file: its limit is the media limit in base64 plus 64 KiB (within
// the router-wide limit).
func (s *Server) messageRoutes(r chi.Router) {
	jsonBody := s.limitBody(s.cfg.MaxBodyBytes)
	mediaBody := s.limitBody(max(s.cfg.MaxBodyBytes, s.media().MaxBytes/3*4+4+64<<10))
	r.With(mediaBody).Post("/messages", s.wrap(s.sendMessage))
	r.Route("/messages/{message}", func(r chi.Router) {
		r.Use(jsonBody)
		r.Get("/", s.wrap(s.getMessage))
		r.Patch("/", s.wrap(s.editMessage))
		r.Delete("/", s.wrap(s.deleteMessage))
		r.Get("/media", s.wrap(s.getMedia))
		r.Put("/reaction", s.wrap(s.react))
		r.Delete("/reaction", s.wrap(s.unreact))
		r.Post("/forward", s.wrap(s.forward))
		r.Put("/star", s.wrap(s.star))
		r.Delete("/star", s.wrap(s.unstar))
		r.Put("/pin", s.wrap(s.pin))
		r.Delete("/pin", s.wrap(s.unpin))
		r.Get("/votes", s.wrap(s.votes))
		r.Post("/played", s.wrap(s.markPlayed))
	})
	r.Get("/chats", s.wrap(s.listChats))
	r.Get("/chats/{chat}/messages", s.wrap(s.listMessages))
	r.With(jsonBody).Post("/chats/{chat}/seen", s.wrap(s.markSeen))
	r.With(jsonBody).Post("/chats/{chat}/presence", s.wrap(s.chatState))
	r.With(jsonBody).Put("/presence", s.wrap(s.setPresence))
	r.With(jsonBody).Post("/presence/subscriptions", s.wrap(s.subscribePresence))
	r.Get("/contacts", s.wrap(s.listContacts))
	s.chatRoutes(r)
	s.contactRoutes(r)
	s.accountRoutes(r)
	s.businessRoutes(r, jsonBody, mediaBody)
	s.groupRoutes(r) // groups.go
}

// media is the media config with defaults filled in.
func (s *Server) media() MediaConfig { return s.cfg.Media.withDefaults() }

// pathParam reads a path parameter, undoing percent-encoding.
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// decodeData decodes base64 (standard or URL alphabet, padded or not) or a
// data: URL, refusing more than limit decoded bytes.
func decodeData(s string, limit int64) ([]byte, string, error) {
	mt := ""
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, payload, found := strings.Cut(rest, ",")
		if !found || !strings.HasSuffix(meta, ";base64") {
			return nil, "", apperr.Field("media.data", "a data: URL must be base64 (data:<type>;base64,<data>)")
		}
		mt, s = strings.TrimSuffix(meta, ";base64"), payload
	}
	s = strings.TrimRight(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s), "=")
	if int64(base64.RawStdEncoding.DecodedLen(len(s))) > limit {
		return nil, "", &apperr.Error{Code: apperr.TooLarge, Field: "media.data",
			Detail: fmt.Sprintf("media.data: decodes to more than the %d-byte media limit", limit)}
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	data, err := enc.DecodeString(s)
	if err != nil {
		return nil, "", apperr.Field("media.data", "is not valid base64: %v", err)
	}
	if len(data) == 0 {
		return nil, "", apperr.Field("media.data", "is empty")
	}
	return data, mt, nil
}

// mediaFetcher fetches media.url: http(s) only, at most cfg.MaxBytes, within
// cfg.FetchTimeout, following at most 5 redirects and only to http(s),
// through client: the guarded one (never to internal addresses, checked on
// the address actually dialled), or for an admin allowed private URLs, the
// open one.
type mediaFetcher struct {
	cfg    MediaConfig
	client *http.Client
}

// mediaClients are the two clients of media.url fetches, built once.
type mediaClients struct{ guarded, open *http.Client }

func newMediaClients(cfg MediaConfig) mediaClients {
	guarded := cfg.Transport
	if guarded == nil {
		guarded = egress.New(egress.Config{}).Transport()
	}
	open := &http.Transport{Proxy: nil, ForceAttemptHTTP2: true, TLSHandshakeTimeout: cfg.FetchTimeout, MaxIdleConnsPerHost: 2}
	client := func(rt http.RoundTripper) *http.Client {
		return &http.Client{Transport: rt, Timeout: cfg.FetchTimeout, CheckRedirect: checkMediaRedirect}
	}
	return mediaClients{guarded: client(guarded), open: client(open)}
}

func checkMediaRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a %s: URL refused; only http and https are fetched", req.URL.Scheme)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("more than %d redirects", maxRedirects)
	}
	return nil
}

// mediaFetcher returns the fetcher for the request's principal.
func (s *Server) mediaFetcher(ctx context.Context) mediaFetcher {
	cfg := s.media()
	if cfg.AllowPrivateURLs && principalFrom(ctx).Admin {
		return mediaFetcher{cfg: cfg, client: s.mediaClients.open}
	}
	return mediaFetcher{cfg: cfg, client: s.mediaClients.guarded}
}

// fetch returns the body, its mimetype and a filename from the URL path.
func (f mediaFetcher) fetch(ctx context.Context, raw string) ([]byte, string, string, error) {
	const field = "media.url"
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", "", apperr.Field(field, "must be an absolute http or https URL")
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", "", apperr.Field(field, "%v", err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, "", "", f.fetchError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", "", apperr.Field(field, "fetching it answered %s", resp.Status)
	}
	tooBig := &apperr.Error{Code: apperr.TooLarge, Field: field,
		Detail: fmt.Sprintf("%s: the file is larger than the %d-byte media limit", field, f.cfg.MaxBytes)}
	if resp.ContentLength > f.cfg.MaxBytes {
		return nil, "", "", tooBig
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return nil, "", "", f.fetchError(err)
	}
	if int64(len(data)) > f.cfg.MaxBytes {
		return nil, "", "", tooBig
	}
	if len(data) == 0 {
		return nil, "", "", apperr.Field(field, "answered an empty body")
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	name := path.Base(resp.Request.URL.Path)
	if name == "/" || name == "." {
		name = ""
	}
	return data, mt, name, nil
}

func (f mediaFetcher) fetchError(err error) error {
	const field = "media.url"
	var ne net.Error
	switch {
	case errors.Is(err, egress.ErrRefused):
		return apperr.Field(field, "points to a loopback, private, link-local or otherwise internal address, which the server does not fetch")
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return &apperr.Error{Code: apperr.Timeout, Field: field, Err: err,
			Detail: fmt.Sprintf("%s did not answer within %s", field, f.cfg.FetchTimeout)}
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return apperr.Field(field, "could not be fetched: %v", err)
	}
}

// listMessages godoc
//
//	@Summary		Messages of a chat, oldest first
//	@ID				listChatMessages
//	@Description	The newest `limit` messages, or those older than the message id `before` (page backwards with the first id of the previous page).
//	@Tags			messaging
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			chat	path		string	true	"chat id or phone number"
//	@Param			limit	query		int		false	"1 to 500, default 50"
//	@Param			before	query		string	false	"a message id"
//	@Success		200		{object}	MessageList
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or chat"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/chats/{chat}/messages [get]
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (MessageList, error) {
		q := r.URL.Query()
		limit, err := queryLimit(q, 50, 500)
		if err != nil {
			return MessageList{}, err
		}
		msgs, err := s.cfg.Sessions.Messages(ctx, t.id, t.chat, limit, q.Get("before"))
		return MessageList{Messages: msgs}, err
	})
}

// listContacts godoc
//
//	@Summary	The host account's contacts
//	@ID			listContacts
//	@Tags		messaging
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	ContactList
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/contacts [get]
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (ContactList, error) {
		contacts, err := s.cfg.Sessions.Contacts(ctx, t.id)
		return ContactList{Contacts: contacts}, err
	})
}

// getMedia godoc
//
//	@Summary	The file of a media message, with its content type
//	@ID			getMessageMedia
//	@Tags		messaging
//	@Produce	*/*
//	@Param		id	path		string	true	"session id"
//	@Param		message	path		string	true	"message id"
//	@Success	200	{file}		binary
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session, message, or no media in it"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{message}/media [get]
func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	media, err := s.cfg.Sessions.DownloadMedia(r.Context(), id, pathParam(r, "message"))
	if err != nil {
		return err
	}
	mt := media.Mimetype
	if _, _, err := mime.ParseMediaType(mt); err != nil || mt == "" {
		mt = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", mt)
	h.Set("Content-Length", strconv.Itoa(len(media.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if cd := mime.FormatMediaType("attachment", map[string]string{"filename": media.Filename}); media.Filename != "" && cd != "" {
		h.Set("Content-Disposition", cd)
	}
	_, err = w.Write(media.Data)
	return err
}
