package session

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
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

// Config is a session's settings. Zero values are filled from the server's
// defaults when the session is created, so a stored Config is always complete.
type Config struct {
	Headful        bool     `json:"headful"`
	AuthTimeout    Duration `json:"auth_timeout"`     // bound of RESUMING
	QRTimeout      Duration `json:"qr_timeout"`       // bound of SCAN_QR_CODE; 0 = never
	QRMax          int      `json:"qr_max"`           // QR codes shown before giving up; 0 = no limit
	RelinkOnLogout *bool    `json:"relink_on_logout"` // after a phone logout: show a QR (true) or stop
	MaxMemory      ByteSize `json:"max_memory"`       // PSS above which the browser is recycled; 0 = server default
	// MultiDevice false marks a legacy session: its data file carries the
	// four localStorage tokens instead of a profile snapshot.
	MultiDevice *bool `json:"multi_device"`
	// TakeoverOnConflict: when another browser is live on this legacy
	// account, take over (true) or stay FAILED with reason conflict.
	TakeoverOnConflict bool `json:"takeover_on_conflict"`
}

// legacy reports whether the session is a legacy (non multi-device) one.
func (c Config) legacy() bool { return c.MultiDevice != nil && !*c.MultiDevice }

// Validate checks a Config's values and names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.AuthTimeout < 0:
		return apperr.Field("config.auth_timeout", "must not be negative")
	case c.QRTimeout < 0:
		return apperr.Field("config.qr_timeout", "must not be negative")
	case c.QRMax < 0:
		return apperr.Field("config.qr_max", "must not be negative")
	}
	return nil
}

// withDefaults fills the unset fields of c from d.
func (c Config) withDefaults(d Config) Config {
	if c.AuthTimeout == 0 {
		c.AuthTimeout = d.AuthTimeout
	}
	if c.RelinkOnLogout == nil {
		c.RelinkOnLogout = d.RelinkOnLogout
	}
	if c.MaxMemory == 0 {
		c.MaxMemory = d.MaxMemory
	}
	if c.MultiDevice == nil {
		md := true
		c.MultiDevice = &md
	}
	if c.RelinkOnLogout == nil {
		t := true
		c.RelinkOnLogout = &t
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
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Duration]()}
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
