// Package bridge builds the page scripts written in TypeScript: the bridge
// (window.__easy, internal/browser/js/bridge.js) and the simulator's WPP
// stand-in (internal/wasim/web/*.js). The TypeScript is type-checked
// against the pinned @wppconnect/wa-js declarations with the pinned npm
// `typescript` (see TypeCheck); esbuild only strips the types and bundles.
// The compiled files are committed, so `go build` needs no Node; a test
// fails when they are stale (`go generate ./internal/browser/bridge` or
// `make bridge` rebuilds them).
package bridge

//go:generate go run ./gen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Target is one compiled script: Entry (TypeScript) bundled into Out, both
// relative to the repository root.
type Target struct {
	Entry string
	Out   string
}

// Targets lists every script built from TypeScript.
var Targets = []Target{
	{Entry: "internal/browser/bridge/bridge.ts", Out: "internal/browser/js/bridge.js"},
	{Entry: "internal/wasim/ts/wpp.ts", Out: "internal/wasim/web/wpp.js"},
	{Entry: "internal/wasim/ts/chat.ts", Out: "internal/wasim/web/chat.js"},
	{Entry: "internal/wasim/ts/core.ts", Out: "internal/wasim/web/core.js"},
	{Entry: "internal/wasim/ts/ui.ts", Out: "internal/wasim/web/ui.js"},
}

// Projects lists the TypeScript projects TypeCheck checks (tsconfig.json
// folders relative to the repository root).
var Projects = []string{"internal/browser/bridge", "internal/wasim/ts"}

// Build compiles t from the repository at root and returns the script: an
// IIFE for Chromium with a generated-code header naming its source.
func Build(root string, t Target) ([]byte, error) {
	res := api.Build(api.BuildOptions{
		EntryPoints:   []string{filepath.Join(root, t.Entry)},
		AbsWorkingDir: root,
		Bundle:        true,
		Write:         false,
		Format:        api.FormatIIFE,
		Platform:      api.PlatformBrowser,
		Target:        api.ES2020,
		Charset:       api.CharsetUTF8,
		LegalComments: api.LegalCommentsNone,
		LogLevel:      api.LogLevelSilent,
		Banner: map[string]string{"js": "// Code generated from " + filepath.ToSlash(t.Entry) +
			" by `go generate ./internal/browser/bridge`; DO NOT EDIT."},
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, fmt.Errorf("build %s:\n%s", t.Entry, strings.Join(msgs, ""))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("build %s: %d output files, want 1", t.Entry, len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

// Stale returns the targets whose committed output differs from a fresh
// build.
func Stale(root string) ([]string, error) {
	var stale []string
	for _, t := range Targets {
		want, err := Build(root, t)
		if err != nil {
			return nil, err
		}
		got, err := os.ReadFile(filepath.Join(root, t.Out))
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, t.Out)
		}
	}
	return stale, nil
}

// TypeCheck runs the pinned TypeScript compiler (`tsc --noEmit`, from
// root/node_modules, as `make assets` installs it) over every project and
// returns its report when a type does not check.
func TypeCheck(root string) error {
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		return fmt.Errorf("typescript missing (%w): run `make assets`", err)
	}
	for _, p := range Projects {
		cmd := exec.Command(tsc, "--noEmit", "-p", filepath.Join(root, p))
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("tsc -p %s: %w\n%s", p, err, out)
		}
	}
	return nil
}
