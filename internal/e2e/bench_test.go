package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/easy-api/easy-api/internal/session"
)

// BenchmarkLifecycle measures, in one run, easy-api against a bare chromedp
// launch of the same simulator page (the floor): time to first QR, scan to
// WORKING, re-auth after a restart, recovery from a browser SIGKILL, and PSS
// per session at 1 and at 10 sessions. Run with `make bench`.
func BenchmarkLifecycle(b *testing.B) {
	for range b.N {
		benchLifecycle(b)
	}
}

func benchLifecycle(b *testing.B) {
	sm := fastSim(b)
	rows := [][3]string{}
	add := func(name string, floor, ours string) { rows = append(rows, [3]string{name, floor, ours}) }

	// Floor: bare chromedp, one page, then ten.
	floorQR, floorPSS1 := bareLaunch(b, sm, 1)
	_, floorPSS10 := bareLaunch(b, sm, 10)

	dir := b.TempDir()
	srv := startServer(b, dir, sm, serverOpts{})
	start := time.Now()
	srv.create("bench", nil)
	srv.wait("bench", session.StatusScanQRCode)
	toQR := time.Since(start)
	add("time to first QR", ms(floorQR), ms(toQR))

	_, raw := srv.call("GET", "/v1/sessions/bench/qr?format=raw", nil)
	code := string(raw)
	start = time.Now()
	sm.control(b, "POST", "/__sim/scan", map[string]string{"code": code, "phone": "15559990000"})
	srv.wait("bench", session.StatusWorking)
	add("scan → WORKING", "–", ms(time.Since(start)))
	pss1 := srv.launcher.page("bench").MemoryPSS()

	start = time.Now()
	srv.call("POST", "/v1/sessions/bench/restart", nil)
	srv.wait("bench", session.StatusWorking)
	add("re-auth (restart → WORKING)", "–", ms(time.Since(start)))

	start = time.Now()
	syscall.Kill(srv.launcher.page("bench").PID(), syscall.SIGKILL)
	srv.wait("bench", session.StatusRestarting)
	srv.wait("bench", session.StatusWorking)
	add("SIGKILL → WORKING", "–", ms(time.Since(start)))
	add("PSS per session, 1 session", mb(floorPSS1), mb(pss1))

	for i := range 9 {
		srv.create(fmt.Sprintf("s%d", i), nil)
	}
	var total int64
	for i := range 9 {
		srv.wait(fmt.Sprintf("s%d", i), session.StatusScanQRCode)
	}
	total += srv.launcher.page("bench").MemoryPSS()
	for i := range 9 {
		total += srv.launcher.page(fmt.Sprintf("s%d", i)).MemoryPSS()
	}
	add("PSS per session, 10 sessions", mb(floorPSS10), mb(total/10))

	b.ReportMetric(float64(toQR.Milliseconds()), "ms-to-qr")
	b.ReportMetric(float64(floorQR.Milliseconds()), "floor-ms-to-qr")
	b.ReportMetric(float64(total/10)/(1<<20), "MB-pss/session@10")
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| measure | floor (bare chromedp) | easy-api |\n| --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	fmt.Fprint(os.Stdout, sb.String())
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
func mb(n int64) string         { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

// bareLaunch starts n plain chromedp browsers on the simulator page and
// returns the time the first took to show a QR and the PSS per browser.
func bareLaunch(b *testing.B, sm *sim, n int) (time.Duration, int64) {
	bin, err := exec.LookPath("chromium-headless-shell")
	if err != nil {
		b.Fatal(err)
	}
	var first time.Duration
	var pids []int
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for i := range n {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.UserDataDir(filepath.Join(b.TempDir(), "p")),
			chromedp.Flag("host-resolver-rules", sm.rules), chromedp.Flag("ignore-certificate-errors-spki-list", sm.pin))
		actx, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, c2 := chromedp.NewContext(actx)
		cancels = append(cancels, c2, c1)
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate("https://web.whatsapp.com/")); err != nil {
			b.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.WPP && WPP.conn)`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			b.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.PollFunction[bool](`async () => !!(await WPP.conn.getAuthCode())`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			first = time.Since(start)
		}
		pids = append(pids, chromedp.FromContext(ctx).Browser.Process().Pid)
	}
	var total int64
	for _, pid := range pids {
		total += treePSS(pid)
	}
	return first, total / int64(n)
}

// treePSS sums Pss over pid and its descendants.
func treePSS(root int) int64 {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
		if len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			children[ppid] = append(children[ppid], pid)
		}
	}
	var total int64
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = append(queue[1:], children[pid]...)
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}
