package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// serve runs Serve as `easy-api serve` would and returns its error; with a
// bad setting it must return before listening, so no test waits on it.
func serve(t *testing.T, getenv func(string) string, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a server that gets past the checks stops at once
	return Serve(ctx, args, getenv, &bytes.Buffer{}, &bytes.Buffer{}, Options{})
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBadSettingsStopTheServerBeforeTheStore: every setting is checked
// before anything opens, from a flag, the environment or the config file
// alike; the error names the setting, where it came from and the rule.
func TestBadSettingsStopTheServerBeforeTheStore(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		file string // config file content
		want string
	}{
		"qr-timeout flag":       {args: []string{"--qr-timeout", "-5s"}, want: "--qr-timeout: -5s: must not be negative (0 = never)"},
		"qr-timeout env":        {env: map[string]string{"EASY_API_QR_TIMEOUT": "-5s"}, want: "EASY_API_QR_TIMEOUT: -5s: must not be negative"},
		"qr-timeout file":       {file: `{"qr-timeout": "-5s"}`, want: `settings.json: "qr-timeout": -5s: must not be negative`},
		"auth-timeout 0":        {args: []string{"--auth-timeout", "0"}, want: "--auth-timeout: 0s: must be more than 0"},
		"auth-timeout negative": {env: map[string]string{"EASY_API_AUTH_TIMEOUT": "-1m"}, want: "EASY_API_AUTH_TIMEOUT: -1m0s: must be more than 0"},
		"close-timeout":         {args: []string{"--close-timeout", "-1s"}, want: "--close-timeout: -1s: must be more than 0"},
		"event-max":             {args: []string{"--event-max", "-5"}, want: "--event-max: -5: must be at least 1"},
		"auth-failures":         {file: `{"auth-failures": 0}`, want: `"auth-failures": 0: must be at least 1`},
		"webhook-secret":        {args: []string{"--webhook-secret", "abc"}, want: `--webhook-secret: (secret): must start with "whsec_"`},
		"port":                  {args: []string{"--port", "abc"}, want: `--port: "abc": must be a port number`},
		"log-level":             {env: map[string]string{"EASY_API_LOG_LEVEL": "loud"}, want: `EASY_API_LOG_LEVEL: "loud": must be one of trace, debug, info, warn, error`},
		"store-sync":            {args: []string{"--store-sync", "sometimes"}, want: `--store-sync: "sometimes": must be one of default, always`},
		"shutdown vs close":     {args: []string{"--shutdown-timeout", "5s"}, want: "--shutdown-timeout: 5s: must be at least 1.5 × --close-timeout (10s)"},
		"session-id":            {args: []string{"--session-id", "../etc"}, want: `--session-id: "../etc": must match`},
		"webhook url":           {args: []string{"--webhook", "ftp://x"}, want: `--webhook: "ftp://x": must be an absolute http(s) URL`},
		"size":                  {args: []string{"--max-session-memory", "lots"}, want: `invalid value "lots" for flag -max-session-memory`},
		"size from file":        {file: `{"max-body-bytes": "lots"}`, want: `"max-body-bytes": "lots" is not a size`},
		"unknown key in file":   {file: `{"qr-timout": "1m"}`, want: `"qr-timout": unknown setting`},
		"api key":               {env: map[string]string{"EASY_API_KEY": "short"}, want: "EASY_API_KEY: the key must be at least 16 characters"},
		"forward-timeout":       {env: map[string]string{"EASY_API_FORWARD_TIMEOUT": "1m"}, want: "EASY_API_FORWARD_TIMEOUT: 1m0s: must be more than the longest call a node may answer (2m0s"},
		"forward vs media":      {args: []string{"--media-fetch-timeout", "5m"}, want: "--forward-timeout: 2m30s: must be more than the longest call a node may answer (5m0s"},
	} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			args := append([]string{"--session-data-path", data}, tc.args...)
			if tc.file != "" {
				args = append(args, "--config", writeFile(t, "settings.json", tc.file))
			}
			for _, mode := range [][]string{nil, {"--print-config"}} {
				err := serve(t, env(tc.env), append(args, mode...)...)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%v: error %v, want %q", mode, err, tc.want)
				}
			}
			if entries, _ := os.ReadDir(data); len(entries) > 0 {
				t.Fatalf("a bad setting still opened the store: %v", entries)
			}
		})
	}
}

// TestPrintConfigRoundTrips: --print-config prints typed JSON that --config
// reads back to the same settings.
func TestPrintConfigRoundTrips(t *testing.T) {
	print := func(getenv func(string) string, args ...string) []byte {
		t.Helper()
		var out bytes.Buffer
		if err := Serve(context.Background(), append(args, "--print-config"), getenv, &out, &bytes.Buffer{}, Options{}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	first := print(env(map[string]string{"EASY_API_WEBHOOK": "https://a.example/h,https://b.example/h"}),
		"--qr-timeout", "5m", "--max-session-memory", "300MB", "--headful", "--qr-max", "0", "--api-key", "0123456789abcdef0123")
	var m map[string]any
	if err := json.Unmarshal(first, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"qr-timeout": "5m0s", "max-session-memory": float64(300e6), "headful": true, "qr-max": float64(0),
		"webhook": []any{"https://a.example/h", "https://b.example/h"}, "port": "8080", "event-max": float64(1e6)}
	for k, v := range want {
		if diff := cmp.Diff(v, m[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	for _, k := range []string{"api-key", "print-config", "config"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s printed", k)
		}
	}
	again := print(env(nil), "--config", writeFile(t, "printed.json", string(first)))
	if diff := cmp.Diff(string(first), string(again)); diff != "" {
		t.Fatalf("--config of the printed settings prints (-first +again):\n%s", diff)
	}
}

// TestPrecedence: flag > env > file > default, per setting.
func TestPrecedence(t *testing.T) {
	file := writeFile(t, "s.json", `{"qr-max": 3, "qr-timeout": "3m"}`)
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"default":              {nil, nil, "6"},
		"file over default":    {[]string{"--config", file}, nil, "3"},
		"env over file":        {[]string{"--config", file}, map[string]string{"EASY_API_QR_MAX": "4"}, "4"},
		"flag over env":        {[]string{"--config", file, "--qr-max", "5"}, map[string]string{"EASY_API_QR_MAX": "4"}, "5"},
		"flag over file":       {[]string{"--config", file, "--qr-max", "5"}, nil, "5"},
		"env names the config": {nil, map[string]string{"EASY_API_CONFIG": file}, "3"},
	} {
		t.Run(name, func(t *testing.T) {
			var c serveConfig
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			c.flags(fs)
			src, err := ParseFlags(fs, tc.args, env(tc.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if got := fs.Lookup("qr-max").Value.String(); got != tc.want {
				t.Fatalf("qr-max = %s (from %s), want %s", got, src.of("qr-max"), tc.want)
			}
		})
	}
}
