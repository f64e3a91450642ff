package browser

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

// TestMeasurePSS reports the memory of idle pages. It is a measurement,
// not a check: set BROWSER_PSS_PAGES=10 to run it (and BROWSER_PSS_FLAGS
// to try extra flags, "name=value,flag2").
func TestMeasurePSS(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("BROWSER_PSS_PAGES"))
	if n <= 0 {
		t.Skip("set BROWSER_PSS_PAGES to measure")
	}
	srv := newFakeServer(t)
	cfg := testConfig(t)
	if f := os.Getenv("BROWSER_PSS_FLAGS"); f != "" {
		cfg.ExtraFlags = map[string]any{}
		for _, kv := range strings.Split(f, ";") {
			k, v, ok := strings.Cut(kv, "=")
			if ok {
				cfg.ExtraFlags[k] = v
			} else if strings.HasPrefix(k, "!") {
				cfg.ExtraFlags[k[1:]] = false
			} else {
				cfg.ExtraFlags[k] = true
			}
		}
	}
	pages := make([]*Page, n)
	for i := range pages {
		pages[i], _ = launch(t, cfg, srv.URL)
		waitEvent(t, pages[i], session.BridgeBoot)
	}
	var total int64
	procs := 0
	for _, p := range pages {
		total += p.MemoryPSS()
		procs += len(p.ProcessTree())
	}
	for _, pid := range pages[0].ProcessTree() {
		cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		kind := "browser"
		for arg := range strings.FieldsSeq(strings.ReplaceAll(string(cmd), "\x00", " ")) {
			if v, ok := strings.CutPrefix(arg, "--type="); ok {
				kind = v
			}
			if v, ok := strings.CutPrefix(arg, "--utility-sub-type="); ok {
				kind += " " + v
			}
		}
		t.Logf("page 0: pid %d %s: PSS %d MB", pid, kind, pss([]int{pid})>>20)
	}
	t.Logf("%d idle pages: %d processes, PSS total %d MB, %d MB per page", n, procs, total>>20, total/int64(n)>>20)
}
