package bridge

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/pagescript"
)

// projects are the TypeScript projects TestTypeCheck checks (tsconfig.json
// folders relative to the repository root).
var projects = []string{"internal/browser/bridge", "internal/wasim/ts"}

// root is the repository root, from this file's place in it.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// TestTypeCheck fails when the bridge or the simulator calls a wa-js
// function that does not exist, with wrong arguments, or reads a field its
// return type does not have (tsc against the pinned @wppconnect/wa-js
// declarations).
func TestTypeCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if err := typeCheck(root(t)); err != nil {
		t.Fatal(err)
	}
}

// typeCheck runs the pinned TypeScript compiler (`tsc --noEmit`, from
// root/node_modules, as `make assets` installs it) over every project and
// returns its report when a type does not check.
func typeCheck(root string) error {
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		return fmt.Errorf("typescript missing (%w): run `make assets`", err)
	}
	for _, p := range projects {
		cmd := exec.Command(tsc, "--noEmit", "-p", filepath.Join(root, p))
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("tsc -p %s: %w\n%s", p, err, out)
		}
	}
	return nil
}

// TestSourcesBundle checks that the embedded sources are the whole bridge:
// they bundle with nothing but themselves (pagescript refuses any other
// import) and define window.__easy.
func TestSourcesBundle(t *testing.T) {
	js, err := pagescript.Bundle(Sources(), Entry)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js, "window.__easy") {
		t.Errorf("bundle does not look like the bridge:\n%.400s", js)
	}
}
