package bridge

import (
	"path/filepath"
	"runtime"
	"testing"
)

// root is the repository root, from this file's place in it.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// TestCompiledScriptsFresh fails when a committed script is not what its
// TypeScript compiles to: someone edited the TypeScript without
// `go generate ./internal/browser/bridge`, or edited the output by hand.
func TestCompiledScriptsFresh(t *testing.T) {
	stale, err := Stale(root(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stale {
		t.Errorf("%s is stale: run `go generate ./internal/browser/bridge` (or `make bridge`) and commit it", f)
	}
}

// TestTypeCheck fails when the bridge or the simulator calls a wa-js
// function that does not exist, with wrong arguments, or reads a field its
// return type does not have (tsc against the pinned @wppconnect/wa-js
// declarations).
func TestTypeCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if err := TypeCheck(root(t)); err != nil {
		t.Fatal(err)
	}
}
