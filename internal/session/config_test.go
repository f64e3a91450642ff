package session

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/apperr"
)

func TestResolveTakesOverridesOverDefaults(t *testing.T) {
	server := Config{QRTimeout: new(Duration(5 * time.Minute)), MaxMemory: new(ByteSize(300e6))}.Resolve(BuiltinDefaults)
	for name, tc := range map[string]struct {
		over Config
		want func(*EffectiveConfig)
	}{
		"no overrides follow the server":              {Config{}, func(*EffectiveConfig) {}},
		"qr_timeout 0 means never":                    {Config{QRTimeout: new(Duration(0))}, func(e *EffectiveConfig) { e.QRTimeout = 0 }},
		"max_memory 0 opts out of the server's limit": {Config{MaxMemory: new(ByteSize(0))}, func(e *EffectiveConfig) { e.MaxMemory = 0 }},
		"relink false":                                {Config{RelinkOnLogout: new(false)}, func(e *EffectiveConfig) { e.RelinkOnLogout = false }},
	} {
		t.Run(name, func(t *testing.T) {
			want := server
			tc.want(&want)
			if diff := cmp.Diff(want, tc.over.Resolve(server)); diff != "" {
				t.Errorf("effective (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeNeverCopiesDefaults(t *testing.T) {
	cur := Config{MaxMemory: new(ByteSize(0)), QRTimeout: new(Duration(time.Minute))}
	got := cur.Merge(Config{QRMax: new(3)}, map[string]bool{"qr_timeout": true})
	want := Config{MaxMemory: new(ByteSize(0)), QRMax: new(3)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
}

func TestValidateRefusesZeroAuthTimeout(t *testing.T) {
	for name, c := range map[string]Config{
		"auth_timeout": {AuthTimeout: new(Duration(0))},
		"qr_timeout":   {QRTimeout: new(Duration(-time.Second))},
		"qr_max":       {QRMax: new(-1)},
	} {
		err := c.Validate()
		ae, ok := errors.AsType[*apperr.Error](err)
		if !ok || ae.Field != name {
			t.Errorf("%s: %v, want an error naming %s", name, err, name)
		}
	}
	if err := (Config{QRTimeout: new(Duration(0)), QRMax: new(0), MaxMemory: new(ByteSize(0))}).Validate(); err != nil {
		t.Errorf("zeros with a meaning refused: %v", err)
	}
}

// TestV1RecordReadsAsOverrides: a record stored with the defaults baked in
// keeps only what differs from that version's built-in defaults.
func TestV1RecordReadsAsOverrides(t *testing.T) {
	var c Config
	old := `{"headful":false,"auth_timeout":"0s","qr_timeout":"2m0s","qr_max":3,"relink_on_logout":true,"max_memory":0,"multi_device":false,"takeover_on_conflict":false}`
	if err := json.Unmarshal([]byte(old), &c); err != nil {
		t.Fatal(err)
	}
	want := Config{QRMax: new(3), MultiDevice: new(false)}
	if diff := cmp.Diff(want, OverridesFromV1(c)); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}
}

// TestCreateDoesNotChangeTheServerDefault: one session's override never
// reaches the next session's effective config (issue 11).
func TestCreateDoesNotChangeTheServerDefault(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.m.Create(ctx, "a", Config{RelinkOnLogout: new(false)}, false); err != nil {
		t.Fatal(err)
	}
	b, err := h.m.Create(ctx, "b", Config{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !b.EffectiveConfig.RelinkOnLogout || b.Config.RelinkOnLogout != nil {
		t.Fatalf("b: config %+v effective %+v", b.Config, b.EffectiveConfig)
	}
}
