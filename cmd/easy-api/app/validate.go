package app

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/session"
)

// checker collects setting errors, each naming the setting, where it came
// from and the rule it breaks.
type checker struct {
	src  sources
	errs []error
}

func (k *checker) fail(name string, value any, rule string, args ...any) {
	k.errs = append(k.errs, fmt.Errorf("%s: %v: %s", k.src.of(name), value, fmt.Sprintf(rule, args...)))
}

func (k *checker) positive(name string, d time.Duration) {
	if d <= 0 {
		k.fail(name, d, "must be more than 0")
	}
}

func (k *checker) notNegative(name string, d time.Duration, zero string) {
	if d < 0 {
		k.fail(name, d, "must not be negative (0 = %s)", zero)
	}
}

func (k *checker) atLeast(name string, v, least int64) {
	if v < least {
		k.fail(name, v, "must be at least %d", least)
	}
}

func (k *checker) oneOf(name, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	k.fail(name, strconv.Quote(v), "must be one of %s", strings.Join(allowed, ", "))
}

// resolve fills the settings read from elsewhere (the admin key from a file
// or EASY_API_KEY) and checks every setting, so a bad one stops the server
// before it opens anything, naming the setting and where it came from.
func (c *serveConfig) resolve(getenv func(string) string, src sources) error {
	sec := &c.security
	if err := sec.resolve(getenv, src); err != nil {
		return err
	}
	k := &checker{src: src}
	c.checkNetwork(k)
	c.checkSessions(k)
	c.checkLimits(k)
	c.checkEvents(k)
	c.cluster.check(k, max(session.RawMaxTimeout, c.MediaFetchTimeout, c.CloseTimeout))
	k.oneOf("store-sync", c.StoreSync, "default", "always")
	k.oneOf("log-level", c.LogLevel, "trace", "debug", "info", "warn", "error")
	k.oneOf("log-format", c.LogFormat, "json", "pretty", "auto")
	if c.DataPath == "" {
		k.fail("session-data-path", `""`, "must name a folder")
	}
	if err := errors.Join(k.errs...); err != nil {
		return err
	}
	return sec.checkExposure(c.Host)
}

func (c *serveConfig) checkNetwork(k *checker) {
	if c.Host != "" && net.ParseIP(c.Host) == nil && !validHostname(c.Host) {
		k.fail("host", strconv.Quote(c.Host), "must be an IP address or a host name")
	}
	if p, err := strconv.Atoi(c.Port); err != nil || p < 0 || p > 65535 {
		k.fail("port", strconv.Quote(c.Port), "must be a port number from 0 to 65535 (0 = any free port)")
	}
	if c.Simulator {
		if _, _, err := net.SplitHostPort(c.SimulatorAddr); err != nil {
			k.fail("simulator-addr", strconv.Quote(c.SimulatorAddr), "must be host:port")
		}
	}
	if u, err := url.Parse(c.WAURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		k.fail("wa-url", strconv.Quote(c.WAURL), "must be an absolute http(s) URL")
	}
	for _, pin := range c.SPKIPins {
		if b, err := base64.StdEncoding.DecodeString(pin); err != nil || len(b) != 32 {
			k.fail("ignore-cert-spki", strconv.Quote(pin), "must be the base64 of a SHA-256 hash (32 bytes)")
		}
	}
	for _, o := range c.AllowedOrigins {
		if o != "*" && !validOrigin(o) {
			k.fail("allowed-origins", strconv.Quote(o), `must be * or an origin such as https://app.example`)
		}
	}
	for _, o := range c.security.CORSOrigins {
		if o != "*" && !validOrigin(o) {
			k.fail("cors-origins", strconv.Quote(o), `must be * or an origin such as https://app.example`)
		}
	}
}

func (c *serveConfig) checkSessions(k *checker) {
	k.positive("auth-timeout", c.AuthTimeout)
	k.notNegative("qr-timeout", c.QRTimeout, "never")
	k.atLeast("qr-max", int64(c.QRMax), 0)
	if c.MaxSessionMemory < 0 {
		k.fail("max-session-memory", c.MaxSessionMemory, "must not be negative (0 = no limit)")
	}
	if n := utf8.RuneCountInString(c.RejectCallsMessage); n > session.MaxRejectMessage {
		k.fail("reject-calls-message", fmt.Sprintf("%d characters", n), "must be at most %d characters", session.MaxRejectMessage)
	}
	k.atLeast("max-concurrent-launches", int64(c.MaxConcurrentLaunches), 1)
	k.positive("close-timeout", c.CloseTimeout)
	k.positive("sample-interval", c.SampleInterval)
	k.notNegative("recycle-after", c.RecycleAfter, "never")
	k.notNegative("snapshot-settle", c.Refresh.Settle, "not on settle")
	k.notNegative("snapshot-min-interval", c.Refresh.MinInterval, "no minimum")
	k.notNegative("snapshot-max-age", c.Refresh.MaxAge, "no bound")
	if c.ShutdownTimeout*2 < c.CloseTimeout*3 {
		k.fail("shutdown-timeout", c.ShutdownTimeout, "must be at least 1.5 × --close-timeout (%s) so browsers close gracefully", c.CloseTimeout)
	}
	if c.SessionID != "" {
		if err := session.ValidateID(c.SessionID); err != nil {
			k.fail("session-id", strconv.Quote(c.SessionID), "must match %s", `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
		}
	}
}

func (c *serveConfig) checkLimits(k *checker) {
	sec := &c.security
	k.atLeast("auth-failures", int64(sec.AuthFailures), 1)
	k.atLeast("max-body-bytes", int64(sec.MaxBodyBytes), 1)
	k.atLeast("max-data-bytes", int64(sec.MaxDataBytes), 1)
	k.atLeast("max-media-bytes", int64(c.MaxMediaBytes), 1)
	k.positive("media-fetch-timeout", c.MediaFetchTimeout)
	k.positive("read-header-timeout", sec.ReadHeaderTimeout)
	k.positive("read-timeout", sec.ReadTimeout)
	k.positive("write-timeout", sec.WriteTimeout)
	k.positive("idle-timeout", sec.IdleTimeout)
}

func (c *serveConfig) checkEvents(k *checker) {
	k.positive("event-retention", c.EventRetention)
	k.atLeast("event-max", c.EventMax, 1)
	for _, w := range c.Webhooks {
		if u, err := url.Parse(w); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			k.fail("webhook", strconv.Quote(w), "must be an absolute http(s) URL")
		}
	}
	if c.WebhookSecret != "" {
		// The secret itself is never echoed.
		if _, err := webhook.Sign(c.WebhookSecret, "check", time.Unix(0, 0), nil); err != nil {
			rule := err.Error()
			if ae, ok := errors.AsType[*apperr.Error](err); ok {
				rule = strings.TrimPrefix(ae.Detail, "secret: ")
			}
			k.fail("webhook-secret", "(secret)", "%s (want whsec_<base64 of 24 to 64 bytes>)", rule)
		}
	}
}

// validHostname accepts DNS names such as localhost or api.example.com.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// validOrigin accepts scheme://host[:port] with nothing after it.
func validOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && u.Scheme != "" && u.Host != "" && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.User == nil
}
