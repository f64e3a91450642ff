package browser

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

func TestOriginOf(t *testing.T) {
	cases := []struct{ url, want string }{
		{"https://web.whatsapp.com/", "https://web.whatsapp.com"},
		{"HTTPS://Web.WhatsApp.com:443/path?x=1", "https://web.whatsapp.com"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"http://localhost:80", "http://localhost"},
		{"http://[::1]:9000/", "http://[::1]:9000"},
	}
	for _, c := range cases {
		if got, err := originOf(c.url); err != nil || got != c.want {
			t.Errorf("originOf(%q) = %q, %v; want %q", c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "web.whatsapp.com", "about:blank", "::"} {
		if got, err := originOf(bad); err == nil {
			t.Errorf("originOf(%q) = %q, want an error", bad, got)
		}
	}
	if s, err := seedScript("https://web.whatsapp.com/", nil); s != "" || err != nil {
		t.Errorf("seedScript with nothing to seed = %q, %v", s, err)
	}
}

// TestLocalStorageSeed: LaunchSpec.LocalStorage is in localStorage before
// the page's first script runs, and only once per tab: after the page
// purged it (as WhatsApp does on logout) a reload does not bring it back.
func TestLocalStorageSeed(t *testing.T) {
	srv := newFakeServer(t)
	seed := map[string]string{"WABrowserId": `"abc=="`, "odd": "</script>\u2028\"'"}
	p, _ := launchSpec(t, testConfig(t), session.LaunchSpec{URL: srv.URL + "/", LocalStorage: seed})
	waitEvent(t, p, session.BridgeBoot)

	type seen struct {
		LS  *string `json:"ls"`
		Odd *string `json:"odd"`
	}
	const read = `new Promise(r => { const f = () => window.__order ? r({ls: window.__order.ls, odd: localStorage.getItem('odd')}) : setTimeout(f, 10); f(); })`
	var first seen
	evalJSON(t, p, read, &first)
	if first.LS == nil || *first.LS != seed["WABrowserId"] || first.Odd == nil || *first.Odd != seed["odd"] {
		t.Fatalf("the page's first script saw %+v, want the seeded values", first)
	}

	ctx, cancel := context.WithTimeout(t.Context(), pageDeadline)
	defer cancel()
	_ = p.Eval(ctx, `localStorage.clear(); setTimeout(() => location.reload(), 0)`)
	waitEvent(t, p, session.BridgeBoot)
	var second seen
	evalJSON(t, p, read, &second)
	if second.LS != nil || second.Odd != nil {
		t.Errorf("after a reload the page saw %+v, want localStorage left empty", second)
	}
}

// TestSeedScriptChecksOrigin: the script seeds only documents of the page
// URL's origin, and carries the values as a JSON object.
func TestSeedScriptChecksOrigin(t *testing.T) {
	src, err := seedScript("https://web.whatsapp.com/", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(src, `location.origin !== "https://web.whatsapp.com"`) {
		t.Errorf("seed script does not check the origin:\n%s", src)
	}
	var kv map[string]string
	i := strings.Index(src, "const kv = ")
	j := strings.Index(src[i:], ";\n")
	if err := json.Unmarshal([]byte(src[i+len("const kv = "):i+j]), &kv); err != nil || kv["k"] != "v" {
		t.Errorf("seeded object = %v, %v", kv, err)
	}
}
