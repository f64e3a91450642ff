package deployments

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// composeFile is the part of the Compose specification the test reads.
type composeFile struct {
	Services map[string]struct {
		Image string `json:"image"`
		Build *struct {
			Context    string `json:"context"`
			Dockerfile string `json:"dockerfile"`
		} `json:"build"`
		Environment     map[string]string `json:"environment"`
		Ports           []string          `json:"ports"`
		Volumes         []string          `json:"volumes"`
		StopSignal      string            `json:"stop_signal"`
		StopGracePeriod string            `json:"stop_grace_period"`
	} `json:"services"`
	Volumes map[string]any `json:"volumes"`
}

func TestCompose(t *testing.T) {
	var f composeFile
	if err := yaml.Unmarshal(readFile(t, "deployments/docker-compose.yml"), &f); err != nil {
		t.Fatal(err)
	}
	srv, ok := f.Services["easy-api"]
	if !ok {
		t.Fatal("no easy-api service")
	}
	stages := dockerfile(t)
	imageEnv := stages[len(stages)-1].env()
	env := func(k string) string {
		if v, ok := srv.Environment[k]; ok {
			return v
		}
		return imageEnv[k]
	}

	t.Run("builds the repository's Dockerfile", func(t *testing.T) {
		if srv.Build == nil {
			t.Fatal("easy-api has no build section")
		}
		if _, err := os.Stat(filepath.Join(srv.Build.Context, srv.Build.Dockerfile)); err != nil {
			t.Errorf("build context %q, dockerfile %q: %v", srv.Build.Context, srv.Build.Dockerfile, err)
		}
	})

	t.Run("session data on a named volume", func(t *testing.T) {
		path := env("EASY_API_SESSION_DATA_PATH")
		var found bool
		for _, v := range srv.Volumes {
			name, target, _ := strings.Cut(v, ":")
			if target == path {
				found = true
				if _, ok := f.Volumes[name]; !ok {
					t.Errorf("volume %q mounted at %s is not declared under volumes:", name, path)
				}
			}
		}
		if !found {
			t.Errorf("no volume mounted at the session data path %q (volumes %v)", path, srv.Volumes)
		}
	})

	t.Run("publishes the server's port", func(t *testing.T) {
		port := env("EASY_API_PORT")
		if len(srv.Ports) != 1 || !strings.HasSuffix(srv.Ports[0], ":"+port) {
			t.Errorf("ports %v, want one mapping to the container port %s", srv.Ports, port)
		}
	})

	t.Run("graceful stop", func(t *testing.T) {
		if srv.StopSignal != "SIGTERM" {
			t.Errorf("stop_signal %q, want SIGTERM", srv.StopSignal)
		}
		d, err := time.ParseDuration(srv.StopGracePeriod)
		if bound := shutdownBound(t, srv.Environment); err != nil || d < bound {
			t.Errorf("stop_grace_period %q, want ≥ %v (docker's default 10s kills browsers mid-close)", srv.StopGracePeriod, bound)
		}
	})

	t.Run("example webhook receiver", func(t *testing.T) {
		u, err := url.Parse(srv.Environment["EASY_API_WEBHOOK"])
		if err != nil || u.Host == "" {
			t.Fatalf("EASY_API_WEBHOOK=%q: want the receiver's URL", srv.Environment["EASY_API_WEBHOOK"])
		}
		recv, ok := f.Services[u.Hostname()]
		if !ok {
			t.Fatalf("EASY_API_WEBHOOK points at %q, which is no service", u.Hostname())
		}
		if recv.Environment["HTTP_PORT"] != u.Port() {
			t.Errorf("the receiver listens on %q, the webhook URL says %q", recv.Environment["HTTP_PORT"], u.Port())
		}
	})

	t.Run("pinned images without a registry host", func(t *testing.T) {
		for name, s := range f.Services {
			repo, tag, ok := strings.Cut(s.Image, ":")
			if !ok || tag == "" || (tag == "latest" && s.Build == nil) {
				t.Errorf("service %s: image %q is not pinned to a tag", name, s.Image)
			}
			if first, _, _ := strings.Cut(repo, "/"); strings.ContainsAny(first, ".:") {
				t.Errorf("service %s: image %q names a registry host", name, s.Image)
			}
		}
	})
}
