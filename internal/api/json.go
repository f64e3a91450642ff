package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a JSON body into dst strictly: a JSON content type, no
// unknown fields, one value, within the body limit. Errors name the field
// and the reason.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return &apperr.Error{Code: apperr.UnsupportedMedia, Detail: fmt.Sprintf("Content-Type %q: send application/json", truncate(ct, 80))}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return apperr.Field("body", "must hold a single JSON value")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Field("body", "unexpected data after the JSON value")
	}
	return nil
}

// jsonError turns a decoding error into a 400 that says where and why.
func jsonError(err error) error {
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
		want := typ.Type.String()
		switch typ.Type.Name() {
		case "Duration":
			want = `a duration such as "90s" or a number of seconds`
		case "ByteSize":
			want = `a size such as "300MB" or a number of bytes`
		}
		return apperr.Field(field, "must be %s, not %s", want, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(name, "is not a known field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Field("body", "truncated JSON")
	default:
		return apperr.Field("body", "%v", err)
	}
}
