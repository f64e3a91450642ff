package browser

import (
	"errors"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

// startProcs starts sh with two sleeping children, its command line
// carrying --user-data-dir=dir as Chromium's does; the test ends them.
func startProcs(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", "sleep 60 & sleep 60 & wait", "--user-data-dir="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		killGroup(cmd.Process.Pid)
		_ = cmd.Wait()
	})
	return cmd
}

// waitTree waits until root's tree has n processes.
func waitTree(t *testing.T, root, n int) []int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tree := processTree(root)
		if len(tree) == n {
			return tree
		}
		if time.Now().After(deadline) {
			t.Fatalf("process tree of %d = %v, want %d processes", root, tree, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestProcessTreeAndUsage(t *testing.T) {
	cmd := startProcs(t, t.TempDir())
	root := cmd.Process.Pid
	tree := waitTree(t, root, 3)
	if tree[0] != root {
		t.Fatalf("tree %v does not start at its root %d", tree, root)
	}
	if got := pss(tree); got <= 0 {
		t.Errorf("pss of %v = %d, want > 0", tree, got)
	}
	if got := pss([]int{1 << 30}); got != 0 {
		t.Errorf("pss of a pid that does not exist = %d, want 0", got)
	}
	if got := cpuSeconds(tree); got < 0 {
		t.Errorf("cpu seconds of %v = %v", tree, got)
	}
	u, err := (&Page{pid: root}).Usage(t.Context())
	if err != nil || u.Processes != 3 || u.PSSBytes <= 0 {
		t.Errorf("Usage = %+v, %v; want 3 processes and a PSS", u, err)
	}
	if got := processTree(1 << 30); got != nil {
		t.Errorf("tree of a pid that does not exist = %v", got)
	}
	if _, err := (&Page{pid: 1 << 30}).Usage(t.Context()); err == nil {
		t.Error("Usage of a gone browser: want an error")
	}
}

func TestProfileProcessesAndKillLeftovers(t *testing.T) {
	dir := t.TempDir()
	cmd := startProcs(t, dir)
	other := startProcs(t, dir+"-other") // a prefix of its flag is dir's flag
	waitTree(t, cmd.Process.Pid, 3)
	if got := profileProcesses(dir); !slices.Equal(got, []int{cmd.Process.Pid}) {
		t.Fatalf("profileProcesses = %v, want only %d (sh carries the flag, its sleeps do not)", got, cmd.Process.Pid)
	}
	killLeftovers(dir)
	// The killed sh stays a zombie until Wait: it must not count.
	if got := profileProcesses(dir); len(got) != 0 {
		t.Fatalf("after killLeftovers: %v still run on the profile", got)
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("sh ended with %v, want SIGKILL", err)
	}
	if got := profileProcesses(dir + "-other"); !slices.Equal(got, []int{other.Process.Pid}) {
		t.Errorf("the other profile's process: %v, want %d still running", got, other.Process.Pid)
	}
}
