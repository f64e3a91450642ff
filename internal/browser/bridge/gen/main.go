// Command gen compiles the page scripts written in TypeScript (see package
// bridge) into the files Go embeds. Run from anywhere in the repository:
// `go generate ./internal/browser/bridge` or `make bridge`.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/easy-api/easy-api/internal/browser/bridge"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bridge gen:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	for _, t := range bridge.Targets {
		js, err := bridge.Build(root, t)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(root, t.Out), js, 0o644); err != nil {
			return err
		}
	}
	return nil
}
