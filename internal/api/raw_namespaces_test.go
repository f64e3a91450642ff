package api

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

var (
	// swagNamespaces is the list in callWPP's swag description.
	swagNamespaces = regexp.MustCompile(`public WPP namespaces \(([a-z, ]+)\)`)
	// bridgeNamespaces is the NAMESPACES array of the bridge's raw.ts.
	bridgeNamespaces = regexp.MustCompile(`(?s)export const NAMESPACES: readonly string\[\] = \[(.*?)\];`)
	quoted           = regexp.MustCompile(`'([a-z]+)'`)
	// docNamespaces is the list of docs/api.md's raw call paragraph.
	docNamespaces = regexp.MustCompile("(?s)of the public `WPP` namespaces (.*?), by name")
	backticked    = regexp.MustCompile("`([a-z]+)`")
)

// TestRawNamespacesAgree: the raw call's namespace list is kept in four
// places — the server's check (session.RawNamespaces), the bridge's guard
// (bridge/raw.ts), the spec's description (callWPP) and docs/api.md — and they must
// name the same namespaces in the same order, or a call the docs promise
// is refused, or one the server lets through is refused by the page.
func TestRawNamespacesAgree(t *testing.T) {
	want := session.RawNamespaces
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	m := swagNamespaces.FindStringSubmatch(read("raw.go"))
	if m == nil {
		t.Fatal("raw.go: callWPP's description lists no namespaces")
	}
	if got := strings.Split(m[1], ", "); !slices.Equal(got, want) {
		t.Errorf("callWPP's description lists %v, session.RawNamespaces is %v", got, want)
	}
	b := bridgeNamespaces.FindStringSubmatch(read("../browser/bridge/raw.ts"))
	if b == nil {
		t.Fatal("bridge/raw.ts has no NAMESPACES array")
	}
	var got []string
	for _, q := range quoted.FindAllStringSubmatch(b[1], -1) {
		got = append(got, q[1])
	}
	if !slices.Equal(got, want) {
		t.Errorf("bridge/raw.ts NAMESPACES is %v, session.RawNamespaces is %v", got, want)
	}
	d := docNamespaces.FindStringSubmatch(read("../../docs/api.md"))
	if d == nil {
		t.Fatal("docs/api.md's raw call paragraph lists no namespaces")
	}
	got = nil
	for _, q := range backticked.FindAllStringSubmatch(d[1], -1) {
		got = append(got, q[1])
	}
	if !slices.Equal(got, want) {
		t.Errorf("docs/api.md lists %v, session.RawNamespaces is %v", got, want)
	}
}
