package jsonbody

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

type seconds int64

func (*seconds) UnmarshalJSON(b []byte) error {
	return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeFor[seconds]()}
}
func (seconds) JSONKind() string { return "a number of seconds" }
func (seconds) JSONMax() string  { return "100 seconds" }

type input struct {
	Types  []string          `json:"types"`
	N      int               `json:"n"`
	Small  uint8             `json:"small"`
	Nested struct{ On bool } `json:"nested"`
	Wait   seconds           `json:"wait"`
}

func TestErrorSpeaksJSON(t *testing.T) {
	for _, tc := range []struct{ body, field, detail string }{
		{`{"types":"x"}`, "types", "types: must be an array of strings, not string"},
		{`{"n":1e30}`, "n", "n: 1e30: too large; at most 9223372036854775807"},
		{`{"n":-1e30}`, "n", "n: -1e30: too small; at least -9223372036854775808"},
		{`{"n":1.5}`, "n", "n: must be a whole number, not 1.5"},
		{`{"small":300}`, "small", "small: 300: too large; at most 255"},
		{`{"nested":{"On":"yes"}}`, "nested.On", "nested.On: must be true or false, not string"},
		{`{"nested":5}`, "nested", "nested: must be an object, not number"},
		{`{"wait":1e30}`, "wait", "wait: 1e30: too large; at most 100 seconds"},
		{`[1]`, "body", "body: must be an object, not array"},
		{`{"n":`, "body", "body: truncated JSON"},
		{`{"colour":1}`, "colour", "colour: unknown field"},
	} {
		var in input
		dec := json.NewDecoder(strings.NewReader(tc.body))
		dec.DisallowUnknownFields()
		err := Error(dec.Decode(&in))
		ae, ok := errors.AsType[*apperr.Error](err)
		if !ok || ae.Field != tc.field || ae.Detail != tc.detail {
			t.Errorf("%s: %v, want field %q detail %q", tc.body, err, tc.field, tc.detail)
		}
	}
}
