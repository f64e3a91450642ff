package browser

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/easy-api/easy-api/internal/session"
)

// browserNames are the binaries looked up on PATH, best first: the headless
// shell needs about half the memory of full Chromium.
var browserNames = []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// headfulNames are the binaries that can open a window.
var headfulNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// libDirs hold the real binaries behind distribution wrapper scripts
// (Debian's /usr/bin/chromium-headless-shell does not exec, so killing it
// would orphan Chromium).
var libDirs = []string{"/usr/lib/chromium", "/usr/lib/chromium-browser"}

// findBrowser returns the browser binary to run. An explicit path wins;
// otherwise the first of browserNames (headfulNames when headful) found on
// PATH or in libDirs. The error wraps session.ErrNoBrowser and says how to
// install one.
func findBrowser(explicit string, headful bool) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("%w: --browser-path %q: %w", session.ErrNoBrowser, explicit, err)
		}
		return realBinary(p), nil
	}
	names := browserNames
	if headful {
		names = headfulNames
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return realBinary(p), nil
		}
		for _, dir := range libDirs {
			if p := filepath.Join(dir, name); isELF(p) {
				return p, nil
			}
		}
	}
	hint := "apt-get install -y chromium-headless-shell"
	if headful {
		hint = "apt-get install -y chromium"
	}
	return "", fmt.Errorf("%w: none of %v found on PATH; install one (%s) or pass --browser-path", session.ErrNoBrowser, names, hint)
}

// realBinary replaces a wrapper shell script by the ELF binary it runs, when
// that binary is where distributions put it, so that the process we start
// and kill is Chromium itself.
func realBinary(p string) string {
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil || isELF(resolved) {
		return p
	}
	base := filepath.Base(resolved)
	candidates := []string{filepath.Join(filepath.Dir(resolved), "chrome")}
	for _, dir := range libDirs {
		candidates = append(candidates, filepath.Join(dir, base))
	}
	for _, c := range candidates {
		if isELF(c) {
			return c
		}
	}
	return p
}

// isELF reports whether p is an executable ELF file.
func isELF(p string) bool {
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := f.Read(magic); err != nil {
		return false
	}
	return bytes.Equal(magic, []byte("\x7fELF"))
}
