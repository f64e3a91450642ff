package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAPIDocsFiles serves Swagger UI from the binary alone: our page and
// initializer, and Swagger UI's files, compressed or not, all under the
// page's Content-Security-Policy.
func TestAPIDocsFiles(t *testing.T) {
	ts := newFakeAPI(t, &fakeSessions{}, nil)
	tests := []struct {
		path, ctype, contains string
		gzip                  bool
	}{
		{"/api-docs/", "text/html; charset=utf-8", `<script src="swagger-ui-bundle.js"></script>`, false},
		{"/api-docs/init.js", "text/javascript; charset=utf-8", `url: new URL("../openapi.json"`, false},
		{"/api-docs/swagger-ui-bundle.js", "application/javascript", "SwaggerUIBundle", false},
		{"/api-docs/swagger-ui-bundle.js", "application/javascript", "SwaggerUIBundle", true},
		{"/api-docs/swagger-ui.css", "text/css; charset=utf-8", ".swagger-ui", true},
		{"/api-docs/favicon-32x32.png", "image/png", "PNG", false},
	}
	for _, tt := range tests {
		name := tt.path
		if tt.gzip {
			name += " gzip"
		}
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+tt.path, nil)
			if tt.gzip {
				req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the body compressed
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body io.Reader = resp.Body
			if enc := resp.Header.Get("Content-Encoding"); enc != map[bool]string{true: "gzip"}[tt.gzip] {
				t.Fatalf("Content-Encoding %q, gzip asked: %v", enc, tt.gzip)
			} else if enc == "gzip" {
				if body, err = gzip.NewReader(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			b, err := io.ReadAll(body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype || !bytes.Contains(b, []byte(tt.contains)) {
				t.Errorf("%d %q, %d bytes; want 200 %q holding %q", resp.StatusCode, resp.Header.Get("Content-Type"), len(b), tt.ctype, tt.contains)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	for _, path := range []string{"/api-docs/nope.js", "/api-docs/embed.go", "/api-docs/..%2f..%2fgo.mod"} {
		code, h, b := call(t, ts, "GET", path, "", nil)
		if p := decodeProblem(t, b); code != 404 || p.Code != "not_found" || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", path, code, b)
		}
	}
}
