package pagescript

import (
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// tree is a small project shaped like the bridge: an entry importing a
// sibling, and a type-only import of a package that is not in the tree.
var tree = fstest.MapFS{
	"main.ts": {Data: []byte(`import type * as WA from '@wppconnect/wa-js';
import { greet, type Who } from './lib/greet';
const who: Who = 'page';
const wpp = (window as unknown as { WPP: typeof WA }).WPP;
(window as unknown as { out: string }).out = greet(who) + String(wpp);
`)},
	"lib/greet.ts": {Data: []byte(`import type { Other } from '../types';
export type Who = Other | 'page';
export function greet(w: Who): string { return 'hello ' + w; }
`)},
	"types.ts": {Data: []byte(`export type Other = 'phone';`)},
}

func TestBundleErasesTypeOnlyImports(t *testing.T) {
	js, err := Bundle(tree, "main.ts")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`function greet(w)`, `"hello " + w`, `(() => {`} {
		if !strings.Contains(js, want) {
			t.Errorf("bundle lacks %q:\n%s", want, js)
		}
	}
	for _, bad := range []string{"import", "wa-js", ": Who"} {
		if strings.Contains(js, bad) {
			t.Errorf("bundle still holds %q:\n%s", bad, js)
		}
	}
}

func TestBundleRefuses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"value import of a package", `import { x } from 'pkg'; console.log(x);`, []string{`"pkg" is outside the embedded sources`, "main.ts:1"}},
		{"import leaving the tree", `import { x } from '../up'; console.log(x);`, []string{`"../up" is outside the embedded sources`}},
		{"missing file", `import { x } from './nope'; console.log(x);`, []string{"nope.ts"}},
		{"syntax error", "const a = ;\n", []string{"main.ts:1", "Unexpected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bundle(fstest.MapFS{"main.ts": {Data: []byte(tt.src)}}, "main.ts")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

// countingFS counts the files esbuild reads through the plugin.
type countingFS struct {
	fs.FS
	reads atomic.Int32
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.reads.Add(1)
	return c.FS.Open(name)
}

func TestSetCompilesOnce(t *testing.T) {
	src := &countingFS{FS: tree}
	s := NewSet(src, "main.ts")
	if got := src.reads.Load(); got != 0 {
		t.Fatalf("NewSet read %d files, want none before the first use", got)
	}
	js, err := s.Script("main.ts")
	if err != nil {
		t.Fatal(err)
	}
	after := src.reads.Load()
	if _, err := s.Compile(); err != nil {
		t.Fatal(err)
	}
	again, err := s.Script("main.ts")
	if err != nil || again != js {
		t.Fatalf("second Script = %v, differs: %v", err, again != js)
	}
	if got := src.reads.Load(); got != after {
		t.Errorf("later calls read %d more files, want 0", got-after)
	}
	if _, err := s.Script("other.ts"); err == nil {
		t.Error("Script of an entry not in the set: no error")
	}
}

func TestSetKeepsTheError(t *testing.T) {
	s := NewSet(fstest.MapFS{"main.ts": {Data: []byte("const a = ;")}}, "main.ts")
	if _, err := s.Compile(); err == nil || !strings.Contains(err.Error(), "main.ts:1") {
		t.Fatalf("Compile = %v, want the syntax error", err)
	}
	if _, err := s.Script("main.ts"); err == nil {
		t.Error("Script after a failed Compile: no error")
	}
}
