package browser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// seedFlag is the sessionStorage key that marks a tab whose localStorage
// was seeded from LaunchSpec.LocalStorage.
const seedFlag = "easy-api:seeded"

// seedJS writes %[2]s (a JSON object of strings) into localStorage when the
// document's origin is %[1]s (a JSON string) and the tab was not seeded yet.
// sessionStorage lives as long as the tab, across reloads, so a reload
// after WhatsApp purged its storage (a logout) never brings stale tokens
// back; a new browser (a relaunch) is a new tab and seeds again.
const seedJS = `try {
  if (location.origin !== %[1]s || sessionStorage.getItem(%[3]s) === '1') return;
  const kv = %[2]s;
  for (const k of Object.keys(kv)) localStorage.setItem(k, kv[k]);
  sessionStorage.setItem(%[3]s, '1');
} catch (e) {
  console.error('easy-api: seeding localStorage failed', e);
}`

// seedScript returns the init script that seeds localStorage of pageURL's
// origin with kv, once per tab, or "" when kv is empty. It runs before any
// other init script and any page script, in the top frame only.
func seedScript(pageURL string, kv map[string]string) (string, error) {
	if len(kv) == 0 {
		return "", nil
	}
	origin, err := originOf(pageURL)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(kv)
	if err != nil {
		return "", fmt.Errorf("local storage: %w", err)
	}
	o, _ := json.Marshal(origin)
	flag, _ := json.Marshal(seedFlag)
	return topFrameOnly(fmt.Sprintf(seedJS, o, data, flag)), nil
}

// originOf returns the origin of u as location.origin spells it: lower-case
// scheme and host, default port left out.
func originOf(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return "", fmt.Errorf("local storage: page URL %q has no origin", u)
	}
	scheme, host, port := strings.ToLower(p.Scheme), strings.ToLower(p.Hostname()), p.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}
