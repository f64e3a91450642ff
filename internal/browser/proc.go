package browser

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// singletonFiles are Chromium's profile locks. A crashed run leaves them
// behind and the next Chromium on the profile would refuse to start; the
// caller's flock on the profile guarantees no live browser owns them.
var singletonFiles = []string{"SingletonLock", "SingletonSocket", "SingletonCookie"}

// prepareProfile creates the profile folder and clears stale locks.
func prepareProfile(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	for _, name := range singletonFiles {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("profile: clear stale lock: %w", err)
		}
	}
	return nil
}

// killGroup sends SIGKILL to the process group pgid (the browser started
// its own group). It is harmless when the group is gone.
func killGroup(pgid int) {
	if pgid > 1 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// killLeftovers kills every process started with --user-data-dir=dir until
// none is seen for a few passes (a child can fork as its parent dies). The
// profile is this session's, so nothing else may run on it.
func killLeftovers(dir string) {
	const (
		quietPasses = 3
		pause       = 10 * time.Millisecond
		limit       = 3 * time.Second
	)
	deadline := time.Now().Add(limit)
	for quiet := 0; quiet < quietPasses && time.Now().Before(deadline); time.Sleep(pause) {
		pids := profileProcesses(dir)
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if len(pids) == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// profileProcesses lists the live processes whose command line has
// --user-data-dir=dir. Zombies are skipped: they hold no memory or files.
func profileProcesses(dir string) []int {
	want := "--user-data-dir=" + dir
	var out []int
	for _, p := range otherProcs() {
		args, err := p.CmdLine()
		if err != nil || !slices.Contains(args, want) {
			continue
		}
		if st, err := p.Stat(); err == nil && st.State != "Z" {
			out = append(out, p.PID)
		}
	}
	return out
}

// processTree returns root and all its live descendants.
func processTree(root int) []int {
	if root <= 0 {
		return nil
	}
	children := map[int][]int{}
	found := false
	for _, p := range otherProcs() {
		st, err := p.Stat()
		if err != nil || st.State == "Z" {
			continue
		}
		found = found || p.PID == root
		children[st.PPID] = append(children[st.PPID], p.PID)
	}
	if !found {
		return nil
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}

// pss sums the proportional set size (bytes) of pids; processes that went
// away meanwhile are skipped.
func pss(pids []int) int64 {
	var total int64
	for _, pid := range pids {
		p, err := procfs.NewProc(pid)
		if err != nil {
			continue
		}
		if r, err := p.ProcSMapsRollup(); err == nil {
			total += int64(r.Pss)
		}
	}
	return total
}

// cpuSeconds sums the user and system CPU time of pids; processes that
// went away meanwhile are skipped.
func cpuSeconds(pids []int) float64 {
	var total float64
	for _, pid := range pids {
		p, err := procfs.NewProc(pid)
		if err != nil {
			continue
		}
		if st, err := p.Stat(); err == nil {
			total += st.CPUTime()
		}
	}
	return total
}

// otherProcs lists every process in /proc but this one.
func otherProcs() procfs.Procs {
	all, err := procfs.AllProcs()
	if err != nil {
		return nil
	}
	self := os.Getpid()
	return slices.DeleteFunc(all, func(p procfs.Proc) bool { return p.PID == self })
}
