package browser

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
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
	want := []byte("--user-data-dir=" + dir)
	var out []int
	eachProc(func(pid int) {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil || !bytes.Contains(cmdline, want) {
			return
		}
		for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Equal(arg, want) {
				if st, ok := readStat(pid); ok && st.state != 'Z' {
					out = append(out, pid)
				}
				return
			}
		}
	})
	return out
}

// processTree returns root and all its live descendants.
func processTree(root int) []int {
	if root <= 0 {
		return nil
	}
	children := map[int][]int{}
	eachProc(func(pid int) {
		if st, ok := readStat(pid); ok && st.state != 'Z' {
			children[st.ppid] = append(children[st.ppid], pid)
		}
	})
	if _, err := os.Stat("/proc/" + strconv.Itoa(root)); err != nil {
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
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				total += kb * 1024
				break
			}
		}
		f.Close()
	}
	return total
}

// eachProc calls fn with the pid of every process in /proc.
func eachProc(fn func(pid int)) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		fn(pid)
	}
}

// procStat is the part of /proc/<pid>/stat we use.
type procStat struct {
	state    byte
	ppid     int
	cpuTicks int64 // utime + stime, in clock ticks
}

// readStat parses /proc/<pid>/stat; the command name may hold spaces and
// parentheses, so fields are read after the last ')'.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(fields[1])
	st := procStat{state: fields[0][0], ppid: ppid}
	if len(fields) > 12 { // fields 14 and 15 of stat(5), counted after the name
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		stm, _ := strconv.ParseInt(fields[12], 10, 64)
		st.cpuTicks = ut + stm
	}
	return st, true
}
