package e2e

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

// TestLifecycleStorm is issue 20's concurrent lifecycle run against real
// Chromium and the simulator: 200 mixed create/delete/start/stop/restart
// requests on 5 ids, 50 at a time, a quarter of the closing ones with
// ?wait=0s. No answer may be a 5xx; after purging every id no browser runs
// on their profiles and no IGNORE_ folder stays; the same ids created again
// reach SCAN_QR_CODE (no "profile is in use"); the list equals the
// per-session GETs.
func TestLifecycleStorm(t *testing.T) {
	skipShort(t)
	_, srv := fastServer(t)
	dir := srv.dir
	ids := []string{"st0", "st1", "st2", "st3", "st4"}
	if code, b, err := send(srv, "POST", "/v1/sessions/st0/stop?wait=soon", nil); err != nil || code != http.StatusBadRequest || !strings.Contains(string(b), `"wait"`) {
		t.Fatalf("stop?wait=soon: %d %s %v, want a 400 naming wait", code, b, err)
	}

	type req struct{ method, path, id string }
	rnd := rand.New(rand.NewPCG(20, 5))
	reqs := make(chan req)
	go func() {
		defer close(reqs)
		for range 200 {
			id := ids[rnd.IntN(len(ids))]
			wait := ""
			if rnd.IntN(4) == 0 {
				wait = "?wait=0s"
			}
			switch rnd.IntN(6) {
			case 0, 1:
				reqs <- req{"POST", "/v1/sessions", id}
			case 2:
				reqs <- req{"DELETE", "/v1/sessions/" + id + "?purge=true" + strings.Replace(wait, "?", "&", 1), id}
			case 3:
				reqs <- req{"POST", "/v1/sessions/" + id + "/start", id}
			case 4:
				reqs <- req{"POST", "/v1/sessions/" + id + "/stop" + wait, id}
			case 5:
				reqs <- req{"POST", "/v1/sessions/" + id + "/restart" + wait, id}
			}
		}
	}()
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	for range 50 {
		wg.Go(func() {
			for r := range reqs {
				var body io.Reader
				if r.path == "/v1/sessions" {
					body = strings.NewReader(fmt.Sprintf(`{"id":%q}`, r.id))
				}
				code, b, err := send(srv, r.method, r.path, body)
				mu.Lock()
				codes[code]++
				mu.Unlock()
				if err != nil || code >= 500 {
					t.Errorf("%s %s: %d %s %v", r.method, r.path, code, b, err)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("answers: %v", codes)

	for _, id := range ids {
		if code, b, err := send(srv, "DELETE", "/v1/sessions/"+id+"?purge=true", nil); err != nil || code != http.StatusNoContent && code != http.StatusNotFound {
			t.Fatalf("final purge of %s: %d %s %v", id, code, b, err)
		}
	}
	for _, id := range ids {
		prof := session.ProfileDir(dir, id)
		if procs := chromiumProcesses(prof); len(procs) > 0 {
			t.Errorf("%s purged, browsers still run on its profile:\n%s", id, strings.Join(procs, "\n"))
		}
		if _, err := os.Stat(prof); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s purged, its IGNORE_ folder stays (%v)", id, err)
		}
	}

	for _, id := range ids[:2] {
		srv.create(id, nil)
	}
	for _, id := range ids[:2] {
		if v := srv.wait(id, session.StatusScanQRCode); historyHas(v, session.StatusFailed) {
			t.Errorf("%s created again went through FAILED: %+v", id, v.History)
		}
	}
	code, b, err := send(srv, "GET", "/v1/sessions", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("list: %d %s %v", code, b, err)
	}
	var list struct{ Sessions []session.View }
	mustJSON(t, b, &list)
	var listed []string
	for _, v := range list.Sessions {
		listed = append(listed, v.ID)
		if got := srv.get(v.ID); got.Status != v.Status || got.CreatedAt != v.CreatedAt {
			t.Errorf("list shows %s %s, GET %s", v.ID, v.Status, got.Status)
		}
	}
	sort.Strings(listed)
	if strings.Join(listed, ",") != "st0,st1" {
		t.Errorf("list = %v, want st0,st1", listed)
	}
}

// send is server.call for use off the test goroutine: it returns errors
// instead of failing the test.
func send(srv *server, method, path string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, srv.http.URL+path, body)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.http.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestStopAndDeleteAnswer202WhileTheBrowserCloses: with ?wait=0s a stop and
// a purge answer 202 at once with the session as it is (still WORKING); the
// close, and the purge, finish by themselves and say so in events; the id
// created again starts fresh, with no QR-less resume of the purged account.
func TestStopAndDeleteAnswer202WhileTheBrowserCloses(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	dir := testDir(t)
	rec := newRecordingPublisher()
	srv := startServer(t, dir, sm, serverOpts{tee: rec})
	srv.create("quick", nil)
	srv.link(sm, "quick", "15550001111")

	code, b := srv.call("POST", "/v1/sessions/quick/stop?wait=0s", nil)
	var v session.View
	mustJSON(t, b, &v)
	if code != http.StatusAccepted || v.Status != session.StatusWorking {
		t.Fatalf("stop?wait=0s = %d %s, want 202 showing WORKING", code, v.Status)
	}
	rec.wait(t, "quick", session.EventStatus, func(d any) bool {
		ev := d.(session.StatusEvent)
		return ev.Status == session.StatusStopped && ev.Reason == session.ReasonAPI
	})
	if code, b := srv.call("POST", "/v1/sessions/quick/start", nil); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, b)
	}
	srv.wait("quick", session.StatusWorking)

	code, b = srv.call("DELETE", "/v1/sessions/quick?purge=true&wait=0s", nil)
	mustJSON(t, b, &v)
	if code != http.StatusAccepted || v.Status != session.StatusWorking {
		t.Fatalf("delete?purge=true&wait=0s = %d %s, want 202 showing WORKING", code, v.Status)
	}
	if code, _ := srv.call("GET", "/v1/sessions/quick", nil); code != http.StatusNotFound {
		t.Errorf("GET right after the 202 = %d, want 404", code)
	}
	rec.wait(t, "quick", session.EventData, func(d any) bool { return d.(session.DataEvent).Reason == "logout" })
	prof := session.ProfileDir(dir, "quick")
	if _, err := os.Stat(prof); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("purge told, IGNORE_ folder stays (%v)", err)
	}
	if procs := chromiumProcesses(prof); len(procs) > 0 {
		t.Errorf("purge told, browsers still run:\n%s", strings.Join(procs, "\n"))
	}
	srv.create("quick", nil)
	if v := srv.wait("quick", session.StatusScanQRCode); historyHas(v, session.StatusResuming) || v.Me != nil {
		t.Errorf("created again after a purge, it resumed the old account: %+v", v)
	}
}
