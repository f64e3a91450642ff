package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/logtest"
)

// natsServer is a real nats-server process with JetStream, the operator's
// NATS of --nats-url, built from the module version go.mod pins.
type natsServer struct {
	bin, dir, port, user, pass string
	cmd                        *exec.Cmd
}

func newNATSServer(t *testing.T) *natsServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	n := &natsServer{bin: bin, dir: filepath.Join(dir, "js"), port: freeTCPPort(t), user: "easy", pass: "s3cret-nats-pass"}
	t.Cleanup(n.kill)
	return n
}

// url is the --nats-url of the server with its credentials.
func (n *natsServer) url() string {
	return fmt.Sprintf("nats://%s:%s@127.0.0.1:%s", n.user, n.pass, n.port)
}

// start runs the server on its port and store directory (kept across
// restarts, as an operator's servers keep their disks).
func (n *natsServer) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(n.bin, "-a", "127.0.0.1", "-p", n.port, "-js", "-sd", n.dir, "--user", n.user, "--pass", n.pass)
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// kill ends the server at once, as a crash would.
func (n *natsServer) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		n.cmd = nil
	}
}

// natsNode is one `easy-api serve --nats-url` run in process.
type natsNode struct {
	url  string // the API's base URL
	logs *logtest.Buffer
	run  chan Running
	done chan error
	stop context.CancelFunc
}

func startNATSNode(t *testing.T, name, natsURL string, extra ...string) *natsNode {
	t.Helper()
	port := freeTCPPort(t)
	n := &natsNode{url: "http://127.0.0.1:" + port, logs: &logtest.Buffer{}, run: make(chan Running, 1), done: make(chan error, 1)}
	args := append([]string{"--session-data-path", t.TempDir(), "--port", port, "--log-level", "info", "--log-format", "json",
		"--nats-url", natsURL, "--node-name", name, "--advertise-url", n.url, "--api-key", natsAdminKey, "--wajs", "none"}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	n.stop = cancel
	go func() {
		n.done <- Serve(ctx, args, env(nil), io.Discard, n.logs, Options{Started: func(r Running) { n.run <- r }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-n.done:
		case <-time.After(60 * time.Second):
			t.Errorf("node %s did not stop", name)
		}
	})
	return n
}

const natsAdminKey = "nats-url-admin-key-0123456789"

// started waits until the node serves.
func (n *natsNode) started(t *testing.T) Running {
	t.Helper()
	select {
	case r := <-n.run:
		return r
	case err := <-n.done:
		t.Fatalf("node stopped before it started: %v\n%s", err, n.logs)
	case <-time.After(90 * time.Second):
		t.Fatalf("node did not start\n%s", n.logs)
	}
	return Running{}
}

// call sends an admin request to the node and returns its status and body.
func (n *natsNode) call(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, n.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", natsAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// await polls cond until it holds, failing after d.
func await(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last: %s", d, what, last)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// TestStoreOnAnOperatorsNATS: two nodes put their store on one external
// nats-server (user and password in --nats-url). They boot before it is
// up, wait saying why, and start when it comes; they share sessions,
// events and one --webhook; when the NATS dies they stay up, not ready,
// and are back once it returns.
func TestStoreOnAnOperatorsNATS(t *testing.T) {
	ns := newNATSServer(t)
	hooks := newHookReceiver(t)

	nodes := []*natsNode{
		startNATSNode(t, "a", ns.url(), "--webhook", hooks.URL),
		startNATSNode(t, "b", ns.url(), "--webhook", hooks.URL),
	}
	for _, n := range nodes {
		await(t, 60*time.Second, "the log to say the node waits for JetStream", func() (bool, string) {
			return strings.Contains(n.logs.String(), "waiting for JetStream"), n.logs.String()
		})
	}
	ns.start(t)
	runs := []Running{nodes[0].started(t), nodes[1].started(t)}
	for _, n := range nodes {
		if logs := n.logs.String(); strings.Contains(logs, ns.pass) || !strings.Contains(logs, "nats://easy:xxxxx@127.0.0.1:"+ns.port) {
			t.Errorf("the log names the NATS without its password? %s", logs)
		}
	}

	// One global webhook, though both nodes started at once.
	for _, n := range nodes {
		code, body := n.call(t, "GET", "/v1/webhooks", "")
		if code != 200 || strings.Count(body, `"url":"`+hooks.URL) != 1 {
			t.Errorf("webhooks on %s: %d %s; want the --webhook once", n.url, code, body)
		}
	}

	// A session created through one node is at once on the other.
	if code, body := nodes[0].call(t, "POST", "/v1/sessions", `{"id":"alice","start":false}`); code != 201 {
		t.Fatalf("create alice through a: %d %s", code, body)
	}
	if code, body := nodes[1].call(t, "GET", "/v1/sessions/alice", ""); code != 200 {
		t.Fatalf("alice through b: %d %s", code, body)
	}

	// An event stored by node a: node b's history has it, and the webhook
	// gets it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	ev, err := runs[0].Bus.PublishEvent(ctx, "alice", events.MessageReceived, map[string]string{"id": "m1"})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if code, body := nodes[1].call(t, "GET", "/v1/sessions/alice/events", ""); code != 200 || !strings.Contains(body, `"id":`+strconv.FormatUint(ev.ID, 10)) {
		t.Errorf("alice's history through b: %d %s; want event %d", code, body, ev.ID)
	}
	await(t, 60*time.Second, "the webhook to get the event", func() (bool, string) {
		return hooks.has(ev.ID), fmt.Sprint(hooks.ids())
	})

	// The NATS dies: both nodes stay up and say why they are not ready.
	ns.kill()
	for _, n := range nodes {
		await(t, 60*time.Second, "readyz to fail naming the NATS", func() (bool, string) {
			code, body := n.call(t, "GET", "/readyz", "")
			return code == 503 && strings.Contains(body, "NATS at nats://easy:xxxxx@127.0.0.1:"+ns.port) && !strings.Contains(body, ns.pass),
				fmt.Sprint(code, body)
		})
		if code, body := n.call(t, "GET", "/healthz", ""); code != 200 {
			t.Errorf("healthz without the NATS: %d %s; want 200 (a restart would not bring it back)", code, body)
		}
	}
	if !strings.Contains(nodes[0].logs.String(), "connection to NATS lost") {
		t.Errorf("no log line says the NATS was lost:\n%s", nodes[0].logs)
	}

	// It comes back: so do the nodes, with nothing restarted.
	ns.start(t)
	for _, n := range nodes {
		await(t, 90*time.Second, "readyz to pass again", func() (bool, string) {
			code, body := n.call(t, "GET", "/readyz", "")
			return code == 200, fmt.Sprint(code, body)
		})
	}
	for _, n := range nodes {
		select {
		case err := <-n.done:
			t.Fatalf("a node stopped during the outage: %v\n%s", err, n.logs)
		default:
		}
	}
	await(t, 60*time.Second, "a create through b after the outage", func() (bool, string) {
		code, body := nodes[1].call(t, "POST", "/v1/sessions", `{"id":"bob","start":false}`)
		return code == 201, fmt.Sprint(code, body)
	})
	if code, body := nodes[0].call(t, "GET", "/v1/sessions/bob", ""); code != 200 {
		t.Errorf("bob through a after the outage: %d %s", code, body)
	}
	code, body := nodes[0].call(t, "GET", "/v1/sessions", "")
	if code != 200 || !strings.Contains(body, `"id":"alice"`) || !strings.Contains(body, `"id":"bob"`) {
		t.Errorf("sessions through a after the outage: %d %s; want alice (kept by the NATS's disk) and bob", code, body)
	}
}

// TestNATSURLWithAWrongPassword: a node whose --nats-url has a wrong
// password waits at boot and says why, without the password.
func TestNATSURLWithAWrongPassword(t *testing.T) {
	ns := newNATSServer(t)
	ns.start(t)
	n := startNATSNode(t, "a", strings.Replace(ns.url(), ns.pass, "wrong-pass", 1))
	await(t, 60*time.Second, "the log to name the refusal", func() (bool, string) {
		logs := n.logs.String()
		return strings.Contains(logs, "waiting for JetStream") && strings.Contains(strings.ToLower(logs), "authorization violation") &&
			!strings.Contains(logs, "wrong-pass"), logs
	})
}

// hookReceiver is a webhook endpoint recording the event ids it got.
type hookReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got map[uint64]bool
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{got: map[uint64]bool{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev events.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.got[ev.ID] = true
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) has(id uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[id]
}

func (h *hookReceiver) ids() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(maps.Keys(h.got))
}

func freeTCPPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
