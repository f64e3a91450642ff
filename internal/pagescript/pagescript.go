// Package pagescript compiles page scripts written in TypeScript into the
// JavaScript a browser runs, in process, with esbuild's Go API. The sources
// are an fs.FS (an embed.FS in the binary), so a build from git alone
// (`go build`, `go install`) needs no Node and no compiled output in the
// tree.
//
// esbuild only strips the types and bundles; type checking is tsc's job
// (`make typecheck`). Imports are resolved inside the source tree only:
// type-only imports (`import type …`, `type X` specifiers) are erased
// before resolution, so a declaration package such as @wppconnect/wa-js is
// never read; any other import from outside the tree fails the build.
package pagescript

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/evanw/esbuild/pkg/api"
)

// namespace is esbuild's name for the files the plugin serves.
const namespace = "pagescript"

// Set is a fixed group of entry points bundled from one source tree the
// first time they are asked for, once; every later call returns the same
// result. The zero Set is not usable: build one with NewSet. A Set is safe
// for concurrent use.
type Set struct {
	src     fs.FS
	entries []string

	once sync.Once
	js   map[string]string
	took time.Duration
	err  error
}

// NewSet returns a Set that bundles each entry (a slash path in src, e.g.
// "bridge.ts") with what it imports from src. A tsconfig.json at the root of
// src, when present, is read for the compiler options that change the
// output (such as useDefineForClassFields, implied by its target).
func NewSet(src fs.FS, entries ...string) *Set {
	return &Set{src: src, entries: entries}
}

// Compile bundles every entry of the Set unless an earlier call did, and
// returns how long that took and the first error (naming the file, line
// and reason). Call it at startup so a broken script fails the boot instead
// of the first page.
func (s *Set) Compile() (time.Duration, error) {
	s.once.Do(func() {
		start := time.Now()
		s.js = make(map[string]string, len(s.entries))
		for _, e := range s.entries {
			js, err := Bundle(s.src, e)
			if err != nil {
				s.err = errors.Join(s.err, err)
				continue
			}
			s.js[e] = js
		}
		s.took = time.Since(start)
	})
	return s.took, s.err
}

// Script returns the bundle of entry, compiling the Set first if needed.
// An entry the Set was not built with is an error.
func (s *Set) Script(entry string) (string, error) {
	if _, err := s.Compile(); err != nil {
		return "", err
	}
	js, ok := s.js[entry]
	if !ok {
		return "", fmt.Errorf("pagescript: %s is not an entry of this set", entry)
	}
	return js, nil
}

// Bundle compiles entry (a slash path in src) and the files it imports from
// src into one script: an immediately invoked function for a browser,
// ES2020, UTF-8, without legal comments.
func Bundle(src fs.FS, entry string) (string, error) {
	tsconfig, err := fs.ReadFile(src, "tsconfig.json")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("pagescript: read tsconfig.json: %w", err)
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:   []string{entry},
		Bundle:        true,
		Write:         false,
		Format:        api.FormatIIFE,
		Platform:      api.PlatformBrowser,
		Target:        api.ES2020,
		Charset:       api.CharsetUTF8,
		LegalComments: api.LegalCommentsNone,
		LogLevel:      api.LogLevelSilent,
		TsconfigRaw:   string(tsconfig),
		Plugins:       []api.Plugin{fsPlugin(src)},
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return "", fmt.Errorf("pagescript: bundle %s:\n%s", entry, strings.Join(msgs, ""))
	}
	if len(res.OutputFiles) != 1 {
		return "", fmt.Errorf("pagescript: bundle %s: %d output files, want 1", entry, len(res.OutputFiles))
	}
	return string(res.OutputFiles[0].Contents), nil
}

// fsPlugin makes esbuild read every file from src: relative imports resolve
// against their importer's folder (adding ".ts" when the import has no
// extension, as tsc's bundler resolution does), anything else is refused.
func fsPlugin(src fs.FS) api.Plugin {
	return api.Plugin{Name: namespace, Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			// esbuild writes an entry point that exists in the working
			// folder as "./entry"; Clean takes that off.
			p := path.Clean(a.Path)
			if a.Kind != api.ResolveEntryPoint {
				if !strings.HasPrefix(a.Path, "./") && !strings.HasPrefix(a.Path, "../") {
					return api.OnResolveResult{}, fmt.Errorf("%q is outside the embedded sources: only type-only imports may name a package", a.Path)
				}
				p = path.Join(path.Dir(a.Importer), a.Path)
			}
			if path.Ext(p) == "" {
				p += ".ts"
			}
			if !fs.ValidPath(p) {
				return api.OnResolveResult{}, fmt.Errorf("%q is outside the embedded sources", a.Path)
			}
			return api.OnResolveResult{Path: p, Namespace: namespace}, nil
		})
		b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: namespace}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			b, err := fs.ReadFile(src, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(b)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderTS}, nil
		})
	}}
}
