package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// link matches a Markdown link or image target that is not a URL or an anchor.
var link = regexp.MustCompile(`\]\(([^)#:\s]+)(#[^)]*)?\)`)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEveryPageIsOnTheMap fails when a page in docs/ is missing from the
// README's documentation map, so a new page cannot be hidden.
func TestEveryPageIsOnTheMap(t *testing.T) {
	readme := read(t, "../README.md")
	pages, err := filepath.Glob("*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages in docs/: %v", err)
	}
	for _, p := range pages {
		if !strings.Contains(readme, "](docs/"+p+")") {
			t.Errorf("docs/%s is not linked from the README's documentation map", p)
		}
	}
}

// TestRelativeLinksResolve fails when the README or a page links to a file
// that does not exist (a page moved or renamed without its links).
func TestRelativeLinksResolve(t *testing.T) {
	files, _ := filepath.Glob("*.md")
	files = append(files, "../README.md")
	for _, f := range files {
		for _, m := range link.FindAllStringSubmatch(read(t, f), -1) {
			target := filepath.Join(filepath.Dir(f), m[1])
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, m[1])
			}
		}
	}
}

// TestArchitectureListsEveryPackage fails when a folder under cmd/ or
// internal/ that holds Go code is missing from the README's architecture
// block, so the map of the house follows the house.
func TestArchitectureListsEveryPackage(t *testing.T) {
	readme := read(t, "../README.md")
	_, arch, ok := strings.Cut(readme, "## Architecture")
	if !ok {
		t.Fatal("README has no Architecture section")
	}
	arch, _, _ = strings.Cut(arch, "\n```\n\n")
	var missing []string
	for _, root := range []string{"../cmd", "../internal"} {
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			name := strings.TrimPrefix(root, "../") + "/" + e.Name() + "/"
			if !strings.Contains(arch, name) {
				missing = append(missing, name)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("the README's architecture does not list %v", missing)
	}
}
