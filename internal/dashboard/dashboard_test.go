package dashboard

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestDashboardServesFiles(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, path, ctype, contains string
	}{
		{"index at the folder", "/dashboard/", "text/html; charset=utf-8", `<script type="module" src="js/main.js"></script>`},
		{"index by name", "/dashboard/index.html", "text/html; charset=utf-8", "<title>easy-api dashboard</title>"},
		{"module", "/dashboard/js/main.js", "text/javascript; charset=utf-8", "import"},
		{"stylesheet", "/dashboard/dashboard.css", "text/css; charset=utf-8", ":root"},
		{"icon", "/dashboard/favicon.svg", "image/svg+xml", "<svg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "GET", tc.path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			want := map[string]string{
				"Content-Type":            tc.ctype,
				"Content-Security-Policy": CSP,
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           "no-cache",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
			}
			for k, v := range want {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			etag := rec.Header().Get("ETag")
			if !strings.HasPrefix(etag, `"`) {
				t.Fatalf("ETag = %q, want a strong one", etag)
			}
			if again := get(t, h, "GET", tc.path, map[string]string{"If-None-Match": etag}); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("revalidation: %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
			}
		})
	}
}

func TestDashboardEdges(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, method, path string
		status             int
		location, ctype    string
	}{
		{"folder without slash redirects", "GET", "/dashboard", http.StatusMovedPermanently, "/dashboard/", ""},
		{"unknown file", "GET", "/dashboard/nope.js", http.StatusNotFound, "", "application/problem+json"},
		{"dot segments are not resolved", "GET", "/dashboard/js/../index.html", http.StatusNotFound, "", "application/problem+json"},
		{"the embed folder name is not a path", "GET", "/dashboard/static/index.html", http.StatusNotFound, "", "application/problem+json"},
		{"outside the prefix", "GET", "/other", http.StatusNotFound, "", "application/problem+json"},
		{"POST", "POST", "/dashboard/", http.StatusMethodNotAllowed, "", "application/problem+json"},
		{"HEAD", "HEAD", "/dashboard/", http.StatusOK, "", "text/html; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.method, tc.path, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("Location"); got != tc.location {
				t.Errorf("Location = %q, want %q", got, tc.location)
			}
			if tc.ctype != "" && rec.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type = %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if tc.ctype == "application/problem+json" {
				var p apperr.Problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tc.status || p.Code == "" || p.Type != apperr.ProblemTypeBase+p.Code {
					t.Errorf("problem body %s (%v): want the API's problem with status %d", rec.Body, err, tc.status)
				}
			}
			if rec.Header().Get("Content-Security-Policy") != CSP {
				t.Error("no CSP on this answer")
			}
		})
	}
}

// files returns every embedded file by its path under static/.
func files(t *testing.T) map[string]string {
	t.Helper()
	root, err := fs.Sub(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDashboardNoInlineCodeNoExternalRequests backs the CSP with a check at build
// time: the policy would block inline code and other origins in the
// browser, and this names the offending file before anyone opens the page.
func TestDashboardNoInlineCodeNoExternalRequests(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9-]+(\.[a-z0-9-]+)+[/"')\s]`)
	inlineScript := regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`)
	handlerAttr := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr := regexp.MustCompile(`(?i)\sstyle\s*=|<style\b`)
	placeholder := regexp.MustCompile(`\splaceholder="[^"]*"`)
	for name, body := range files(t) {
		// The SVG namespace is an identifier and placeholders are text:
		// neither is fetched.
		body = strings.ReplaceAll(body, `xmlns="http://www.w3.org/2000/svg"`, "")
		body = placeholder.ReplaceAllString(body, "")
		if m := external.FindString(body); m != "" {
			t.Errorf("%s refers to another origin: %q", name, m)
		}
		if path.Ext(name) != ".html" && path.Ext(name) != ".svg" {
			continue
		}
		for _, re := range []*regexp.Regexp{inlineScript, handlerAttr, styleAttr} {
			if m := re.FindString(body); m != "" {
				t.Errorf("%s has inline code the CSP blocks: %q", name, m)
			}
		}
	}
}

// TestDashboardReferencesResolve checks that every module import and every src/href
// of the page names an embedded file, so a renamed file fails here and not
// in a user's console.
func TestDashboardReferencesResolve(t *testing.T) {
	all := files(t)
	imports := regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'`)
	refs := regexp.MustCompile(`\b(?:src|href)="([^"#][^"]*)"`)
	for name, body := range all {
		var found [][]string
		switch path.Ext(name) {
		case ".js":
			found = imports.FindAllStringSubmatch(body, -1)
		case ".html":
			found = refs.FindAllStringSubmatch(body, -1)
		}
		for _, m := range found {
			target := path.Join(path.Dir(name), m[1])
			if _, ok := all[target]; !ok {
				t.Errorf("%s refers to %q, which is not embedded", name, m[1])
			}
		}
	}
	if len(all) < 5 {
		t.Fatalf("only %d files embedded", len(all))
	}
}
