// Package bridge holds the page bridge (window.__easy; see docs/bridge.md)
// as TypeScript, embedded in the binary. The browser package bundles it at
// run time with package pagescript, so the compiled JavaScript is never
// committed and a plain `go build` or `go install` is whole.
//
// The sources are type-checked against the pinned @wppconnect/wa-js
// declarations by `make typecheck` (and TestTypeCheck in `go test ./...`);
// the simulator's TypeScript (internal/wasim/ts) imports their types.
package bridge

import (
	"embed"
	"io/fs"
)

// Entry is the bridge's entry point in Sources.
const Entry = "bridge.ts"

//go:embed *.ts tsconfig.json
var sources embed.FS

// Sources returns the bridge's TypeScript files and tsconfig.json.
func Sources() fs.FS { return sources }
