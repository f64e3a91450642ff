// Package swaggerui embeds Swagger UI for /api-docs/: our page and
// initializer (committed, in page/) and the files of the pinned npm package
// swagger-ui-dist (copied into dist/ by `make assets`, never committed).
package swaggerui

import (
	"embed"
	"io/fs"
)

//go:embed page dist
var files embed.FS

// Page is our index.html and init.js.
func Page() fs.FS {
	sub, _ := fs.Sub(files, "page")
	return sub
}

// Dist is swagger-ui-dist's files, or nil when they were not copied in
// before the build.
func Dist() fs.FS {
	sub, _ := fs.Sub(files, "dist")
	if _, err := fs.Stat(sub, "swagger-ui-bundle.js"); err != nil {
		return nil
	}
	return sub
}
