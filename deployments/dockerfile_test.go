package deployments

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// stage is one FROM … block of the Dockerfile.
type stage struct {
	image, name string
	inst        []*parser.Node
}

// words returns an instruction's arguments.
func words(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

// find returns the stage's instructions of one kind ("run" matches RUN).
func (s stage) find(kind string) []*parser.Node {
	var out []*parser.Node
	for _, n := range s.inst {
		if strings.EqualFold(n.Value, kind) {
			out = append(out, n)
		}
	}
	return out
}

// one returns the stage's only instruction of a kind.
func (s stage) one(t *testing.T, kind string) *parser.Node {
	t.Helper()
	ns := s.find(kind)
	if len(ns) != 1 {
		t.Fatalf("stage %s: %d %s instructions, want 1", s.image, len(ns), strings.ToUpper(kind))
	}
	return ns[0]
}

// env returns the stage's ENV settings (ENV nodes hold key, value, "=").
func (s stage) env() map[string]string {
	env := map[string]string{}
	for _, n := range s.find("env") {
		w := words(n)
		for i := 0; i+1 < len(w); i += 3 {
			env[w[i]] = w[i+1]
		}
	}
	return env
}

// copies maps each COPY destination of the stage to its source.
func (s stage) copies() map[string]string {
	out := map[string]string{}
	for _, n := range s.find("copy") {
		w := words(n)
		if len(w) == 2 {
			out[w[1]] = w[0]
		}
	}
	return out
}

// dockerfile parses the repository's Dockerfile with Docker's own parser.
func dockerfile(t *testing.T) []stage {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(readFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	var stages []stage
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			w := words(n)
			s := stage{image: w[0]}
			if len(w) == 3 && strings.EqualFold(w[1], "AS") {
				s.name = w[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s before the first FROM", n.Original)
		}
		stages[len(stages)-1].inst = append(stages[len(stages)-1].inst, n)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	return stages
}

func TestDockerfileBuildStage(t *testing.T) {
	build := dockerfile(t)[0]
	gomod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readFile(t, "go.mod"))
	if gomod == nil {
		t.Fatal("go.mod has no go directive")
	}
	if want := "golang:" + string(gomod[1]) + "."; !strings.HasPrefix(build.image, want) || !strings.HasSuffix(build.image, "-bookworm") {
		t.Errorf("build stage FROM %s, want %s<patch>-bookworm (go.mod's Go, the runtime's Debian)", build.image, want)
	}

	var assets, gobuild bool
	for _, n := range build.find("run") {
		cmd := strings.Join(words(n), " ")
		assets = assets || strings.Contains(cmd, "./scripts/setup.sh assets")
		if strings.Contains(cmd, "go build") {
			gobuild = true
			for _, want := range []string{"-trimpath", "./cmd/easy-api", "main.version="} {
				if !strings.Contains(cmd, want) {
					t.Errorf("go build lacks %s: %s", want, cmd)
				}
			}
		}
	}
	if !assets {
		t.Error("the build stage does not run ./scripts/setup.sh assets (the npm step make runs)")
	}
	if !gobuild {
		t.Error("the build stage runs no go build")
	}
	if build.copies()["scripts/setup.sh"] != "scripts/setup.sh" {
		t.Error("the build stage does not copy scripts/setup.sh")
	}
}

func TestDockerfileRuntimeStage(t *testing.T) {
	stages := dockerfile(t)
	rt := stages[len(stages)-1]
	env := rt.env()

	t.Run("debian slim with the browser from setup.sh", func(t *testing.T) {
		if rt.image != "debian:bookworm-slim" {
			t.Errorf("runtime FROM %s, want debian:bookworm-slim", rt.image)
		}
		var browser bool
		for _, n := range rt.find("run") {
			cmd := strings.Join(words(n), " ")
			browser = browser || regexp.MustCompile(`scripts/setup\.sh browser\b`).MatchString(cmd)
		}
		if !browser {
			t.Error("the runtime stage does not install the browser with scripts/setup.sh browser")
		}
		for dst, src := range rt.copies() {
			if strings.HasSuffix(dst, "setup.sh") && src != "scripts/setup.sh" {
				t.Errorf("COPY %s %s: the image must run the repository's scripts/setup.sh", src, dst)
			}
		}
	})

	t.Run("non-root numeric user", func(t *testing.T) {
		user := words(rt.one(t, "user"))[0]
		uid, gid, _ := strings.Cut(user, ":")
		if n, err := strconv.Atoi(uid); err != nil || n == 0 {
			t.Errorf("USER %s: want a numeric non-zero uid (Kubernetes' runAsNonRoot can only verify numbers)", user)
		}
		if n, err := strconv.Atoi(gid); err != nil || n == 0 {
			t.Errorf("USER %s: want a numeric non-zero gid", user)
		}
	})

	t.Run("volume is the session data path", func(t *testing.T) {
		vols := words(rt.one(t, "volume"))
		if len(vols) != 1 || vols[0] != env["EASY_API_SESSION_DATA_PATH"] || vols[0] == "" {
			t.Errorf("VOLUME %v, EASY_API_SESSION_DATA_PATH=%q: want one volume at the session data path", vols, env["EASY_API_SESSION_DATA_PATH"])
		}
	})

	t.Run("listens on all interfaces at the exposed port", func(t *testing.T) {
		if env["EASY_API_HOST"] != "0.0.0.0" {
			t.Errorf("EASY_API_HOST=%q, want 0.0.0.0 (the default loopback is unreachable from outside the container)", env["EASY_API_HOST"])
		}
		port := env["EASY_API_PORT"]
		if port == "" {
			port = stringDefault(t, "port")
		}
		if got := words(rt.one(t, "expose")); len(got) != 1 || got[0] != port {
			t.Errorf("EXPOSE %v, want the server's port %s", got, port)
		}
	})

	t.Run("healthcheck asks a real route", func(t *testing.T) {
		hc := rt.one(t, "healthcheck")
		cmd := words(hc)
		if len(cmd) < 3 || cmd[0] != "CMD" || cmd[1] != "easy-api" || cmd[2] != "healthcheck" {
			t.Fatalf("HEALTHCHECK %v, want CMD easy-api healthcheck …", cmd)
		}
		path := ""
		for i := 3; i+1 < len(cmd); i++ {
			if cmd[i] == "--path" {
				path = cmd[i+1]
			}
		}
		if !serverRoutes(t)[path] || path != "/healthz" {
			t.Errorf("HEALTHCHECK --path %q: want /healthz, a route of internal/api", path)
		}
		flags := map[string]time.Duration{}
		for _, f := range hc.Flags {
			k, v, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
			if d, err := time.ParseDuration(v); err == nil {
				flags[k] = d
			}
		}
		if flags["timeout"] <= 0 || flags["timeout"] >= flags["interval"] {
			t.Errorf("HEALTHCHECK flags %v: want a timeout shorter than the interval", hc.Flags)
		}
	})

	t.Run("graceful stop", func(t *testing.T) {
		if got := words(rt.one(t, "stopsignal")); len(got) != 1 || got[0] != "SIGTERM" {
			t.Errorf("STOPSIGNAL %v, want SIGTERM (the server's graceful shutdown)", got)
		}
		ep := words(rt.one(t, "entrypoint"))
		if len(ep) < 3 || ep[0] != "/usr/bin/tini" || ep[1] != "--" || ep[2] != "easy-api" {
			t.Errorf("ENTRYPOINT %v, want tini -- easy-api (tini forwards SIGTERM to easy-api only and reaps orphans)", ep)
		}
		// Docker's stop grace cannot be set in a Dockerfile; its comments
		// must tell the user the stop timeout that covers the shutdown.
		bound := shutdownBound(t, env)
		m := regexp.MustCompile(`--stop-timeout (\d+)`).FindSubmatch(readFile(t, "Dockerfile"))
		if m == nil {
			t.Fatal("the Dockerfile does not say which docker stop timeout to use (--stop-timeout N)")
		}
		if n, _ := strconv.Atoi(string(m[1])); time.Duration(n)*time.Second < bound {
			t.Errorf("--stop-timeout %ss is shorter than the shutdown bound %v", m[1], bound)
		}
	})

	t.Run("wa-js bundle and its licence", func(t *testing.T) {
		wajs := env["EASY_API_WAJS"]
		copies := rt.copies()
		var bundle, license bool
		for dst, src := range copies {
			bundle = bundle || (strings.HasSuffix(src, "node_modules/@wppconnect/wa-js/dist") && strings.HasPrefix(wajs, dst+"/"))
			license = license || strings.HasSuffix(src, "node_modules/@wppconnect/wa-js/LICENSE")
		}
		if !bundle {
			t.Errorf("EASY_API_WAJS=%q is not inside the copied wa-js dist folder", wajs)
		}
		if !license {
			t.Error("the wa-js LICENSE is not copied (Apache-2.0 requires shipping it)")
		}
		if _, err := os.Stat(filepath.Join(repo, "node_modules/@wppconnect/wa-js/dist", filepath.Base(wajs))); err != nil {
			t.Logf("bundle not installed here (scripts/setup.sh assets): %v", err)
		}
	})

	t.Run("browser runs without its sandbox", func(t *testing.T) {
		bin := env["EASY_API_BROWSER_PATH"]
		src, ok := rt.copies()[bin]
		if !ok {
			t.Fatalf("EASY_API_BROWSER_PATH=%q is not a file the image copies", bin)
		}
		fi, err := os.Stat(filepath.Join(repo, src))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", src)
		}
		script := string(readFile(t, src))
		if !regexp.MustCompile(`(?m)^exec /usr/lib/chromium/chromium-headless-shell --no-sandbox .*"\$@"$`).MatchString(script) {
			t.Errorf("%s must exec the headless shell with --no-sandbox and pass every argument on:\n%s", src, script)
		}
	})
}

func TestDockerignoreKeepsDataOut(t *testing.T) {
	lines := map[string]bool{}
	for _, l := range strings.Split(string(readFile(t, ".dockerignore")), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{"node_modules/", "IGNORE_*/", "*.data.json", "easy-api-store/", ".git"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}
