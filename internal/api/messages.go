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

// SendMessageRequest is the body of POST /v1/sessions/{id}/messages: text,
// or media.
type SendMessageRequest struct {
	ChatID string        `json:"chat_id" example:"15551234567"` // a chat id or a phone number with country code
	Text   string        `json:"text,omitempty" example:"Hello from easy-api"`
	Media  *MediaRequest `json:"media,omitempty"`
} // @name SendMessageRequest

// MediaRequest is a file to send: data (base64, or a data: URL) or url.
type MediaRequest struct {
	Data     string `json:"data,omitempty" example:"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="`
	URL      string `json:"url,omitempty" example:"https://example.com/cat.jpg"`
	Mimetype string `json:"mimetype,omitempty" example:"image/png"` // default: from the data URL, the response, or sniffed
	Filename string `json:"filename,omitempty" example:"cat.png"`
	Caption  string `json:"caption,omitempty" example:"A cat"`
} // @name MediaRequest

// ChatList is the body of GET /v1/sessions/{id}/chats.
type ChatList struct {
	Chats []session.Chat `json:"chats"`
} // @name ChatList

// MessageList is the body of GET /v1/sessions/{id}/chats/{chat}/messages.
type MessageList struct {
	Messages []session.Message `json:"messages"`
} // @name MessageList

// ContactList is the body of GET /v1/sessions/{id}/contacts.
type ContactList struct {
	Contacts []session.Contact `json:"contacts"`
} // @name ContactList

// messageRoutes adds the messaging routes to the /v1/sessions/{id} group.
// A send's body may hold a base64 media file: its limit is the media limit
// in base64 plus 64 KiB (within the router-wide limit).
func (s *Server) messageRoutes(r chi.Router) {
	r.With(s.limitBody(max(s.cfg.MaxBodyBytes, s.media().MaxBytes/3*4+4+64<<10))).Post("/messages", s.wrap(s.sendMessage))
	r.Get("/chats", s.wrap(s.listChats))
	r.Get("/chats/{chat}/messages", s.wrap(s.listMessages))
	r.Get("/contacts", s.wrap(s.listContacts))
	r.Get("/messages/{msg}/media", s.wrap(s.getMedia))
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

// sendMessage godoc
//
//	@Summary		Send a text or media message
//	@ID				sendMessage
//	@Description	Send {chat_id, text} or {chat_id, media: {data | url, mimetype, filename, caption}}. chat_id is a chat id (15551234567@c.us, ...@g.us) or a phone number with country code. Media is at most the server's media limit (default 16 MiB); media.url is fetched by the server (http/https only, bounded in size and time). Answers once WhatsApp accepted the message (ack SERVER); message.sent and message.ack events follow.
//	@Tags			messaging
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		SendMessageRequest	true	"the message"
//	@Success		201		{object}	session.Message
//	@Failure		400		{object}	Problem	"bad chat_id, text or media (field names which)"
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		413		{object}	Problem	"media over the limit"
//	@Failure		503		{object}	Problem	"the browser went away during the send"
//	@Failure		504		{object}	Problem	"the page, or media.url, did not answer in time"
//	@Failure		507		{object}	Problem	"the disk refuses writes (storage_full); it heals by itself, /readyz says when"
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/messages [post]
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	var req SendMessageRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := session.NormalizeChatID("chat_id", req.ChatID); err != nil {
		return err
	}
	var msg session.Message
	switch {
	case req.Media != nil && req.Text != "":
		return apperr.Field("text", "send either text or media (put words for media in media.caption)")
	case req.Media != nil:
		media, err := s.readMedia(r.Context(), req.Media)
		if err != nil {
			return err
		}
		msg, err = s.cfg.Sessions.SendMedia(r.Context(), id, req.ChatID, media)
		if err != nil {
			return err
		}
	default:
		if msg, err = s.cfg.Sessions.SendText(r.Context(), id, req.ChatID, req.Text); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusCreated, msg)
}

// readMedia turns a MediaRequest into bytes with a mimetype and filename.
func (s *Server) readMedia(ctx context.Context, m *MediaRequest) (session.Media, error) {
	cfg := s.media()
	out := session.Media{Mimetype: m.Mimetype, Filename: m.Filename, Caption: m.Caption}
	switch {
	case m.Data != "" && m.URL != "":
		return out, apperr.Field("media", "give data or url, not both")
	case m.Data != "":
		data, mt, err := decodeData(m.Data, cfg.MaxBytes)
		if err != nil {
			return out, err
		}
		out.Data = data
		if out.Mimetype == "" {
			out.Mimetype = mt
		}
	case m.URL != "":
		data, mt, name, err := s.mediaFetcher(ctx).fetch(ctx, m.URL)
		if err != nil {
			return out, err
		}
		out.Data = data
		if out.Mimetype == "" {
			out.Mimetype = mt
		}
		if out.Filename == "" {
			out.Filename = name
		}
	default:
		return out, apperr.Field("media", "needs data (base64) or url")
	}
	if out.Mimetype == "" || out.Mimetype == "application/octet-stream" {
		out.Mimetype = sniff(out.Data, out.Filename)
	}
	mt, _, err := mime.ParseMediaType(out.Mimetype)
	if err != nil {
		return out, apperr.Field("media.mimetype", "%q is not a media type such as image/png", out.Mimetype)
	}
	out.Mimetype = mt
	if out.Filename == "" {
		out.Filename = "file" + extension(mt)
	}
	return out, nil
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

// sniff guesses a mimetype from the filename's extension, then the bytes.
func sniff(data []byte, filename string) string {
	if t := mime.TypeByExtension(path.Ext(filename)); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

func extension(mt string) string {
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
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

// listChats godoc
//
//	@Summary	The host account's chats
//	@ID			listChats
//	@Tags		messaging
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	ChatList
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/chats [get]
func (s *Server) listChats(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	chats, err := s.cfg.Sessions.Chats(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ChatList{Chats: chats})
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
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return apperr.Field("limit", "must be a whole number from 1 to 500")
		}
	}
	msgs, err := s.cfg.Sessions.Messages(r.Context(), id, pathParam(r, "chat"), limit, r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, MessageList{Messages: msgs})
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
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	contacts, err := s.cfg.Sessions.Contacts(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ContactList{Contacts: contacts})
}

// getMedia godoc
//
//	@Summary	The file of a media message, with its content type
//	@ID			getMessageMedia
//	@Tags		messaging
//	@Produce	*/*
//	@Param		id	path		string	true	"session id"
//	@Param		msg	path		string	true	"message id"
//	@Success	200	{file}		binary
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session, message, or no media in it"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/messages/{msg}/media [get]
func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	media, err := s.cfg.Sessions.DownloadMedia(r.Context(), id, pathParam(r, "msg"))
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
