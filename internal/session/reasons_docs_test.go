package session

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReasonsAreDocumented: docs/api.md's reason table lists every Reason
// the package declares, and nothing else, so the page cannot drift from
// what session.status events carry.
func TestReasonsAreDocumented(t *testing.T) {
	declared := declaredReasons(t)
	b, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "| reason | why |\n| --- | --- |\n")
	if !ok {
		t.Fatal("docs/api.md has no | reason | why | table")
	}
	var documented []string
	for line := range strings.Lines(table) {
		name, ok := strings.CutPrefix(line, "| `")
		if !ok {
			break
		}
		name, _, _ = strings.Cut(name, "`")
		documented = append(documented, name)
		if !slices.Contains(declared, name) {
			t.Errorf("docs/api.md documents reason %s, which the code does not have", name)
		}
	}
	for _, r := range declared {
		if !slices.Contains(documented, r) {
			t.Errorf("docs/api.md's reason table misses %s", r)
		}
	}
}

// declaredReasons returns the values of the package's constants of type
// Reason, read from its source.
func declaredReasons(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				v := spec.(*ast.ValueSpec)
				if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Reason" {
					continue
				}
				for _, val := range v.Values {
					if lit, ok := val.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, s)
					}
				}
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("found %d Reason constants (%v): the parse missed them", len(out), out)
	}
	return out
}
