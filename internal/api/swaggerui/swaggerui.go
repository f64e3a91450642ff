// Package swaggerui serves Swagger UI for /api-docs/: our page and
// initializer (page/, loaded as files so the page's Content-Security-Policy
// needs no inline script) and Swagger UI's own files from the pinned Go
// module github.com/swaggest/swgui (v5/static, pre-compressed), so every
// build of the binary, `go install` included, carries them.
package swaggerui

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"
)

//go:embed page
var page embed.FS

// Page is our index.html and init.js.
func Page() fs.FS {
	sub, _ := fs.Sub(page, "page")
	return sub
}

// Assets serves Swagger UI's files (swagger-ui-bundle.js, swagger-ui.css,
// favicon-32x32.png, ...) by the request path relative to the folder:
// gzip-encoded to clients that accept it, decompressed for the others,
// with ETags. Unknown names go to notFound.
func Assets(notFound http.HandlerFunc) http.Handler {
	return statigz.FileServer(static.FS, statigz.OnNotFound(notFound))
}
