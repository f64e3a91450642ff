package wasim

import (
	"bytes"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"

	qrcode "github.com/skip2/go-qrcode"
)

// web holds the page: index.html (a template) and the scripts and styles
// served under /__page/assets/.
//
//go:embed web
var web embed.FS

var indexTmpl = template.Must(template.ParseFS(web, "web/index.html"))

// serveIndex serves the fake web.whatsapp.com page with a strict nonce CSP,
// as the real site does: only scripts carrying this response's nonce run, so
// tools must inject theirs through the DevTools protocol, never a tag.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	nonce := randomString(18, base64.RawURLEncoding)
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, map[string]any{
		"Nonce":      nonce,
		"PostLogout": r.URL.Query().Get("post_logout") == "1",
	}); err != nil {
		s.log.Error().Err(err).Msg("render index")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"'; object-src 'none'; base-uri 'self'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// serveAssets serves the page's scripts and styles.
func (s *Server) serveAssets() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/__page/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// maxQRContent bounds what /__page/qr.png encodes.
const maxQRContent = 1024

// serveQRImage renders ?code= as a QR PNG, as the page's canvas would.
func (s *Server) serveQRImage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if code == "" || len(code) > maxQRContent {
		http.Error(w, "code must be 1 to 1024 characters", http.StatusBadRequest)
		return
	}
	png, err := qrcode.Encode(code, qrcode.Medium, 264)
	if err != nil {
		http.Error(w, "cannot encode code", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
}
