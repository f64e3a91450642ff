package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusesExposedWithoutKey: no key and a non-loopback address is an
// error that says what to do, unless --insecure-no-auth.
func TestRefusesExposedWithoutKey(t *testing.T) {
	for _, host := range []string{"0.0.0.0", "::", "192.0.2.1", ""} {
		err := serve(t, env(nil), "--host", host, "--session-data-path", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "without an API key") || !strings.Contains(err.Error(), "--insecure-no-auth") {
			t.Errorf("--host %q: %v", host, err)
		}
	}
	c := securityConfig{}
	for _, host := range []string{"127.0.0.1", "localhost", "::1", "127.1.2.3"} {
		if err := c.checkExposure(host); err != nil {
			t.Errorf("loopback %q refused: %v", host, err)
		}
	}
	if err := (&securityConfig{InsecureNoAuth: true}).checkExposure("0.0.0.0"); err != nil {
		t.Error(err)
	}
	if err := (&securityConfig{APIKey: "0123456789abcdef"}).checkExposure("0.0.0.0"); err != nil {
		t.Error(err)
	}
}

// TestPrintConfigLeavesSecretsOut: the config dump never holds a secret,
// from flags, the environment, a file or EASY_API_KEY.
func TestPrintConfigLeavesSecretsOut(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("file-key-0123456789abcdef\n"), 0o600)
	for name, tc := range map[string]struct {
		args   []string
		env    map[string]string
		secret string
	}{
		"flag":     {[]string{"--api-key", "flag-key-0123456789abcdef", "--webhook-secret", "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2Vj"}, nil, "flag-key-0123456789abcdef"},
		"env":      {nil, map[string]string{"EASY_API_API_KEY": "env-key-0123456789abcdef"}, "env-key-0123456789abcdef"},
		"alias":    {nil, map[string]string{"EASY_API_KEY": "alias-key-0123456789abcdef"}, "alias-key-0123456789abcdef"},
		"file":     {[]string{"--api-key-file", keyFile}, nil, "file-key-0123456789abcdef"},
		"data b64": {[]string{"--api-key", "x-key-0123456789abcdef", "--session-data", "eyJzZWNyZXQiOiJ0b2tlbiJ9"}, nil, "eyJzZWNyZXQiOiJ0b2tlbiJ9"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Serve(context.Background(), append([]string{"--print-config"}, tc.args...), env(tc.env), &out, &bytes.Buffer{}, Options{}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), tc.secret) || strings.Contains(out.String(), "whsec_") {
				t.Fatalf("secret in the dump:\n%s", out.String())
			}
			var m map[string]any
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"api-key", "webhook-secret", "session-data"} {
				if v, ok := m[secret]; ok {
					t.Errorf("%s printed as %v", secret, v)
				}
			}
			if m["host"] != "127.0.0.1" {
				t.Fatalf("host %v", m["host"])
			}
		})
	}
}

func TestSecuritySettingsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"--api-key", "short"},
		{"--api-key-file", "/nonexistent/key"},
		{"--trusted-proxies", "not-an-ip"},
	} {
		if err := serve(t, env(nil), append([]string{"--print-config"}, args...)...); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	c := securityConfig{TrustedProxies: listFlag{"10.0.0.0/8", "192.0.2.7"}}
	p, err := c.proxies()
	if err != nil || len(p) != 2 || p[1].Bits() != 32 {
		t.Fatalf("proxies = %v, %v", p, err)
	}
}
