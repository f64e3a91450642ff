package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// BenchmarkScale measures memory per session at 1, 10 and 20 linked
// sessions with and without --block-assets, the server process's own RSS at
// 20 sessions, and the boot time of 20 stored sessions back to WORKING.
// Run with `make bench`.
func BenchmarkScale(b *testing.B) {
	for range b.N {
		benchScale(b)
	}
}

func benchScale(b *testing.B) {
	sm := fastSim(b)
	type row struct{ name, plain, blocked string }
	var rows []row
	perSession := map[bool]map[int]int64{}
	var dir string
	var rss20 int64
	for _, block := range []bool{false, true} {
		perSession[block] = map[int]int64{}
		dir = testDir(b)
		srv := startServer(b, dir, sm, serverOpts{browser: func(c *browserConfig) { c.BlockAssets = block }})
		n := 0
		for _, target := range []int{1, 10, 20} {
			for ; n < target; n++ {
				id := fmt.Sprintf("s%02d", n)
				srv.create(id, nil)
				srv.link(sm, id, fmt.Sprintf("1555%07d", n+boolInt(block)*1000))
			}
			var total int64
			for i := range n {
				total += srv.launcher.page(fmt.Sprintf("s%02d", i)).MemoryPSS()
			}
			perSession[block][target] = total / int64(n)
		}
		if !block {
			rss20 = selfRSS()
		}
		srv.stop()
		if block {
			break
		}
		// Boot: the 20 stored sessions come back to WORKING by themselves.
		start := time.Now()
		srv2 := startServer(b, dir, sm, serverOpts{})
		for i := range 20 {
			srv2.wait(fmt.Sprintf("s%02d", i), session.StatusWorking)
		}
		rows = append(rows, row{"boot: 20 stored sessions → all WORKING (2 launches at a time)", ms(time.Since(start)), "–"})
		srv2.stop()
	}
	for _, n := range []int{1, 10, 20} {
		rows = append([]row{{fmt.Sprintf("PSS per session, %d sessions", n), mb(perSession[false][n]), mb(perSession[true][n])}}, rows...)
	}
	rows = append(rows, row{"test process RSS (server + simulator + harness) at 20 sessions", mb(rss20), "–"})
	b.ReportMetric(float64(perSession[false][20])/(1<<20), "MB-pss/session@20")
	b.ReportMetric(float64(perSession[true][20])/(1<<20), "MB-pss/session@20-blocked")
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| measure | default | --block-assets |\n| --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %s | %s |\n", r.name, r.plain, r.blocked)
	}
	fmt.Fprint(os.Stdout, sb.String())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// selfRSS reads this process's resident set size.
func selfRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
