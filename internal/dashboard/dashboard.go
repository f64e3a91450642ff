// Package dashboard is easy-api's web dashboard: plain HTML, CSS and
// JavaScript modules embedded in the binary and served under /dashboard/.
//
// The page talks to the server only through the public API (REST under
// /v1, the SSE event stream) with the API key the user types once; it
// makes no request to any other origin, and its Content-Security-Policy
// forbids it to. The static files themselves are public: they hold no
// data and no secret.
package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Prefix is the path the dashboard is served under.
const Prefix = "/dashboard"

// CSP is the Content-Security-Policy of every dashboard response: scripts,
// styles, fonts and requests from the server's own origin only (connect-src
// 'self' covers same-origin ws: and wss:), images also from data: (QR codes)
// and blob: (screenshots), no inline script or style, no plugins, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

//go:embed static
var static embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// contentTypes is fixed here rather than read from the system's mime
// tables, which differ between machines (.js especially).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
}

// Handler returns the dashboard's http.Handler. It expects the full request
// path, /dashboard or /dashboard/..., so it mounts as is:
//
//	r.Mount("/dashboard", dashboard.Handler())
//
// /dashboard redirects to /dashboard/, which serves index.html. Every file
// is revalidated on each load (Cache-Control: no-cache with a strong ETag,
// so an unchanged file costs a 304) because the module URLs carry no
// version: a new binary must never run with a cached old module.
func Handler() http.Handler {
	root, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	assets := map[string]asset{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		assets["/"+p] = asset{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(assets, w, r)
	})
}

func serve(assets map[string]asset, w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")

	p, ok := strings.CutPrefix(r.URL.Path, Prefix)
	switch {
	case !ok:
		notFound(w)
		return
	case p == "":
		// Relative module and API URLs resolve against the folder.
		http.Redirect(w, r, Prefix+"/", http.StatusMovedPermanently)
		return
	case p == "/":
		p = "/index.html"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		problem(w, apperr.E(apperr.MethodNotAllowed, "the dashboard serves GET and HEAD only"))
		return
	}
	a, ok := assets[p]
	if !ok {
		notFound(w)
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	// ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

func notFound(w http.ResponseWriter) {
	problem(w, apperr.E(apperr.NotFound, "no such dashboard file"))
}

// problem answers with err as the API's problem+json, never cached.
func problem(w http.ResponseWriter, err error) {
	w.Header().Set("Cache-Control", "no-store")
	apperr.WriteProblem(w, err, "")
}
