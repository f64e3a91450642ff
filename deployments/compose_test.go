package deployments

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// composeFile is the part of the Compose specification the test reads.
type composeFile struct {
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
}

// composeService is one service of a Compose file.
type composeService struct {
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
}

// loadCompose decodes a Compose file of deployments/ (anchors and merge
// keys resolved, as Compose does).
func loadCompose(t *testing.T, name string) composeFile {
	t.Helper()
	var f composeFile
	if err := yaml.Unmarshal(readFile(t, "deployments/"+name), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCompose(t *testing.T) {
	f := loadCompose(t, "docker-compose.yml")
	if _, ok := f.Services["easy-api"]; !ok {
		t.Fatal("no easy-api service")
	}
	checkComposeServer(t, f, "easy-api")
	checkComposeFile(t, f)
}

// checkComposeServer checks an easy-api service: it builds the Dockerfile,
// keeps its data on a named volume, publishes its port, stops gracefully.
func checkComposeServer(t *testing.T, f composeFile, name string) {
	srv := f.Services[name]
	stages := dockerfile(t)
	imageEnv := stages[len(stages)-1].env()
	env := func(k string) string {
		if v, ok := srv.Environment[k]; ok {
			return v
		}
		return imageEnv[k]
	}
	t.Run(name+": builds the repository's Dockerfile", func(t *testing.T) {
		if srv.Build == nil {
			t.Fatal("easy-api has no build section")
		}
		if _, err := os.Stat(filepath.Join(srv.Build.Context, srv.Build.Dockerfile)); err != nil {
			t.Errorf("build context %q, dockerfile %q: %v", srv.Build.Context, srv.Build.Dockerfile, err)
		}
	})

	t.Run(name+": session data on a named volume", func(t *testing.T) {
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

	t.Run(name+": publishes the server's port", func(t *testing.T) {
		port := env("EASY_API_PORT")
		if len(srv.Ports) != 1 || !strings.HasSuffix(srv.Ports[0], ":"+port) {
			t.Errorf("ports %v, want one mapping to the container port %s", srv.Ports, port)
		}
	})

	t.Run(name+": graceful stop", func(t *testing.T) {
		if srv.StopSignal != "SIGTERM" {
			t.Errorf("stop_signal %q, want SIGTERM", srv.StopSignal)
		}
		d, err := time.ParseDuration(srv.StopGracePeriod)
		if bound := shutdownBound(t, srv.Environment); err != nil || d < bound {
			t.Errorf("stop_grace_period %q, want ≥ %v (docker's default 10s kills browsers mid-close)", srv.StopGracePeriod, bound)
		}
	})

}

// checkComposeFile checks a Compose file's webhook receiver and images.
func checkComposeFile(t *testing.T, f composeFile) {
	t.Run("example webhook receiver", func(t *testing.T) {
		var hook string
		for _, s := range f.Services {
			if s.Environment["EASY_API_WEBHOOK"] != "" {
				hook = s.Environment["EASY_API_WEBHOOK"]
			}
		}
		u, err := url.Parse(hook)
		if err != nil || u.Host == "" {
			t.Fatalf("EASY_API_WEBHOOK=%q: want the receiver's URL", hook)
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

// TestComposeCluster checks docker-compose.cluster.yml: three easy-api
// nodes, each with its own volume and name, advertising the URL the others
// reach it at, every one a peer of the others' cluster routes.
func TestComposeCluster(t *testing.T) {
	f := loadCompose(t, "docker-compose.cluster.yml")
	var nodes []string
	for name, s := range f.Services {
		if s.Build != nil {
			nodes = append(nodes, name)
		}
	}
	slices.Sort(nodes)
	if len(nodes) != 3 {
		t.Fatalf("easy-api nodes %v, want three", nodes)
	}
	var peers []string
	volumes, hostPorts := map[string]string{}, map[string]string{}
	for _, name := range nodes {
		checkComposeServer(t, f, name)
		env := f.Services[name].Environment
		if env["EASY_API_NODE_NAME"] != name {
			t.Errorf("%s: EASY_API_NODE_NAME=%q, want the service name", name, env["EASY_API_NODE_NAME"])
		}
		if want := "http://" + name + ":" + env["EASY_API_PORT"]; env["EASY_API_ADVERTISE_URL"] != want {
			t.Errorf("%s: EASY_API_ADVERTISE_URL=%q, want %s (where the other nodes forward to)", name, env["EASY_API_ADVERTISE_URL"], want)
		}
		_, port, _ := strings.Cut(env["EASY_API_CLUSTER_LISTEN"], ":")
		peers = append(peers, "nats://"+name+":"+port)
		for _, v := range f.Services[name].Volumes {
			if other, dup := volumes[v]; dup {
				t.Errorf("%s and %s share the volume %s: each node needs its own profiles and store", other, name, v)
			}
			volumes[v] = name
		}
		for _, p := range f.Services[name].Ports {
			host := p[:strings.LastIndex(p, ":")]
			if other, dup := hostPorts[host]; dup {
				t.Errorf("%s and %s publish the same host port %s", other, name, host)
			}
			hostPorts[host] = name
		}
	}
	for _, name := range nodes {
		env := f.Services[name].Environment
		if got := strings.Split(env["EASY_API_CLUSTER_PEERS"], ","); !slices.Equal(got, peers) {
			t.Errorf("%s: EASY_API_CLUSTER_PEERS %v, want every node %v", name, got, peers)
		}
		if env["EASY_API_REPLICAS"] != "3" || env["EASY_API_CLUSTER_NAME"] == "" {
			t.Errorf("%s: EASY_API_REPLICAS=%q, EASY_API_CLUSTER_NAME=%q: want 3 copies in one named cluster",
				name, env["EASY_API_REPLICAS"], env["EASY_API_CLUSTER_NAME"])
		}
		if env["EASY_API_API_KEY"] != f.Services[nodes[0]].Environment["EASY_API_API_KEY"] {
			t.Errorf("%s has another admin key: a forwarded request carries the caller's key", name)
		}
		if secret := env["EASY_API_CLUSTER_SECRET"]; secret == "" || secret != f.Services[nodes[0]].Environment["EASY_API_CLUSTER_SECRET"] {
			t.Errorf("%s: EASY_API_CLUSTER_SECRET %q: want the same routes' password on every node", name, secret)
		}
	}
	checkComposeFile(t, f)
}
