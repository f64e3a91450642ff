package session

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// idPattern is the session id rule of DESIGN §1.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidateID returns an apperr InvalidID error unless id is a valid session id.
// It is the only gate between a client's string and a path on disk.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return &apperr.Error{Code: apperr.InvalidID, Field: "id",
			Detail: fmt.Sprintf("id: %q must match %s", truncate(id, 80), idPattern)}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Config is what a session's client set: every field is an override, and a
// nil field follows the server's default. Only overrides are stored; the
// config a launch uses is resolved at that launch (see Resolve), so a default
// changed at a server restart reaches every session that did not override it.
type Config struct {
	Headful        *bool     `json:"headful,omitempty" extensions:"x-nullable"`          // show a browser window
	AuthTimeout    *Duration `json:"auth_timeout,omitempty" extensions:"x-nullable"`     // bound of RESUMING; must be > 0
	QRTimeout      *Duration `json:"qr_timeout,omitempty" extensions:"x-nullable"`       // bound of SCAN_QR_CODE; 0 = never
	QRMax          *int      `json:"qr_max,omitempty" extensions:"x-nullable"`           // QR codes shown before giving up; 0 = no limit
	RelinkOnLogout *bool     `json:"relink_on_logout,omitempty" extensions:"x-nullable"` // after a phone logout: show a QR (true) or stop
	// MaxMemory is the PSS above which the browser is recycled; 0 = no limit
	// for this session, even when the server sets one.
	MaxMemory *ByteSize `json:"max_memory,omitempty" extensions:"x-nullable"`
	// MultiDevice false marks a legacy session: its data file carries the
	// four localStorage tokens instead of a profile snapshot.
	MultiDevice *bool `json:"multi_device,omitempty" extensions:"x-nullable"`
	// TakeoverOnConflict: when another browser is live on this legacy
	// account, take over (true) or stay FAILED with reason conflict.
	TakeoverOnConflict *bool `json:"takeover_on_conflict,omitempty" extensions:"x-nullable"`
	// RejectCalls rejects every incoming call as it rings (calls.go);
	// RejectCallsMessage, when not empty, is then sent to the caller. Both
	// apply to the next call, without a relaunch.
	RejectCalls        *bool   `json:"reject_calls,omitempty" extensions:"x-nullable"`
	RejectCallsMessage *string `json:"reject_calls_message,omitempty" extensions:"x-nullable" example:"Sorry, I cannot take calls here; please write."`
}

// EffectiveConfig is the config a launch uses: each field is the session's
// override when set, else the server's default.
type EffectiveConfig struct {
	Headful            bool     `json:"headful"`
	AuthTimeout        Duration `json:"auth_timeout"`
	QRTimeout          Duration `json:"qr_timeout"`
	QRMax              int      `json:"qr_max"`
	RelinkOnLogout     bool     `json:"relink_on_logout"`
	MaxMemory          ByteSize `json:"max_memory"`
	MultiDevice        bool     `json:"multi_device"`
	TakeoverOnConflict bool     `json:"takeover_on_conflict"`
	RejectCalls        bool     `json:"reject_calls"`
	RejectCallsMessage string   `json:"reject_calls_message"`
}

// BuiltinDefaults is the config of a session when neither it nor the server
// says otherwise; the serve flags take their defaults from it.
var BuiltinDefaults = EffectiveConfig{
	AuthTimeout:    Duration(60 * time.Second),
	QRTimeout:      Duration(120 * time.Second),
	QRMax:          6,
	RelinkOnLogout: true,
	MultiDevice:    true,
}

// legacy reports whether the session is a legacy (non multi-device) one.
func (c Config) legacy() bool { return c.MultiDevice != nil && !*c.MultiDevice }

// legacy reports whether the session is a legacy (non multi-device) one.
func (c EffectiveConfig) legacy() bool { return !c.MultiDevice }

// Resolve returns the effective config: c's overrides over d.
func (c Config) Resolve(d EffectiveConfig) EffectiveConfig {
	pick(&d.Headful, c.Headful)
	pick(&d.AuthTimeout, c.AuthTimeout)
	pick(&d.QRTimeout, c.QRTimeout)
	pick(&d.QRMax, c.QRMax)
	pick(&d.RelinkOnLogout, c.RelinkOnLogout)
	pick(&d.MaxMemory, c.MaxMemory)
	pick(&d.MultiDevice, c.MultiDevice)
	pick(&d.TakeoverOnConflict, c.TakeoverOnConflict)
	pick(&d.RejectCalls, c.RejectCalls)
	pick(&d.RejectCallsMessage, c.RejectCallsMessage)
	return d
}

func pick[T any](dst *T, override *T) {
	if override != nil {
		*dst = *override
	}
}

// Merge returns c with patch's set fields copied in and the fields named in
// clear (JSON names, from a null in a PATCH) removed, so they follow the
// server's default again. It never copies a default in.
func (c Config) Merge(patch Config, clear map[string]bool) Config {
	cv, pv := reflect.ValueOf(&c).Elem(), reflect.ValueOf(patch)
	for i := range cv.NumField() {
		if !pv.Field(i).IsNil() {
			cv.Field(i).Set(pv.Field(i))
		}
		if clear[configFieldName(i)] {
			cv.Field(i).SetZero()
		}
	}
	return c
}

// configFieldName is the JSON name of Config's i-th field.
func configFieldName(i int) string {
	tag := reflect.TypeFor[Config]().Field(i).Tag.Get("json")
	for j := range tag {
		if tag[j] == ',' {
			return tag[:j]
		}
	}
	return tag
}

// Validate checks the overrides and names the first bad field by its JSON
// name (callers prefix the path of the body it came in).
func (c Config) Validate() error {
	switch {
	case c.AuthTimeout != nil && *c.AuthTimeout <= 0:
		return apperr.Field("auth_timeout", "must be more than 0 (a re-auth bound of zero would purge stored auth at once); omit it or send null for the server's default")
	case c.QRTimeout != nil && *c.QRTimeout < 0:
		return apperr.Field("qr_timeout", "must not be negative (0 = never)")
	case c.QRMax != nil && *c.QRMax < 0:
		return apperr.Field("qr_max", "must not be negative (0 = no limit)")
	case c.MaxMemory != nil && *c.MaxMemory < 0:
		return apperr.Field("max_memory", "must not be negative (0 = no limit)")
	case c.RejectCallsMessage != nil:
		return validateRejectMessage("reject_calls_message", *c.RejectCallsMessage)
	}
	return nil
}

// v1Defaults are the built-in defaults of the versions that stored a
// complete config in every record (config_version absent).
var v1Defaults = Config{
	Headful: new(false), AuthTimeout: new(Duration(60 * time.Second)), QRTimeout: new(Duration(120 * time.Second)),
	QRMax: new(6), RelinkOnLogout: new(true), MaxMemory: new(ByteSize(0)), MultiDevice: new(true),
	TakeoverOnConflict: new(false),
}

// OverridesFromV1 reads a config stored by a version that saved every field
// (defaults baked in): a field is an override only where it differs from
// that version's built-in default. Values those versions accepted but that
// mean nothing now (an auth_timeout of 0 or less) are dropped, so the
// session follows today's default instead of purging its auth.
func OverridesFromV1(c Config) Config {
	cv, dv := reflect.ValueOf(&c).Elem(), reflect.ValueOf(v1Defaults)
	for i := range cv.NumField() {
		f := cv.Field(i)
		if !f.IsNil() && f.Elem().Equal(dv.Field(i).Elem()) {
			f.SetZero()
		}
	}
	if c.Validate() != nil {
		if c.AuthTimeout != nil && *c.AuthTimeout <= 0 {
			c.AuthTimeout = nil
		}
		if c.QRTimeout != nil && *c.QRTimeout < 0 {
			c.QRTimeout = nil
		}
		if c.QRMax != nil && *c.QRMax < 0 {
			c.QRMax = nil
		}
	}
	return c
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("90s", "2m") and also accepts a number of seconds.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// maxDurationSeconds is the largest number of seconds a Duration holds.
const maxDurationSeconds = float64(math.MaxInt64) / float64(time.Second)

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			// An UnmarshalTypeError lets encoding/json name the field.
			return &json.UnmarshalTypeError{Value: fmt.Sprintf("string %q", truncate(s, 40)), Type: reflect.TypeFor[Duration]()}
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return &json.UnmarshalTypeError{Value: truncate(string(b), 40), Type: reflect.TypeFor[Duration]()}
	}
	if math.Abs(secs) >= maxDurationSeconds {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeFor[Duration]()}
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// JSONKind says what a Duration field accepts (jsonbody.Kind).
func (Duration) JSONKind() string { return `a duration such as "90s" or a number of seconds` }

// JSONMax is the largest Duration in a client's units (jsonbody.Max).
func (Duration) JSONMax() string {
	return strconv.FormatInt(math.MaxInt64/int64(time.Second), 10) + " seconds"
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
