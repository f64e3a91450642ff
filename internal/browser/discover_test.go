package browser

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/browser/bridge"
)

func TestFindBrowser(t *testing.T) {
	if !isELF("/usr/lib/chromium/chromium-headless-shell") || !isELF("/usr/lib/chromium/chromium") {
		if testing.Short() {
			t.Skip("needs Debian's chromium and chromium-headless-shell")
		}
		t.Fatal("Debian's chromium and chromium-headless-shell are missing: run scripts/setup.sh browser")
	}
	tests := []struct {
		name     string
		explicit string
		headful  bool
		want     string
	}{
		{"headless prefers the shell", "", false, "/usr/lib/chromium/chromium-headless-shell"},
		{"headful prefers full chromium", "", true, "/usr/lib/chromium/chromium"},
		{"wrapper script resolved", "/usr/bin/chromium-headless-shell", false, "/usr/lib/chromium/chromium-headless-shell"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBrowser(tt.explicit, tt.headful)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("findBrowser(%q, %v) = %q, want %q", tt.explicit, tt.headful, got, tt.want)
			}
		})
	}
}

func TestMergeFlags(t *testing.T) {
	base := []flag{{"headless", true}, {"disable-gpu", true}, {"window-size", "1,1"}}
	got := mergeFlags(base, map[string]any{"disable-gpu": false, "window-size": "2,2", "b-new": "x", "a-new": true})
	want := []flag{{"headless", true}, {"window-size", "2,2"}, {"a-new", true}, {"b-new", "x"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(flag{})); diff != "" {
		t.Errorf("mergeFlags (-want +got):\n%s", diff)
	}
}

func TestTopFrameOnlyKeepsTrailingComment(t *testing.T) {
	got := topFrameOnly("x = 1 // comment")
	if !strings.HasSuffix(got, "\n})();\n") {
		t.Errorf("topFrameOnly = %q", got)
	}
}

func TestLauncherCompilesBridge(t *testing.T) {
	l := New(Config{})
	if _, err := l.CompileBridge(); err != nil {
		t.Fatal(err)
	}
	js, err := l.bridge.Script(bridge.Entry)
	if err != nil || !strings.Contains(js, "window.__easy") {
		t.Fatalf("bridge script = %.200q, %v", js, err)
	}
}
