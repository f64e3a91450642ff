package e2e

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/easy-api/easy-api/docs/openapi"
)

// maxValidatedBody bounds how much of a response body is kept for
// validation; larger bodies (exports, media) are checked by status and
// content type only.
const maxValidatedBody = 4 << 20

// specRouter is the router of docs/openapi/openapi.json, loaded once per
// test binary (it is read-only).
var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.V3)
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// validateResponses wraps the server's handler so that every response to a
// request the spec describes is checked against it with kin-openapi's
// openapi3filter: status documented, content type declared, JSON bodies
// (errors included) matching their schema. Stream bodies are not checked,
// their status is. Requests outside the spec (static files, unknown routes
// on purpose) pass through. Mismatches fail t.
func validateResponses(t testing.TB, next http.Handler) http.Handler {
	router, err := specRouter()
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := router.FindRoute(r)
		if err != nil || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 && r.URL.Path == "/v1/ws" {
			rec.status = http.StatusSwitchingProtocols // hijacked by the upgrade
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		ct := rec.Header().Get("Content-Type")
		checkBody := isJSONType(ct) && !rec.truncated
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
			Status:                 rec.status, Header: rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: !checkBody, MultiError: true},
		}
		in.SetBodyBytes(rec.body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("spec: %s %s answered %d %s, which openapi.json does not allow: %v\nbody: %.500s", r.Method, r.URL.Path, rec.status, ct, err, rec.body.Bytes())
			return
		}
		if !checkBody && rec.status != http.StatusSwitchingProtocols && rec.status != http.StatusNoContent {
			resp := route.Operation.Responses.Status(rec.status)
			if resp != nil && resp.Value != nil && len(resp.Value.Content) > 0 && resp.Value.Content.Get(ct) == nil {
				t.Errorf("spec: %s %s answered %d with Content-Type %q, which openapi.json does not declare", r.Method, r.URL.Path, rec.status, ct)
			}
		}
	})
}

func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// recordingWriter keeps the status and (the start of) the body. Flush and
// Hijack reach the real writer through Unwrap (http.ResponseController).
type recordingWriter struct {
	http.ResponseWriter
	status    int
	body      bytes.Buffer
	truncated bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body.Len()+len(b) <= maxValidatedBody {
		w.body.Write(b)
	} else {
		w.truncated = true
	}
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
