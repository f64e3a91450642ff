// Package jsonbody words the errors of decoding a client's JSON body for
// that client: the field path of the body it sent, and what the field wants
// in JSON's terms (a string, a whole number, an object), never a Go type.
package jsonbody

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Kind is implemented by types with their own JSON form, to say what a
// field of theirs accepts (`a duration such as "90s"`).
type Kind interface{ JSONKind() string }

// Max is implemented by types whose UnmarshalJSON reports a number too
// large for them as an UnmarshalTypeError with Value "number <n>": it names
// their bound in the client's units.
type Max interface{ JSONMax() string }

// Error turns an encoding/json decoding error into a 400 (an apperr
// Invalid, or TooLarge for a body over its limit) whose field is the path
// of the body the client sent and whose detail says what that field wants
// in JSON's words, never Go's.
func Error(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return apperr.Field("body", "is empty; send a JSON object")
	case errors.As(err, &tooBig):
		return &apperr.Error{Code: apperr.TooLarge, Detail: fmt.Sprintf("body is larger than %d bytes", tooBig.Limit)}
	case errors.As(err, &syn):
		return apperr.Field("body", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return apperr.Field(field, "%s", typeMismatch(typ))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(name, "unknown field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Field("body", "truncated JSON")
	default:
		return apperr.Field("body", "%v", err)
	}
}

// typeMismatch says what a field wants in the client's words: JSON kinds
// and our formats, never Go type names, and the bound a number crossed.
func typeMismatch(typ *json.UnmarshalTypeError) string {
	t := typ.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if num, ok := strings.CutPrefix(typ.Value, "number "); ok {
		if msg := outOfRange(t, num); msg != "" {
			return msg
		}
	}
	got := typ.Value
	if n, ok := strings.CutPrefix(got, "number "); ok {
		got = n
	}
	return fmt.Sprintf("must be %s, not %s", jsonKind(t), got)
}

// outOfRange explains a number that does not fit a whole-number field.
func outOfRange(t reflect.Type, num string) string {
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return ""
	}
	if m, ok := reflect.Zero(t).Interface().(Max); ok {
		return fmt.Sprintf("%s: too large; at most %s", num, m.JSONMax())
	}
	switch {
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		bits := t.Bits()
		hi, lo := int64(math.MaxInt64>>(64-bits)), int64(math.MinInt64>>(64-bits))
		switch {
		case f > float64(hi):
			return fmt.Sprintf("%s: too large; at most %d", num, hi)
		case f < float64(lo):
			return fmt.Sprintf("%s: too small; at least %d", num, lo)
		case f != math.Trunc(f):
			return fmt.Sprintf("must be a whole number, not %s", num)
		}
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		hi := uint64(math.MaxUint64 >> (64 - t.Bits()))
		switch {
		case f > float64(hi):
			return fmt.Sprintf("%s: too large; at most %d", num, hi)
		case f < 0:
			return fmt.Sprintf("%s: too small; at least 0", num)
		case f != math.Trunc(f):
			return fmt.Sprintf("must be a whole number, not %s", num)
		}
	}
	return ""
}

// jsonKind names what a Go type accepts in JSON.
func jsonKind(t reflect.Type) string {
	if k, ok := reflect.Zero(t).Interface().(Kind); ok {
		return k.JSONKind()
	}
	if t == reflect.TypeFor[json.RawMessage]() {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array of " + plural(jsonKind(t.Elem()))
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}

// plural turns "a string" into "strings" for "an array of strings".
func plural(kind string) string {
	switch {
	case strings.HasPrefix(kind, "an "):
		kind = kind[3:]
	case strings.HasPrefix(kind, "a "):
		kind = kind[2:]
	default:
		return "values (" + kind + ")"
	}
	if i := strings.IndexAny(kind, " ,"); i > 0 {
		return kind[:i] + "s" + kind[i:]
	}
	return kind + "s"
}
