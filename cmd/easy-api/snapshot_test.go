package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/logtest"
)

// dataEvent is a session.data or session.status event of the history.
type dataEvent struct {
	ID   uint64
	Type string
	Data struct {
		Status          string
		Reason          string
		ProfileModified *time.Time `json:"profile_modified"`
	}
}

func historySince(t *testing.T, base, id string, since uint64) []dataEvent {
	t.Helper()
	var all []dataEvent
	for {
		var page struct {
			Events []dataEvent
			Next   *uint64
		}
		if err := json.Unmarshal([]byte(getBody(fmt.Sprintf("%s/v1/sessions/%s/events?since=%d&limit=500", base, id, since))), &page); err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		all = append(all, page.Events...)
		if page.Next == nil {
			return all
		}
		since = *page.Next
	}
}

// TestRefreshedSnapshotSurvivesRotation is a node lost after WhatsApp
// rotated its device's credentials: the real binary links a session
// against an external simulator, the simulator rotates the device's
// credentials (the page stores new ones in its profile), the server is
// SIGKILLed with its browser and its profile and data file are lost; only
// the store survives, as a cluster's replicated one would. Restarted, the
// server restores the session from the store's snapshot.
//
// With the snapshot refreshed while WORKING, the restore holds the rotated
// credentials: RESUMING → WORKING, no QR. With refreshing disabled the
// store still holds the link-time profile, which the simulator refuses the
// way WhatsApp refuses stale device keys: a re-scan.
func TestRefreshedSnapshotSurvivesRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary with a browser; runs in make test")
	}
	bin := buildBinary(t)
	sim, rules, pin := startTLSSimulator(t)
	control := httptest.NewServer(sim)
	t.Cleanup(control.Close)
	cases := []struct {
		name, phone string
		flags       []string
		refreshed   bool
	}{
		{"refreshed while working", "15550007001", []string{"--snapshot-settle", "1s", "--snapshot-min-interval", "0s", "--snapshot-max-age", "0s"}, true},
		{"link-time snapshot only", "15550007002", []string{"--snapshot-settle", "0s", "--snapshot-max-age", "0s"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, port := t.TempDir(), freePort(t)
			base := "http://127.0.0.1:" + port
			logs := &logtest.Buffer{}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("server log:\n%s", lastLines(logs.String(), 60))
				}
			})
			start := func() *os.Process {
				args := append([]string{"--port", port, "--host-resolver-rules", rules, "--ignore-cert-spki", pin, "--wajs", "none",
					"--session-data-path", dir, "--log-format", "json", "--log-level", "info"}, tc.flags...)
				return startServe(t, bin, base, logs, args...).Process
			}
			srv := start()
			const id = "snap"
			createAndLink(t, base, control.URL, id, tc.phone)
			poll(t, 60*time.Second, "the link-time snapshot", func() bool {
				return lastData(historySince(t, base, id, 0), "linked") != nil
			})

			rotatedFrom := time.Now()
			post(t, control.URL+"/__sim/rotate", fmt.Sprintf(`{"phone":%q}`, tc.phone))
			if tc.refreshed {
				// A snapshot whose newest change is past the rotation's
				// start holds the rotated credentials: it was copied a
				// settle period after the profile's last write.
				poll(t, 60*time.Second, "a snapshot refreshed after the rotation", func() bool {
					ev := lastData(historySince(t, base, id, 0), "refreshed")
					return ev != nil && ev.Data.ProfileModified != nil && !ev.Data.ProfileModified.Before(rotatedFrom)
				})
			}

			var last uint64
			if h := historySince(t, base, id, 0); len(h) > 0 {
				last = h[len(h)-1].ID
			}
			// The machine dies: the process and its browser at once, and
			// its disk with the profile and the data file. Only the store
			// is left.
			syscall.Kill(-srv.Pid, syscall.SIGKILL)
			srv.Wait()
			for _, p := range []string{filepath.Join(dir, "IGNORE_"+id), filepath.Join(dir, id+".data.json")} {
				if err := os.RemoveAll(p); err != nil {
					t.Fatal(err)
				}
			}
			start()
			want := "WORKING"
			if !tc.refreshed {
				want = "SCAN_QR_CODE"
			}
			var got []string
			poll(t, 120*time.Second, "the restored session "+want, func() bool {
				got = statuses(historySince(t, base, id, last))
				return len(got) > 0 && strings.HasPrefix(got[len(got)-1], want+"/")
			})
			t.Logf("after the restore: %s", strings.Join(got, " → "))
			if tc.refreshed {
				if !slices.Contains(got, "RESUMING/boot") || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "SCAN_QR_CODE") }) ||
					got[len(got)-1] != "WORKING/reauth_ok" {
					t.Errorf("statuses after the restore = %v, want RESUMING → WORKING (reauth_ok) with no QR", got)
				}
			} else if !slices.Contains(got, "SCAN_QR_CODE/reauth_failed") {
				t.Errorf("statuses after restoring a link-time snapshot = %v, want a refusal (SCAN_QR_CODE/reauth_failed)", got)
			}
		})
	}
}

// lastData returns the latest session.data event with reason, or nil.
func lastData(h []dataEvent, reason string) *dataEvent {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Type == "session.data" && h[i].Data.Reason == reason {
			return &h[i]
		}
	}
	return nil
}

// statuses lists the status/reason of every session.status event of h.
func statuses(h []dataEvent) []string {
	var out []string
	for _, e := range h {
		if e.Type == "session.status" {
			out = append(out, e.Data.Status+"/"+e.Data.Reason)
		}
	}
	return out
}
