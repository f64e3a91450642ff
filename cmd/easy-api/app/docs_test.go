package app

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// TestEveryFlagIsDocumented: docs/configuration.md names every flag of
// serve and its environment variable, so the page cannot drift from the
// code.
func TestEveryFlagIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.flags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		row := "| `--" + f.Name + "` | `" + EnvName(f.Name) + "`"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/configuration.md has no row %q", row)
		}
	})
	for line := range strings.Lines(doc) {
		name, ok := strings.CutPrefix(line, "| `--")
		if name, _, _ = strings.Cut(name, "`"); ok && fs.Lookup(name) == nil {
			t.Errorf("docs/configuration.md documents --%s, which serve does not have", name)
		}
	}
}
