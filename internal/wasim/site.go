package wasim

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/easy-api/easy-api/internal/pagescript"
)

// web holds the page: index.html (a template) and the styles served under
// /__page/assets/.
//
//go:embed web
var web embed.FS

// pageTS holds the page's scripts as TypeScript (ts/); each Server compiles
// them once and serves ts/<name>.ts as /__page/assets/<name>.js.
//
//go:embed ts/*.ts ts/tsconfig.json
var pageTS embed.FS

// newPageScripts returns the page's scripts, not compiled yet: the ones
// index.html loads.
func newPageScripts() *pagescript.Set {
	src, err := fs.Sub(pageTS, "ts")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return pagescript.NewSet(src, "wpp.ts", "chat.ts", "core.ts", "ui.ts")
}

// CompileScripts compiles the page's scripts from their embedded TypeScript
// unless this Server already did, and returns how long that took. The first
// page load compiles them otherwise; call it at startup so a script that
// does not build fails there.
func (s *Server) CompileScripts() (time.Duration, error) {
	took, err := s.scripts.Compile()
	if err != nil {
		return took, fmt.Errorf("wasim: compile the page scripts: %w", err)
	}
	return took, nil
}

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

// serveAssets serves the page's scripts (compiled) and styles.
func (s *Server) serveAssets() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/__page/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		name := strings.TrimPrefix(r.URL.Path, "/__page/assets/")
		if base, ok := strings.CutSuffix(name, ".js"); ok {
			s.serveScript(w, r, name, base+".ts")
			return
		}
		files.ServeHTTP(w, r)
	})
}

// serveScript serves the compiled entry as name: 404 for a script the page
// does not have, 500 (logged) when the scripts do not compile.
func (s *Server) serveScript(w http.ResponseWriter, r *http.Request, name, entry string) {
	if _, err := s.CompileScripts(); err != nil {
		s.log.Error().Err(err).Msg("page scripts")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	js, err := s.scripts.Script(entry)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, name, time.Time{}, strings.NewReader(js))
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
