package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/session"
)

// TestConfigErrorsNameTheBodyPath: a bad config field is a 400 whose field
// is the path of the body the client sent (config.x on create, x on PATCH)
// and whose detail speaks JSON, not Go.
func TestConfigErrorsNameTheBodyPath(t *testing.T) {
	f := newFull(t, nil)
	f.must(201, req{method: "POST", path: "/v1/sessions", body: `{"id":"p","start":false}`, key: adminKey})
	for _, tc := range []struct {
		method, path, body string
		field, detail      string
	}{
		{"POST", "/v1/sessions", `{"id":"a","config":{"qr_timeout":-5}}`, "config.qr_timeout", "must not be negative"},
		{"POST", "/v1/sessions", `{"id":"a","config":{"auth_timeout":0}}`, "config.auth_timeout", "must be more than 0"},
		{"POST", "/v1/sessions", `{"id":"a","config":{"qr_max":1e30}}`, "config.qr_max", "1e30: too large; at most 9223372036854775807"},
		{"POST", "/v1/sessions", `{"id":"a","config":{"qr_max":1.5}}`, "config.qr_max", "must be a whole number, not 1.5"},
		{"POST", "/v1/sessions", `{"id":"a","config":{"qr_timeout":1e30}}`, "config.qr_timeout", "1e30: too large; at most"},
		{"POST", "/v1/sessions", `{"id":"a","config":{"qr_timeout":"soon"}}`, "config.qr_timeout", `must be a duration such as "90s"`},
		{"POST", "/v1/sessions", `{"id":"a","config":5}`, "config", "must be an object, not number"},
		{"POST", "/v1/sessions", `{"id":5}`, "id", "must be a string, not number"},
		{"PATCH", "/v1/sessions/p", `{"qr_timeout":-5}`, "qr_timeout", "must not be negative"},
		{"PATCH", "/v1/sessions/p", `{"max_memory":"lots"}`, "max_memory", `must be a size such as "300MB"`},
		{"PATCH", "/v1/sessions/p", `{"headful":"yes"}`, "headful", "must be true or false, not string"},
		{"PATCH", "/v1/sessions/p", `{"colour":null}`, "colour", "unknown field"},
		{"PATCH", "/v1/sessions/p", `[1]`, "body", "must be an object, not array"},
	} {
		res := f.do(req{method: tc.method, path: tc.path, body: tc.body, key: adminKey})
		p := res.problem(t)
		if res.status != 400 || p.Field != tc.field || !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("%s %s: %d field %q detail %q; want field %q with %q", tc.method, tc.body, res.status, p.Field, p.Detail, tc.field, tc.detail)
		}
		for _, goName := range []string{"session.", "[]", "int", "Config", "map["} {
			if strings.Contains(p.Detail, goName) {
				t.Errorf("%s: Go type name %q in %q", tc.body, goName, p.Detail)
			}
		}
	}
}

// TestPatchMergesOverrides: PATCH changes only the fields it sends, null
// removes an override (back to the server's default), and no default is
// ever copied into the overrides.
func TestPatchMergesOverrides(t *testing.T) {
	f := newFull(t, nil)
	view := func(b []byte) session.View {
		var v session.View
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := view(f.must(201, req{method: "POST", path: "/v1/sessions", key: adminKey,
		body: `{"id":"m","start":false,"config":{"max_memory":0,"qr_timeout":"10m"}}`}))
	if v.EffectiveConfig.QRMax != session.BuiltinDefaults.QRMax || v.Config.QRMax != nil {
		t.Fatalf("created: %+v / %+v", v.Config, v.EffectiveConfig)
	}
	v = view(f.must(200, req{method: "PATCH", path: "/v1/sessions/m", key: adminKey, body: `{"qr_max":2}`}))
	want := session.Config{MaxMemory: new(session.ByteSize(0)), QRTimeout: new(session.Duration(10 * 60e9)), QRMax: new(2)}
	if diff := cmp.Diff(want, v.Config); diff != "" {
		t.Fatalf("after PATCH qr_max (-want +got):\n%s", diff)
	}
	v = view(f.must(200, req{method: "PATCH", path: "/v1/sessions/m", key: adminKey, body: `{"qr_timeout":null}`}))
	want.QRTimeout = nil
	if diff := cmp.Diff(want, v.Config); diff != "" || v.EffectiveConfig.QRTimeout != session.BuiltinDefaults.QRTimeout {
		t.Fatalf("after null (-want +got):\n%s effective qr_timeout %s", diff, v.EffectiveConfig.QRTimeout.D())
	}
	// What GET shows is what was stored.
	if diff := cmp.Diff(want, view(f.must(200, req{method: "GET", path: "/v1/sessions/m", key: adminKey})).Config); diff != "" {
		t.Fatalf("GET (-want +got):\n%s", diff)
	}
}

// TestOneOverrideLeavesTheServerDefault: a create with relink_on_logout
// false keeps it to that session; the next session's effective default is
// still true and its config holds nothing it did not send.
func TestOneOverrideLeavesTheServerDefault(t *testing.T) {
	f := newFull(t, nil)
	f.must(201, req{method: "POST", path: "/v1/sessions", key: adminKey, body: `{"id":"a","start":false,"config":{"relink_on_logout":false}}`})
	var b struct {
		Config          map[string]any
		EffectiveConfig session.EffectiveConfig `json:"effective_config"`
	}
	if err := json.Unmarshal(f.must(201, req{method: "POST", path: "/v1/sessions", key: adminKey, body: `{"id":"b","start":false}`}), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Config) != 0 || !b.EffectiveConfig.RelinkOnLogout {
		t.Fatalf("b: config %v effective %+v", b.Config, b.EffectiveConfig)
	}
}
