package app

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestClusterFlagsAreChecked: every cluster setting is checked before the
// store opens, and the error names the setting and its rule; a complete
// cluster configuration passes.
func TestClusterFlagsAreChecked(t *testing.T) {
	node := []string{"--cluster-name", "prod", "--node-name", "a", "--advertise-url", "http://a:8080"}
	with := func(extra ...string) []string { return append(append([]string{}, node...), extra...) }
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"replicas above 5":          {args: []string{"--replicas", "6"}, want: "--replicas: 6: must be 0 to 5"},
		"replicas negative":         {env: map[string]string{"EASY_API_REPLICAS": "-1"}, want: "EASY_API_REPLICAS: -1: must be 0 to 5"},
		"lease-ttl too short":       {args: []string{"--lease-ttl", "299ms"}, want: "--lease-ttl: 299ms: must be at least 300ms"},
		"max-sessions negative":     {args: []string{"--max-sessions", "-1"}, want: "--max-sessions: -1: must be at least 0"},
		"nats-url and cluster-name": {args: with("--nats-url", "nats://n:4222"), want: `--nats-url: "nats://n:4222": cannot be used with --cluster-name`},
		"cluster without node name": {args: []string{"--cluster-name", "prod", "--advertise-url", "http://a:8080"}, want: `--node-name: "": must name this node`},
		"nats-url without node name": {args: []string{"--nats-url", "nats://n:4222", "--advertise-url", "http://a:8080"},
			want: `--node-name: "": must name this node`},
		"bad node name":            {args: []string{"--cluster-name", "prod", "--node-name", "a/b", "--advertise-url", "http://a:8080"}, want: `--node-name: "a/b": must be letters, digits`},
		"node name too long":       {args: []string{"--cluster-name", "prod", "--node-name", strings.Repeat("n", 65), "--advertise-url", "http://a:8080"}, want: "--node-name: \"" + strings.Repeat("n", 65) + "\": must be letters"},
		"cluster without URL":      {args: []string{"--cluster-name", "prod", "--node-name", "a"}, want: `--advertise-url: "": must be this node's absolute http(s) API URL`},
		"nats-url without URL":     {args: []string{"--nats-url", "nats://n:4222", "--node-name", "a"}, want: `--advertise-url: "": must be this node's absolute http(s) API URL`},
		"relative URL":             {args: []string{"--cluster-name", "prod", "--node-name", "a", "--advertise-url", "a:8080"}, want: `--advertise-url: "a:8080": must be`},
		"peer without scheme":      {args: with("--cluster-peers", "b:6222"), want: `--cluster-peers: "b:6222": must be nats://host:port`},
		"peer of another scheme":   {args: with("--cluster-peers", "http://b:6222"), want: `--cluster-peers: "http://b:6222": must be nats://host:port`},
		"listen without port":      {args: with("--cluster-listen", "0.0.0.0"), want: `--cluster-listen: "0.0.0.0": must be host:port`},
		"listen port out of range": {args: with("--cluster-listen", "0.0.0.0:70000"), want: `--cluster-listen: "0.0.0.0:70000": must be host:port`},
	} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			err := serve(t, env(tc.env), append([]string{"--session-data-path", data}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(data); len(entries) > 0 {
				t.Fatalf("a bad cluster setting still opened the store: %v", entries)
			}
		})
	}

	// The same settings, complete and right, pass the checks.
	for name, args := range map[string][]string{
		"embedded cluster": with("--cluster-peers", "nats://a:6222", "--cluster-peers", "nats://b:6222", "--replicas", "3", "--lease-ttl", "300ms"),
		"nats-url":         {"--nats-url", "nats://n:4222", "--node-name", "a_1", "--advertise-url", "https://a.example:8443", "--replicas", "5"},
		"single node":      {"--replicas", "0", "--max-sessions", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"--session-data-path", t.TempDir(), "--print-config"}, args...)
			if err := Serve(context.Background(), args, env(nil), &bytes.Buffer{}, &bytes.Buffer{}, Options{}); err != nil {
				t.Fatalf("a complete cluster configuration refused: %v", err)
			}
		})
	}
}
