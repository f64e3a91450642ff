package api_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/egress"
	"github.com/easy-api/easy-api/internal/egress/egresstest"
)

// internalTargets lists URLs that lead to internal addresses — literal in
// v4 and v6 spellings, by DNS name, and by redirect from a public origin —
// for a listener on 127.0.0.1:port (those that would reach it, were they
// dialled) and for addresses that no test listens on (refused before any
// packet leaves).
func internalTargets(port, origin string) []string {
	at := func(host string) string { return "http://" + net.JoinHostPort(host, port) + "/cat.png" }
	var urls []string
	for _, h := range []string{"127.0.0.1", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1", "::ffff:7f00:1",
		"64:ff9b::7f00:1", "2002:7f00:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
		"localhost", "127.1", "2130706433", "0x7f000001", "inside.test", "inside6.test", "mapped.test", "nat64.test"} {
		urls = append(urls, at(h))
	}
	for _, h := range []string{"10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.100.100.200",
		"240.0.0.1", "255.255.255.255", "224.0.0.1", "fe80::1", "fd00:ec2::254", "ff02::1", "metadata.test", "reserved.test"} {
		urls = append(urls, "http://"+net.JoinHostPort(h, "80")+"/latest/meta-data/")
	}
	for _, to := range []string{at("127.0.0.1"), at("::1"), at("inside.test"), "http://169.254.169.254/latest/meta-data/"} {
		urls = append(urls, origin+"/redirect?to="+to)
	}
	return urls
}

// refusal is what the answer to url must say: shorthand spellings of
// 127.0.0.1 are names to Go, which no resolver knows; everything else is
// refused as internal.
func refusal(url, internal string) string {
	for _, short := range []string{"//127.1:", "//2130706433:", "//0x7f000001:"} {
		if strings.Contains(url, short) {
			return "no such host"
		}
	}
	return internal
}

// egressWorld is a full server whose guarded transport resolves names
// through a test DNS and treats 127.0.0.2 as public, with a listener on
// 127.0.0.1 counting what reaches it.
type egressWorld struct {
	*full
	port, origin string
	hits         *atomic.Int64
}

func newEgressWorld(t *testing.T, allowPrivate bool) egressWorld {
	t.Helper()
	hits := &atomic.Int64{}
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\nsmall"))
	}))
	t.Cleanup(inside.Close)
	_, port, _ := net.SplitHostPort(inside.Listener.Addr().String())
	origin := egresstest.PublicOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	dns := egresstest.DNS(t, map[string][]string{
		"inside.test.": {"127.0.0.1"}, "inside6.test.": {"::1"}, "mapped.test.": {"::ffff:127.0.0.1"},
		"nat64.test.": {"64:ff9b::7f00:1"}, "metadata.test.": {"169.254.169.254"}, "reserved.test.": {"240.0.0.1"},
	})
	guarded := egress.New(egress.Config{Allow: egresstest.Allow, Resolver: dns}).Transport()
	f := newFullGuarded(t, guarded, func(c *api.Config) {
		c.Media.FetchTimeout, c.Media.AllowPrivateURLs = 2*time.Second, allowPrivate
	})
	f.must(http.StatusCreated, req{method: "POST", path: "/v1/sessions", body: `{"id":"alice","start":false}`, key: adminKey})
	return egressWorld{full: f, port: port, origin: origin, hits: hits}
}

// sendMedia posts a media message with url as key and returns the answer.
func (w egressWorld) sendMedia(key, url string) resp {
	b, _ := json.Marshal(map[string]any{"chat_id": "15551234567", "media": map[string]string{"url": url}})
	return w.do(req{method: "POST", path: "/v1/sessions/alice/messages", body: string(b), key: key})
}

// TestMediaURLsNeverReachInternalAddresses: a scoped key's media.url to any
// internal address is a 400 naming media.url, and nothing reaches the
// internal listener — even with --allow-private-media-urls, which is the
// admin's alone.
func TestMediaURLsNeverReachInternalAddresses(t *testing.T) {
	w := newEgressWorld(t, true)
	scoped := w.scopedKey("alice").Key
	for _, url := range internalTargets(w.port, w.origin) {
		res := w.sendMedia(scoped, url)
		why := refusal(url, "internal address")
		if p := res.problem(t); res.status != 400 || p.Field != "media.url" || !strings.Contains(p.Detail, why) {
			t.Errorf("%s: %d %s, want 400 on media.url: %s", url, res.status, res.body, why)
		}
	}
	if n := w.hits.Load(); n != 0 {
		t.Fatalf("the internal listener got %d requests", n)
	}
	// The admin key, with the setting, may fetch from the private network:
	// the fetch succeeds and the send then meets the stopped session.
	res := w.sendMedia(adminKey, "http://127.0.0.1:"+w.port+"/cat.png")
	if p := res.problem(t); res.status != 409 || p.Code != "session_not_working" || w.hits.Load() != 1 {
		t.Fatalf("admin with --allow-private-media-urls: %d %s, %d hits", res.status, res.body, w.hits.Load())
	}
}

// TestMediaURLsPrivateOffForAdminToo: without the setting the admin key is
// refused internal addresses as well, and the answer says why.
func TestMediaURLsPrivateOffForAdminToo(t *testing.T) {
	w := newEgressWorld(t, false)
	for _, url := range []string{"http://127.0.0.1:" + w.port + "/cat.png", "http://inside.test:" + w.port + "/cat.png",
		w.origin + "/redirect?to=http://[::1]:" + w.port + "/cat.png"} {
		res := w.sendMedia(adminKey, url)
		if p := res.problem(t); res.status != 400 || p.Field != "media.url" || !strings.Contains(p.Detail, "internal address") {
			t.Errorf("%s: %d %s", url, res.status, res.body)
		}
	}
	if n := w.hits.Load(); n != 0 {
		t.Fatalf("the internal listener got %d requests", n)
	}
}

// TestScopedWebhooksNeverReachInternalAddresses: a scoped key's webhook to
// an internal address is refused when created (a literal address) or when
// delivering (a name, a redirect), and nothing reaches the listener.
func TestScopedWebhooksNeverReachInternalAddresses(t *testing.T) {
	w := newEgressWorld(t, false)
	scoped := w.scopedKey("alice").Key
	for _, url := range internalTargets(w.port, w.origin) {
		b, _ := json.Marshal(map[string]any{"url": url, "sessions": []string{"alice"}})
		res := w.do(req{method: "POST", path: "/v1/webhooks", body: string(b), key: scoped})
		if res.status == 400 {
			if p := res.problem(t); p.Field != "url" {
				t.Errorf("%s: 400 on %q, want url", url, p.Field)
			}
			continue
		}
		var wh struct{ ID string }
		if res.status != 201 || json.Unmarshal(res.body, &wh) != nil {
			t.Fatalf("%s: create %d %s", url, res.status, res.body)
		}
		var got struct {
			OK    bool
			Error string
		}
		body := w.must(200, req{method: "POST", path: fmt.Sprintf("/v1/webhooks/%s/test", wh.ID), key: scoped})
		// A redirect is a failed delivery, never followed.
		why := refusal(url, "internal")
		if strings.Contains(url, "/redirect?") {
			why = "HTTP 302"
		}
		if err := json.Unmarshal(body, &got); err != nil || got.OK || !strings.Contains(got.Error, why) {
			t.Errorf("%s: test delivery %s, want a failure: %s", url, body, why)
		}
	}
	if n := w.hits.Load(); n != 0 {
		t.Fatalf("the internal listener got %d requests", n)
	}
}
