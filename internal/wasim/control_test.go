package wasim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
)

// simServer serves a Server over HTTP for the duration of the test.
func simServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s, ts
}

// manualAckSim is simServer with a QR that waits, a fast sync and acks
// that move only when the test says (POST /__sim/ack).
func manualAckSim(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	return simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond, AckDelay: ManualAcks})
}

// wsPage is a page channel driven by the test instead of a browser.
type wsPage struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialPage(t *testing.T, ts *httptest.Server) *wsPage {
	t.Helper()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/__page/ws"
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	resp.Body.Close()
	t.Cleanup(func() { conn.Close() })
	return &wsPage{t: t, conn: conn}
}

func (p *wsPage) send(m inMsg) {
	p.t.Helper()
	if err := p.conn.WriteJSON(m); err != nil {
		p.t.Fatal(err)
	}
}

// next returns the next message, which must be of type typ, within 5 s.
func (p *wsPage) next(typ string) outMsg {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m outMsg
	if err := p.conn.ReadJSON(&m); err != nil {
		p.t.Fatalf("waiting for %q: %v", typ, err)
	}
	if m.T != typ {
		p.t.Fatalf("got message %+v, want type %q", m, typ)
	}
	return m
}

// call sends a control-API request and decodes the JSON answer into out.
func call(t *testing.T, ts *httptest.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

func TestControlAPIErrors(t *testing.T) {
	_, ts := simServer(t, Config{})
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"bad JSON", "POST", "/__sim/scan", `{"code":`, 400, "invalid_request"},
		{"empty body", "POST", "/__sim/scan", ``, 400, "invalid_request"},
		{"unknown field", "POST", "/__sim/scan", `{"code":"x","phone":"15551234567","nmae":"a"}`, 400, "invalid_request"},
		{"missing code", "POST", "/__sim/scan", `{"phone":"15551234567"}`, 400, "invalid_request"},
		{"missing phone", "POST", "/__sim/scan", `{"code":"2@abc"}`, 400, "invalid_request"},
		{"bad phone", "POST", "/__sim/scan", `{"code":"2@abc","phone":"call me"}`, 400, "invalid_request"},
		{"unknown code", "POST", "/__sim/scan", `{"code":"2@abc","phone":"15551234567"}`, 409, "unknown_code"},
		{"legacy unknown code", "POST", "/__sim/scan", `{"code":"2@abc","phone":"15551234567","legacy":true}`, 409, "unknown_code"},
		{"phone-online unknown phone", "POST", "/__sim/phone-online", `{"phone":"15551234567","online":false}`, 404, "account_not_found"},
		{"phone-online without phone", "POST", "/__sim/phone-online", `{"online":false}`, 400, "invalid_request"},
		{"phone-online without online", "POST", "/__sim/phone-online", `{"phone":"15551234567"}`, 400, "invalid_request"},
		{"phone-online bad phone", "POST", "/__sim/phone-online", `{"phone":"x","online":true}`, 400, "invalid_request"},
		{"phone-online wrong method", "GET", "/__sim/phone-online", ``, 405, "method_not_allowed"},
		{"unknown pair code", "POST", "/__sim/pair", `{"code":"ABCD-1234"}`, 409, "unknown_code"},
		{"pair without code", "POST", "/__sim/pair", `{}`, 400, "invalid_request"},
		{"logout unknown phone", "POST", "/__sim/logout", `{"phone":"15551234567"}`, 404, "account_not_found"},
		{"logout without phone", "POST", "/__sim/logout", `{}`, 400, "invalid_request"},
		{"wrong method", "GET", "/__sim/scan", ``, 405, "method_not_allowed"},
		{"unknown route", "POST", "/__sim/nope", `{}`, 404, "route_not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Problem
			status := call(t, ts, c.method, c.path, c.body, &p)
			if status != c.status || p.Status != c.status || p.Code != c.code || p.Title == "" ||
				!strings.HasSuffix(p.Type, c.code) {
				t.Errorf("got %d %+v, want %d with code %s", status, p, c.status, c.code)
			}
		})
	}

	// The content type says problem+json.
	resp, err := ts.Client().Post(ts.URL+"/__sim/scan", "application/json", strings.NewReader("{"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestControlAPIFlow(t *testing.T) {
	_, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})

	var health map[string]any
	if call(t, ts, "GET", "/__sim/healthz", "", &health) != 200 || health["status"] != "ok" {
		t.Fatalf("healthz = %v", health)
	}

	page := dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys})
	qr := page.next(msgQR)

	var qrs qrResponse
	call(t, ts, "GET", "/__sim/qr", "", &qrs)
	full := qr.Ref + ",c3RhdGlj,aWRlbnRpdHk=,c2VjcmV0"
	if len(qrs.Pages) != 1 || qrs.Pages[0].Code != full || !qrs.Pages[0].ExpiresAt.Equal(*qr.ExpiresAt) {
		t.Fatalf("GET /__sim/qr = %+v, want code %q", qrs, full)
	}

	var l Linked
	body, _ := json.Marshal(scanRequest{Code: full, Phone: "15551234567", Name: "Alice"})
	if st := call(t, ts, "POST", "/__sim/scan", string(body), &l); st != 200 || l.DeviceID != "15551234567:1" {
		t.Fatalf("scan: %d %+v", st, l)
	}
	linked := page.next(msgLinked)
	page.send(inMsg{T: msgStored})
	page.next(msgMain)

	var devs devicesResponse
	call(t, ts, "GET", "/__sim/devices", "", &devs)
	want := []AccountInfo{{Phone: "15551234567", Wid: "15551234567@c.us", Name: "Alice", Online: true,
		Platform: "android", Devices: []DeviceInfo{{ID: "15551234567:1", Connected: true}}}}
	ignoreTime := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".LinkedAt" }, cmp.Ignore())
	if diff := cmp.Diff(want, devs.Accounts, ignoreTime); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}

	// The browser closes; the device stays linked but not connected.
	page.conn.Close()
	waitFor(t, func() bool {
		call(t, ts, "GET", "/__sim/devices", "", &devs)
		return !devs.Accounts[0].Devices[0].Connected
	})

	// Relaunch: resumes with the stored creds, no QR.
	page = dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys, Creds: linked.Creds})
	page.next(msgResumed)
	page.next(msgMain)

	// Live phone logout.
	var res LogoutResult
	if st := call(t, ts, "POST", "/__sim/logout", `{"phone":"+1 555 123 4567"}`, &res); st != 200 || res.Live != 1 {
		t.Fatalf("logout: %d %+v", st, res)
	}
	page.next(msgLogout)
}

func TestPairOverHTTP(t *testing.T) {
	_, ts := simServer(t, Config{})
	page := dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys})
	page.next(msgQR)
	page.send(inMsg{T: msgPairCode, ID: 1, Phone: "15557654321"})
	r := page.next(msgReply)
	var l Linked
	if st := call(t, ts, "POST", "/__sim/pair", `{"code":"`+r.Code+`"}`, &l); st != 200 || l.Phone != "15557654321" {
		t.Fatalf("pair: %d %+v", st, l)
	}
	page.next(msgLinked)
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIndexHasNonceCSP(t *testing.T) {
	_, ts := simServer(t, Config{})
	get := func() (string, string) {
		resp, err := ts.Client().Get(ts.URL + "/?post_logout=1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Security-Policy"), string(b)
	}
	csp, body := get()
	m := regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]+)'`).FindStringSubmatch(csp)
	if m == nil {
		t.Fatalf("CSP = %q", csp)
	}
	tags := regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1)
	if len(tags) == 0 {
		t.Fatal("no script tags")
	}
	for _, tag := range tags {
		if !strings.Contains(tag, `nonce="`+m[1]+`"`) {
			t.Errorf("script tag without this response's nonce: %s", tag)
		}
	}
	if !strings.Contains(body, `data-post-logout="1"`) {
		t.Error("post_logout page does not say so")
	}
	if csp2, _ := get(); csp2 == csp {
		t.Error("nonce is not fresh per response")
	}
	for _, asset := range []string{"wpp.js", "core.js", "ui.js", "style.css"} {
		if st := call(t, ts, "GET", "/__page/assets/"+asset, "", nil); st != 200 {
			t.Errorf("%s: %d", asset, st)
		}
	}
	resp, err := ts.Client().Get(ts.URL + "/__page/qr.png?code=2@abc,def")
	if err != nil {
		t.Fatal(err)
	}
	png, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("qr.png is not a PNG: %d %q", resp.StatusCode, png[:min(len(png), 16)])
	}
}

func TestCloseEndsPageConnections(t *testing.T) {
	s := New(Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	page := dialPage(t, ts)
	page.send(inMsg{T: msgHello, Keys: testKeys})
	page.next(msgQR)
	s.Close()
	page.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := page.conn.ReadMessage(); err == nil {
		t.Fatal("page channel still open after Close")
	}
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/__page/ws"
	if conn, _, err := websocket.DefaultDialer.Dial(url, nil); err == nil {
		conn.Close()
		t.Error("a closed Server accepted a page")
	}
}
