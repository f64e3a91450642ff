package wasim

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	// controlRoute matches a control route as the mux registers it.
	controlRoute = regexp.MustCompile(`Handle(?:Func)?\("(?:[A-Z]+ )?(/__sim/[^"]+)"`)
	// docRoute matches a control route named in a page.
	docRoute = regexp.MustCompile(`/__sim/[A-Za-z0-9{}_/-]*[A-Za-z0-9}]`)
)

// TestControlRoutesAreDocumented: every control route the simulator
// registers is named in docs/simulator.md (or, for messaging, docs/api.md),
// and every route those pages name exists, so neither drifts from the mux.
func TestControlRoutesAreDocumented(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range controlRoute.FindAllStringSubmatch(string(b), -1) {
			routes = append(routes, m[1])
		}
	}
	if len(routes) < 20 {
		t.Fatalf("found %d control routes (%v): the scan missed them", len(routes), routes)
	}
	var documented []string
	for _, page := range []string{"../../docs/simulator.md", "../../docs/api.md"} {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		documented = append(documented, docRoute.FindAllString(string(b), -1)...)
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("control route %s is in neither docs/simulator.md nor docs/api.md", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("the docs name %s, which the simulator does not serve", d)
		}
	}
}
