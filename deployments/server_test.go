package deployments

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The server facts the deployments must agree with, read from the Go
// sources so that these tests build no server package.

// repo is the repository root, relative to this package.
const repo = ".."

// parseDir parses the non-test Go files of a directory of the repository.
func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repo, dir, "*.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// stringArg returns call argument i when it is a string literal.
func stringArg(call *ast.CallExpr, i int) (string, bool) {
	if i >= len(call.Args) {
		return "", false
	}
	lit, ok := call.Args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// serverRoutes returns every path registered on a chi router in
// internal/api, with r.Route prefixes applied (/v1/sessions/{id}/qr).
func serverRoutes(t *testing.T) map[string]bool {
	t.Helper()
	routes := map[string]bool{}
	var walk func(n ast.Node, prefix string)
	walk = func(n ast.Node, prefix string) {
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pathArg := 0
			switch sel.Sel.Name {
			case "Route":
				p, ok := stringArg(call, 0)
				if fn, isFn := call.Args[len(call.Args)-1].(*ast.FuncLit); ok && isFn {
					walk(fn.Body, prefix+p)
					return false
				}
				return true
			case "Method", "MethodFunc":
				pathArg = 1
			case "Get", "Head", "Post", "Put", "Patch", "Delete", "Options", "Connect", "Trace", "Handle", "HandleFunc":
			default:
				return true
			}
			if p, ok := stringArg(call, pathArg); ok && strings.HasPrefix(p, "/") {
				full := prefix + p
				if full != "/" {
					full = strings.TrimSuffix(full, "/")
				}
				routes[full] = true
			}
			return true
		})
	}
	for _, f := range parseDir(t, "internal/api") {
		walk(f, "")
	}
	if len(routes) == 0 {
		t.Fatal("found no routes in internal/api")
	}
	return routes
}

// flagDefault returns the default of a flag of easy-api serve (the
// expression after the flag's name in a fs.XxxVar call in cmd/easy-api/app).
func flagDefault(t *testing.T, name string) ast.Expr {
	t.Helper()
	var def ast.Expr
	for _, f := range parseDir(t, "cmd/easy-api/app") {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || def != nil {
				return def == nil
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasSuffix(sel.Sel.Name, "Var") {
				return true
			}
			if s, ok := stringArg(call, 1); ok && s == name && len(call.Args) > 2 {
				def = call.Args[2]
			}
			return true
		})
	}
	if def == nil {
		t.Fatalf("easy-api serve has no --%s flag", name)
	}
	return def
}

// durationDefault evaluates a duration flag default like 30*time.Second.
func durationDefault(t *testing.T, name string) time.Duration {
	t.Helper()
	units := map[string]time.Duration{"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}
	var eval func(e ast.Expr) (time.Duration, bool)
	eval = func(e ast.Expr) (time.Duration, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			n, err := strconv.Atoi(e.Value)
			return time.Duration(n), err == nil && e.Kind == token.INT
		case *ast.SelectorExpr:
			u, ok := units[e.Sel.Name]
			return u, ok
		case *ast.BinaryExpr:
			x, okx := eval(e.X)
			y, oky := eval(e.Y)
			return x * y, okx && oky && e.Op == token.MUL
		case *ast.ParenExpr:
			return eval(e.X)
		}
		return 0, false
	}
	d, ok := eval(flagDefault(t, name))
	if !ok {
		t.Fatalf("cannot evaluate the default of --%s", name)
	}
	return d
}

// stringDefault returns a string flag's literal default.
func stringDefault(t *testing.T, name string) string {
	t.Helper()
	lit, ok := flagDefault(t, name).(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Fatalf("the default of --%s is not a string literal", name)
	}
	s, _ := strconv.Unquote(lit.Value)
	return s
}

// shutdownBound is how long a graceful stop of the server may take: the
// sessions' --shutdown-timeout (from env when the deployment sets it, else
// serve's default) plus the HTTP drain before it and the webhook flush and
// store close after it (2s + 5s + a little, rounded up to 10s). Every stop
// grace period must cover it.
func shutdownBound(t *testing.T, env map[string]string) time.Duration {
	t.Helper()
	d := durationDefault(t, "shutdown-timeout")
	if v, ok := env["EASY_API_SHUTDOWN_TIMEOUT"]; ok {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("EASY_API_SHUTDOWN_TIMEOUT=%q: %v", v, err)
		}
	}
	const drainAndStore = 10 * time.Second
	return d + drainAndStore
}

// readFile reads a file of the repository.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServerFactsAreFound(t *testing.T) {
	routes := serverRoutes(t)
	for _, r := range []string{"/healthz", "/readyz", "/v1/sessions/{id}/qr"} {
		if !routes[r] {
			t.Errorf("route %s not found among %v", r, routes)
		}
	}
	if d := durationDefault(t, "shutdown-timeout"); d <= 0 {
		t.Errorf("--shutdown-timeout default %v", d)
	}
	if p := stringDefault(t, "port"); p == "" {
		t.Error("--port has no default")
	}
}
