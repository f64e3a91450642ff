package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The image's HEALTHCHECK runs `easy-api healthcheck` with the image's
// environment (EASY_API_HOST=0.0.0.0): it must reach the real API's
// liveness route over loopback.
func TestHealthcheckAgainstTheAPI(t *testing.T) {
	srv := httptest.NewServer(api.New(api.Config{Version: "test", Log: zerolog.Nop()}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	var out bytes.Buffer
	err := run(context.Background(), []string{"healthcheck"},
		env(map[string]string{"EASY_API_HOST": "0.0.0.0", "EASY_API_PORT": port}), &out, &out)
	if err != nil {
		t.Fatalf("healthcheck: %v", err)
	}
	if want := "ok http://127.0.0.1:" + port + "/healthz"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestHealthcheckFails(t *testing.T) {
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"not 200":      {[]string{"healthcheck", "--url", sick.URL + "/healthz"}, "503 Service Unavailable"},
		"nobody there": {[]string{"healthcheck", "--url", "http://" + closed + "/healthz"}, "connection refused"},
		"unknown flag": {[]string{"healthcheck", "--bogus"}, "bogus"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, env(nil), &out, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
