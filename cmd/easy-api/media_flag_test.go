package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// TestAllowPrivateMediaURLsSetting: the setting is off by default and set
// by the flag or EASY_API_ALLOW_PRIVATE_MEDIA_URLS.
func TestAllowPrivateMediaURLsSetting(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want bool
	}{
		"default": {nil, nil, false},
		"flag":    {[]string{"--allow-private-media-urls"}, nil, true},
		"env":     {nil, map[string]string{"EASY_API_ALLOW_PRIVATE_MEDIA_URLS": "true"}, true},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), append([]string{"serve", "--print-config"}, tc.args...), env(tc.env), &out, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if got := m["allow-private-media-urls"]; got != tc.want {
				t.Fatalf("allow-private-media-urls = %v, want %v", got, tc.want)
			}
		})
	}
}
