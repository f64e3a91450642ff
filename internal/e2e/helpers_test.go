package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Scaffolding the browser tests share: the simulators and servers they
// start, simulator calls that must succeed, and tables of refused requests.

// fastServer starts fastSim and a server with default options on a fresh
// data folder.
func fastServer(t testing.TB) (*sim, *server) {
	t.Helper()
	sm := fastSim(t)
	return sm, startServer(t, testDir(t), sm, serverOpts{})
}

// linkedServer is fastServer with session id created and linked to phone.
func linkedServer(t testing.TB, id, phone string) (*sim, *server) {
	t.Helper()
	sm, srv := fastServer(t)
	srv.create(id, nil)
	srv.link(sm, id, phone)
	return sm, srv
}

// problemCase is a request the API must refuse with status and a problem
// of code naming field ("" for none).
type problemCase struct {
	name, method, path string
	body               any
	status             int
	code, field        string
}

// wantProblems sends every case and checks each refusal.
func (s *server) wantProblems(t testing.TB, cases []problemCase) {
	t.Helper()
	for _, tc := range cases {
		code, b := s.call(tc.method, tc.path, tc.body)
		wantProblem(t, tc.name, code, b, tc.status, tc.code, tc.field)
	}
}

// headlessBrowser starts one headless Chromium for a UI test, with a
// desktop-sized window, its profile in the test's folder profile and the
// extra options, and closes it when the test ends.
func headlessBrowser(t *testing.T, profile string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumBinary(t)),
		chromedp.UserDataDir(filepath.Join(testDir(t), profile)), chromedp.WindowSize(1280, 900))
	opts = append(opts, extra...)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return ctx
}

// wantProblem checks an error answer's status, code and field.
func wantProblem(t testing.TB, what string, code int, body []byte, status int, errCode, field string) {
	t.Helper()
	var p struct{ Code, Field, Detail string }
	_ = json.Unmarshal(body, &p)
	if code != status || p.Code != errCode || p.Field != field {
		t.Errorf("%s: %d %s; want %d %s naming %q", what, code, body, status, errCode, field)
	}
}
