package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSIGKILLMidBurstLosesNoWebhookEvent runs the real binary with the
// in-process simulator and a global webhook, links a session, sends a burst
// of 1,000 incoming messages and SIGKILLs the server in the middle. After a
// restart on the same data path every event the log holds reaches the
// receiver, signed (duplicates allowed, loss not).
func TestSIGKILLMidBurstLosesNoWebhookEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary with a browser; runs in make test")
	}
	bin := buildBinary(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rcv := newSignedReceiver(t, secret)
	dir := t.TempDir()
	apiPort, simPort := freePort(t), freePort(t)
	base, sim := "http://127.0.0.1:"+apiPort, "http://127.0.0.1:"+simPort
	start := func() *exec.Cmd {
		return startServe(t, bin, base, io.Discard, "--port", apiPort, "--simulator", "--simulator-addr", "127.0.0.1:"+simPort,
			"--session-data-path", dir, "--webhook", rcv.URL, "--webhook-secret", secret, "--log-format", "json", "--log-level", "warn")
	}
	srv := start()
	createAndLink(t, base, sim, "k", "15550001234")

	for i := range 300 {
		post(t, sim+"/__sim/messages", fmt.Sprintf(`{"phone":"15550001234","from":"15559990000","text":"burst %d"}`, i))
	}
	// Kill once the burst is under way in the log: the page still works
	// through the rest of it (on a loaded machine it lags the posts).
	poll(t, 60*time.Second, "100 events of the burst logged", func() bool { return len(loggedIDs(t, base, "k")) >= 100 })
	syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
	srv.Wait()

	start()
	// Every event the log holds must arrive.
	var ids []uint64
	poll(t, 60*time.Second, "the 100+ logged events read after the restart", func() bool {
		ids = loggedIDs(t, base, "k")
		return len(ids) >= 100
	})
	poll(t, 60*time.Second, "every logged event delivered", func() bool { return rcv.hasAll(ids) })
	if bad := rcv.badCount(); bad > 0 {
		t.Fatalf("%d deliveries failed signature verification", bad)
	}
}

// loggedIDs reads the ids of every event session id's history holds on
// the server at base (none while the server does not answer).
func loggedIDs(t *testing.T, base, id string) []uint64 {
	var ids []uint64
	for since := uint64(0); ; {
		var page struct {
			Events []struct{ ID uint64 }
			Next   *uint64
		}
		body := getBody(fmt.Sprintf("%s/v1/sessions/%s/events?since=%d&limit=500", base, id, since))
		if !strings.Contains(body, `"events"`) {
			return ids
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			ids = append(ids, e.ID)
		}
		if page.Next == nil {
			return ids
		}
		since = *page.Next
	}
}

type signedReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	key  []byte
	seen map[string]bool
	bad  int
}

func newSignedReceiver(t testing.TB, secret string) *signedReceiver {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	r := &signedReceiver{key: key, seen: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
		mac := hmac.New(sha256.New, r.key)
		mac.Write([]byte(id + "." + ts + "." + string(body)))
		ok := strings.Contains(req.Header.Get("webhook-signature"), "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		r.mu.Lock()
		r.seen[id] = true
		if !ok {
			r.bad++
		}
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *signedReceiver) hasAll(ids []uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if !r.seen[fmt.Sprint(id)] {
			return false
		}
	}
	return true
}

func (r *signedReceiver) badCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

func poll(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// testClient bounds every request of the process tests: a node that dies
// or freezes mid-request must cost one try of a poll, not its whole wait.
var testClient = &http.Client{Timeout: 30 * time.Second}

func get(url string) int {
	resp, err := testClient.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func getBody(url string) string {
	resp, err := testClient.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func post(t testing.TB, url, body string) {
	t.Helper()
	resp, err := testClient.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
}
