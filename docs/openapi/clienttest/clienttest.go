// Package clienttest generates the Go client of docs/openapi/openapi.json
// at test time and drives a server with it, used as generated: the proof
// that the spec serves client generators. Nothing generated is committed.
//
// Build runs oapi-codegen (pinned as a go.mod tool) into a temporary module
// that also holds a small driver program (testdata/driver), and compiles
// both with the module cache only (no network). The driver makes one typed
// call per run, so a test keeps its own assertions between calls.
package clienttest

import (
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	// The generated client imports it. The driver's module requires what
	// ours does, so ours must keep requiring it (go mod tidy would drop
	// it otherwise).
	_ "github.com/oapi-codegen/runtime"
)

//go:embed testdata/driver/main.go
var driverSource []byte

// Driver is the compiled driver: the generated client and one typed call
// per operation (see testdata/driver for the operations and their args).
type Driver struct {
	bin string
}

// Result is the answer of one call: its HTTP status, and the response as
// the generated client decoded it into the typed field of that status
// (JSON201, ApplicationproblemJSON409, ...), encoded again as JSON; JSON is
// "null" when the client decoded none.
type Result struct {
	Status int             `json:"status"`
	JSON   json.RawMessage `json:"json"`
}

// Decode decodes the typed response into v, failing t when it cannot.
func (r Result) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.JSON, v); err != nil {
		t.Fatalf("decode %s: %v", r.JSON, err)
	}
}

// Build generates the client from the module's docs/openapi/openapi.json
// and compiles the driver, failing t when either step fails. It takes a few
// seconds (the module cache and build cache do the rest).
func Build(t testing.TB) *Driver {
	t.Helper()
	root := goEnv(t, "GOMOD")
	root = filepath.Dir(root)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "client"), 0o755); err != nil {
		t.Fatal(err)
	}
	gen := exec.Command("go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "client",
		"-o", filepath.Join(dir, "client", "client.gen.go"), filepath.Join(root, "docs", "openapi", "openapi.json"))
	gen.Dir = root
	run(t, gen)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// The temporary module requires what ours does, so the go.sum of ours
	// covers it and the module cache has every dependency.
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module clientdriver"))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"go.mod": mod, "go.sum": sum, "main.go": driverSource} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "driver")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	run(t, build)
	return &Driver{bin: bin}
}

// Call makes operation op against the server at base with args (encoded
// as the driver's JSON args) and returns the result.
func (d *Driver) Call(t testing.TB, base, op string, args any) Result {
	t.Helper()
	a, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, exec.Command(d.bin, base, op, string(a)))
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s: %v: %s", op, err, out)
	}
	return r
}

// goEnv reads one `go env` variable.
func goEnv(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSpace(string(run(t, exec.Command("go", "env", name))))
}

// run runs cmd and returns its stdout, failing t with its stderr.
func run(t testing.TB, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr)
	}
	return out
}
