package api_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkForward measures what forwarding to a session's owner adds to a
// request: the same GET /v1/sessions/{id}/me sent to the owner directly
// (the floor) and to the other node, which forwards it, alternately, over
// two real API servers on loopback in the same run.
func BenchmarkForward(b *testing.B) {
	const requests = 3000
	l, nodes := newNodes(b, nil)
	l.set("alice", "b")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	get := func(base string) time.Duration {
		req, _ := http.NewRequest("GET", base+"/v1/sessions/alice/me", nil)
		req.Header.Set("X-Api-Key", nodeAdminKey)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %s", base, res.Status)
		}
		return time.Since(start)
	}
	for range b.N {
		get(nodes["a"].ts.URL) // warm both connections
		get(nodes["b"].ts.URL)
		local, forwarded := make([]time.Duration, 0, requests), make([]time.Duration, 0, requests)
		for range requests {
			local = append(local, get(nodes["b"].ts.URL))
			forwarded = append(forwarded, get(nodes["a"].ts.URL))
		}
		lp50, lp99 := percentiles(local)
		fp50, fp99 := percentiles(forwarded)
		b.ReportMetric(float64((fp50 - lp50).Microseconds()), "added-p50-µs")
		b.ReportMetric(float64((fp99 - lp99).Microseconds()), "added-p99-µs")
		fmt.Printf("forwarded request (GET /v1/sessions/{id}/me via the other node, %d requests): p50 %v, p99 %v; floor (the same request to the owner) p50 %v, p99 %v; added p50 %v, p99 %v\n",
			requests, fp50, fp99, lp50, lp99, fp50-lp50, fp99-lp99)
	}
}

// percentiles returns the p50 and p99 of ds.
func percentiles(ds []time.Duration) (time.Duration, time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*99/100]
}
