package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestBodyErrorsSpeakJSON: sessions, keys and webhooks answer a bad body
// the same way: the field as the client named it, what JSON was expected,
// and never a Go type, struct or decoder message.
func TestBodyErrorsSpeakJSON(t *testing.T) {
	f := newFull(t, nil)
	tests := []struct {
		name, path, body string
		field, detail    string
	}{
		{"key sessions as a string", "/v1/keys", `{"sessions": "alice"}`, "sessions", "sessions: must be an array of strings, not string"},
		{"key unknown field", "/v1/keys", `{"sessions": ["alice"], "session": "x"}`, "session", "session: unknown field"},
		{"key name as a number", "/v1/keys", `{"sessions": ["alice"], "name": 7}`, "name", "name: must be a string, not number"},
		{"key malformed", "/v1/keys", `{"sessions": [`, "body", "body: truncated JSON"},
		{"webhook types as a string", "/v1/webhooks", `{"url": "https://example.com/h", "types": "message.received"}`, "types",
			"types: must be an array of strings, not string"},
		{"webhook unknown field", "/v1/webhooks", `{"url": "https://example.com/h", "session": "alice"}`, "session", "session: unknown field"},
		{"webhook unknown type", "/v1/webhooks", `{"url": "https://example.com/h", "types": ["message.recieved"]}`, "types", "types: unknown event type"},
		{"webhook retry delay", "/v1/webhooks", `{"url": "https://example.com/h", "retry": {"delay": true}}`, "retry.delay",
			`retry.delay: must be a duration such as "90s" or a number of seconds, not bool`},
		{"session unknown field", "/v1/sessions", `{"id": "alice", "confg": {}}`, "confg", "confg: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "POST", path: tt.path, body: tt.body, key: adminKey, header: map[string]string{"Content-Type": "application/json"}})
			var p struct {
				Detail string `json:"detail"`
				Field  string `json:"field"`
			}
			_ = json.Unmarshal(r.body, &p)
			if r.status != http.StatusBadRequest || !strings.HasPrefix(p.Detail, tt.detail) {
				t.Errorf("%d %s, want 400 with detail %q", r.status, r.body, tt.detail)
			}
			if p.Field != "" && p.Field != tt.field {
				t.Errorf("field %q, want %q", p.Field, tt.field)
			}
			for _, leak := range []string{"json:", "Go ", "[]", "map[", "struct", "Input", "Request"} {
				if strings.Contains(p.Detail, leak) {
					t.Errorf("detail %q shows Go internals (%q)", p.Detail, leak)
				}
			}
		})
	}
}
