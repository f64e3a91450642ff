package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchTTL is the lease TTL of the failover benchmark: the default,
// 30 s; BENCH_LEASE_TTL sets a shorter one. On the shared 2-core machine
// (load 20–58) shorter TTLs did not hold 30 sessions: at 4 s and at 8 s,
// renewals stalled past the kill deadline (2/3 of the TTL) while n1 linked
// them or while the survivors relaunched them, and sessions moved on their
// own (docs/cluster.md, Measured).
func benchTTL() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("BENCH_LEASE_TTL")); err == nil {
		return d
	}
	return 30 * time.Second
}

// linkParallel bounds the sessions linked at once while the benchmark sets
// up: each node launches two browsers at a time anyway.
const linkParallel = 4

// BenchmarkClusterFailover runs three `easy-api serve` processes with real
// Chromium against one simulator, links 3 and then 30 sessions on n1,
// SIGKILLs n1 and measures, through the event stream of n2, the time from
// the kill to every moved session WORKING again on n2 or n3. The floor,
// measured in the same run, is the lease TTL (no session can move sooner)
// plus one re-auth (stop and start of one session on one node, seen
// through the same stream). Re-scans and the simulator's overlaps (two
// browsers on one device at once) are reported and must be 0.
func BenchmarkClusterFailover(b *testing.B) {
	for range b.N {
		c := newTestCluster(b, 3, benchTTL())
		var rows []failoverResult
		for round, n := range []int{3, 30} {
			if round > 0 {
				c.revive(b, c.nodes[0])
			}
			r := c.failoverRound(b, round, n)
			rows = append(rows, r)
			b.ReportMetric(r.failover.Seconds(), fmt.Sprintf("s/failover@%d", n))
			b.ReportMetric(r.reauth.Seconds(), fmt.Sprintf("s/reauth@%d", n))
			b.ReportMetric(float64(r.rescans), fmt.Sprintf("rescans@%d", n))
			b.ReportMetric(float64(r.overlaps), fmt.Sprintf("overlaps@%d", n))
			b.ReportMetric(float64(r.drops), fmt.Sprintf("drops@%d", n))
			b.ReportMetric(float64(r.pssPerSession)/(1<<20), fmt.Sprintf("MB-pss/session@%d", n))
		}
		b.ReportMetric(c.ttl.Seconds(), "s/lease-ttl")
		printFailover(c.ttl, rows)
	}
}

// failoverResult is what one round measured.
type failoverResult struct {
	sessions          int
	failover          time.Duration // kill → the last moved session WORKING
	median            time.Duration // kill → half of them WORKING
	reauth            time.Duration // stop/start of one session → WORKING
	rescans, overlaps int
	drops             int   // moved sessions that fell again afterwards
	settled           bool  // all WORKING at once on the survivors, 5 min after
	pssPerSession     int64 // browsers' PSS on the survivors, per session
	availableBefore   int64 // the machine's MemAvailable at the round's start
	minAvailable      int64 // its lowest from linking to the failover's end
}

// failoverRound links n sessions on n1, measures one re-auth there, kills
// n1 and waits for every session WORKING on the others; then deletes them.
func (c *testCluster) failoverRound(b *testing.B, round, n int) failoverResult {
	n1, n2 := c.nodes[0], c.nodes[1]
	w := watchStatuses(b, n2)
	defer w.close()
	mem := sampleMemAvailable()
	ids := make([]string, n)
	sem := make(chan struct{}, linkParallel)
	var wg sync.WaitGroup
	for i := range ids {
		ids[i] = fmt.Sprintf("f%d-%02d", round, i)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c.link(b, n1, n1, ids[i], fmt.Sprintf("15557%02d%04d", round, i))
		})
	}
	wg.Wait()
	for _, id := range ids {
		c.waitSnapshot(b, n2, id)
	}
	r := failoverResult{sessions: n, reauth: c.reauth(b, w, n1, ids[0])}

	// Every session still on n1: a lease lost under load before the kill
	// would move a session early and spoil the measure.
	got := c.sessions(n2)
	for _, id := range ids {
		if v := got[id]; v.Status != "WORKING" || v.Node != n1.name {
			b.Fatalf("before the kill n2 lists %s as %+v, want WORKING on n1 (a lease lost under load?)", id, v)
		}
	}
	overlaps := c.overlaps()
	killed := time.Now()
	c.kill(n1)
	at := w.waitWorking(b, ids, killed, 20*c.ttl+time.Duration(n)*20*time.Second)
	var took []time.Duration
	for _, t := range at {
		took = append(took, t.Sub(killed))
	}
	slices.Sort(took)
	r.failover, r.median = took[len(took)-1], took[len(took)/2]
	r.availableBefore, r.minAvailable = mem.first, mem.stop()
	r.overlaps = c.overlaps() - overlaps

	// The survivors must keep them: a session that falls again (its lease
	// lost to a store stalled under load) is counted and waited for.
	r.settled = within(5*time.Minute, func() bool {
		got := c.sessions(n2)
		for _, id := range ids {
			if v := got[id]; v.Status != "WORKING" || v.Node == n1.name || v.Node == "" {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		failover := false
		for _, e := range c.history(n2, id) {
			if e.Type == "session.status" && e.Data.Status == "SCAN_QR_CODE" && e.Data.Reason != "api" {
				r.rescans++
			}
			failover = failover || e.Type == "session.status" && e.Data.Reason == "failover"
		}
		if !failover {
			b.Errorf("%s: no session.status with reason failover", id)
		}
	}
	r.drops = w.drops(ids, killed)
	if r.settled {
		r.pssPerSession = c.survivorsPSS(b, n2, n) / int64(n)
	} else {
		b.Errorf("%d sessions: not all WORKING at once on n2 and n3 within 5 minutes of their failover", n)
	}
	b.Logf("%+v", r)
	c.deleteAll(b, n2, ids)
	return r
}

// within polls cond until it holds or d passes, as poll does, and says
// which came first.
func within(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// reauth stops id on nd and starts it there again: the time from the start
// to WORKING, seen through w, is one re-auth on one node.
func (c *testCluster) reauth(t testing.TB, w *statusWatch, nd *clusterNode, id string) time.Duration {
	post(t, nd.base+"/v1/sessions/"+id+"/stop?wait=60s", "")
	poll(t, 60*time.Second, id+" STOPPED", func() bool { return c.sessions(nd)[id].Status == "STOPPED" })
	started := time.Now()
	post(t, nd.base+"/v1/sessions/"+id+"/start", "")
	return w.waitWorking(t, []string{id}, started, 120*time.Second)[id].Sub(started)
}

// survivorsPSS is the browsers' memory the nodes report in GET /v1/nodes
// once they run n sessions between them and each has sampled its browsers.
func (c *testCluster) survivorsPSS(t testing.TB, nd *clusterNode, n int) int64 {
	var total int64
	poll(t, 60*time.Second, "the survivors' memory reported", func() bool {
		nodes, ok := nodeList(nd)
		sessions, sampled := 0, true
		total = 0
		for _, node := range nodes {
			if node.Up && node.Sessions > 0 {
				sessions += node.Sessions
				total += node.MemoryBytes
				sampled = sampled && node.MemoryBytes > 0
			}
		}
		return ok && sessions == n && sampled
	})
	return total
}

// nodeView is what the benchmark reads of GET /v1/nodes.
type nodeView struct {
	Name        string
	Up          bool
	Sessions    int
	MemoryBytes int64 `json:"memory_bytes"`
}

func nodeList(nd *clusterNode) ([]nodeView, bool) {
	var list struct{ Nodes []nodeView }
	code, body := getStatusBody(nd.base + "/v1/nodes")
	ok := code == http.StatusOK && json.Unmarshal([]byte(body), &list) == nil
	return list.Nodes, ok
}

// deleteAll deletes the sessions through the node that runs each: a
// DELETE answered by another node leaves the owner's browser running.
func (c *testCluster) deleteAll(t testing.TB, via *clusterNode, ids []string) {
	got := c.sessions(via)
	for _, id := range ids {
		owner := via
		for _, nd := range c.nodes {
			if nd.name == got[id].Node {
				owner = nd
			}
		}
		if code := deleteURL(owner.base + "/v1/sessions/" + id); code != http.StatusNoContent {
			t.Fatalf("DELETE %s on %s: %d", id, owner.name, code)
		}
	}
}

func deleteURL(url string) int {
	req, _ := http.NewRequest(http.MethodDelete, url, nil)
	resp, err := testClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// printFailover prints the rounds against their floor.
func printFailover(ttl time.Duration, rows []failoverResult) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nfailover: SIGKILL of n1 of 3 `easy-api serve` nodes, --lease-ttl %v (the default is 30s), real Chromium, seen on n2's event stream\n", ttl)
	fmt.Fprintf(&sb, "| sessions on n1 | kill → all WORKING | kill → half WORKING | floor: TTL + one re-auth | over the floor | re-scans | overlaps | fell again (all back) | PSS/session | MemAvailable: start → lowest |\n")
	fmt.Fprintf(&sb, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		floor := ttl + r.reauth
		fmt.Fprintf(&sb, "| %d | %.1f s | %.1f s | %.1f s (%v + %.1f s) | %+.1f s | %d | %d | %d (%s) | %d MB | %d → %d MB |\n",
			r.sessions, r.failover.Seconds(), r.median.Seconds(), floor.Seconds(), ttl, r.reauth.Seconds(),
			(r.failover - floor).Seconds(), r.rescans, r.overlaps, r.drops, yesNo(r.settled), r.pssPerSession>>20, r.availableBefore>>20, r.minAvailable>>20)
	}
	fmt.Fprint(os.Stdout, sb.String())
}

// memSampler follows the machine's MemAvailable (/proc/meminfo), keeping
// the lowest seen.
type memSampler struct {
	first int64
	quit  chan struct{}
	low   chan int64
}

func sampleMemAvailable() *memSampler {
	m := &memSampler{first: memAvailable(), quit: make(chan struct{}), low: make(chan int64)}
	go func() {
		low := m.first
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.quit:
				m.low <- min(low, memAvailable())
				return
			case <-tick.C:
				low = min(low, memAvailable())
			}
		}
	}()
	return m
}

// stop ends the sampling and returns the lowest MemAvailable in bytes.
func (m *memSampler) stop() int64 {
	close(m.quit)
	return <-m.low
}

func memAvailable() int64 {
	b, _ := os.ReadFile("/proc/meminfo")
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
