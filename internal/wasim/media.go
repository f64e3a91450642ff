package wasim

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// mediaBlob is one media file the simulator keeps, like WhatsApp's media
// servers. owners are the phones whose devices may download it.
type mediaBlob struct {
	id       string
	data     []byte
	mimetype string
	owners   map[string]bool
}

// storeMediaLocked keeps data and returns it under a fresh random id.
// s.mu must be held.
func (s *Server) storeMediaLocked(data []byte, mimetype string) *mediaBlob {
	if mt, _, err := mime.ParseMediaType(mimetype); err == nil {
		mimetype = mt
	} else {
		mimetype = "application/octet-stream"
	}
	md := &mediaBlob{id: randomString(18, base64.RawURLEncoding), data: data, mimetype: mimetype, owners: map[string]bool{}}
	s.media[md.id] = md
	return md
}

// Headers a page authenticates its media requests with: its device id and
// secret, as stored at link time.
const (
	headerDevice = "X-WASim-Device"
	headerSecret = "X-WASim-Secret"
)

// pageDevice returns the linked, not logged-out device whose credentials
// r carries, or nil. s.mu must be held.
func (s *Server) pageDeviceLocked(r *http.Request) *device {
	d := s.findDeviceLocked(r.Header.Get(headerDevice))
	if d == nil || d.loggedOut || !s.holdsLocked(d, r.Header.Get(headerSecret)) {
		return nil
	}
	return d
}

// servePageUpload stores the body of POST /__page/media for the device's
// account and answers {media, size}.
func (s *Server) servePageUpload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.pageDeviceLocked(r)
	s.mu.Unlock()
	if d == nil {
		http.Error(w, "unknown device", http.StatusUnauthorized)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxMediaBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "media larger than "+strconv.FormatInt(s.cfg.MaxMediaBytes, 10)+" bytes", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		return
	case len(data) == 0:
		http.Error(w, "empty media", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	md := s.storeMediaLocked(data, r.Header.Get("Content-Type"))
	md.owners[d.acct.phone] = true
	s.mu.Unlock()
	writeJSON(w, map[string]any{"media": md.id, "size": len(data), "mimetype": md.mimetype})
}

// servePageDownload serves GET /__page/media/{id} to a device whose
// account has the media.
func (s *Server) servePageDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.pageDeviceLocked(r)
	md := s.media[r.PathValue("id")]
	s.mu.Unlock()
	switch {
	case d == nil:
		http.Error(w, "unknown device", http.StatusUnauthorized)
	case md == nil || !md.owners[d.acct.phone]:
		http.Error(w, "no such media", http.StatusNotFound)
	default:
		serveBlob(w, md)
	}
}

// mediaFile serves GET /__sim/media/{id}: the bytes of any media the
// simulator holds, for tests and scripts checking what was sent.
func (s *Server) mediaFile(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	md := s.media[r.PathValue("id")]
	s.mu.Unlock()
	if md == nil {
		return errorf(CodeNotFound, "no media %q", r.PathValue("id"))
	}
	serveBlob(w, md)
	return nil
}

func serveBlob(w http.ResponseWriter, md *mediaBlob) {
	w.Header().Set("Content-Type", md.mimetype)
	w.Header().Set("Content-Length", strconv.Itoa(len(md.data)))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(md.data)
}

// blankPage is a minimal page under the same strict nonce CSP as the index.
// Its own nonce script records that it ran and what window.WPP it saw, so a
// test can check that an injected bundle runs at document start without
// breaking the page.
const blankPage = `<!doctype html><html><head><meta charset="utf-8"><title>blank</title>
<script nonce="%s">window.__pageScript = {ran: true, wpp: typeof window.WPP === 'object' && window.WPP !== null, version: window.WPP ? String(window.WPP.version) : null};</script>
</head><body>blank</body></html>`

// serveBlank serves GET /__page/blank.
func (s *Server) serveBlank(w http.ResponseWriter, _ *http.Request) {
	nonce := randomString(18, base64.RawURLEncoding)
	h := w.Header()
	h.Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"'; object-src 'none'; base-uri 'self'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	io.WriteString(w, strings.Replace(blankPage, "%s", nonce, 1))
}
