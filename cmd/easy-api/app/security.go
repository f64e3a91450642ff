package app

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// securityConfig holds the settings of authentication, request limits and
// HTTP timeouts.
type securityConfig struct {
	APIKey            string
	APIKeyFile        string
	InsecureNoAuth    bool
	MetricsPublic     bool
	AuthFailures      int
	TrustedProxies    listFlag
	CORSOrigins       listFlag
	MaxBodyBytes      session.ByteSize
	MaxDataBytes      session.ByteSize
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	PrintConfig       bool
}

func (c *securityConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.APIKey, "api-key", "", "admin API key: required on every route but /healthz, /readyz and /api-docs (env EASY_API_API_KEY, or EASY_API_KEY)")
	fs.StringVar(&c.APIKeyFile, "api-key-file", "", "read the admin API key from this file (e.g. a mounted secret)")
	fs.BoolVar(&c.InsecureNoAuth, "insecure-no-auth", false, "allow listening on a non-loopback address without an API key")
	fs.BoolVar(&c.MetricsPublic, "metrics-public", false, "serve /metrics without the API key")
	fs.IntVar(&c.AuthFailures, "auth-failures", 20, "failed authentications per client address per minute before it gets 429")
	fs.Var(&c.TrustedProxies, "trusted-proxies", "proxies (IPs or CIDRs) whose X-Forwarded-For names the client address; repeatable")
	fs.Var(&c.CORSOrigins, "cors-origins", "origins allowed to call the API from a browser (* = any); default none (CORS off); repeatable")
	c.MaxBodyBytes, c.MaxDataBytes = 1<<20, 64<<20
	fs.Var(&c.MaxBodyBytes, "max-body-bytes", "largest JSON request body (messages with media take the media limit), e.g. 1MiB")
	fs.Var(&c.MaxDataBytes, "max-data-bytes", "largest session data file a PUT .../data may import, e.g. 64MiB")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "bound on reading a request's headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 60*time.Second, "bound on reading a whole request, body included")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 120*time.Second, "bound on writing a response (streams extend it per write)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	fs.BoolVar(&c.PrintConfig, "print-config", false, "check every setting, print them as JSON that --config accepts (secrets left out) and exit")
}

// resolve fills the admin key from --api-key-file or EASY_API_KEY, and
// checks the settings, naming each by where it came from.
func (c *securityConfig) resolve(getenv func(string) string, src sources) error {
	keyFrom := src.of("api-key")
	if c.APIKey == "" && c.APIKeyFile != "" {
		b, err := os.ReadFile(c.APIKeyFile)
		if err != nil {
			return fmt.Errorf("%s: %w", src.of("api-key-file"), err)
		}
		if c.APIKey = strings.TrimSpace(string(b)); c.APIKey == "" {
			return fmt.Errorf("%s: %s is empty", src.of("api-key-file"), c.APIKeyFile)
		}
		keyFrom = src.of("api-key-file")
	}
	if c.APIKey == "" {
		c.APIKey, keyFrom = getenv("EASY_API_KEY"), "EASY_API_KEY"
	}
	if c.APIKey != "" && len(c.APIKey) < 16 {
		return fmt.Errorf("%s: the key must be at least 16 characters (e.g. openssl rand -hex 24)", keyFrom)
	}
	if _, err := c.proxies(); err != nil {
		return fmt.Errorf("%s: %w", src.of("trusted-proxies"), err)
	}
	return nil
}

// proxies parses --trusted-proxies.
func (c *securityConfig) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.TrustedProxies {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not an IP or CIDR", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// checkExposure refuses to serve without a key on an address others can
// reach, unless told to.
func (c *securityConfig) checkExposure(host string) error {
	if c.APIKey != "" || c.InsecureNoAuth || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q without an API key: anyone who reaches it could use your WhatsApp sessions. "+
		"Set --api-key (or EASY_API_API_KEY, --api-key-file), listen on 127.0.0.1, or pass --insecure-no-auth", host)
}

// isLoopback reports whether host (a --host value) is a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newHTTPServer is the server of handler with the configured timeouts.
// They bound ordinary requests; streams outlive them (net/http lifts the
// read deadline once a request is read, and the stream handlers move the
// write deadline forward on every write).
func (c *securityConfig) newHTTPServer(handler http.Handler) *http.Server {
	return &http.Server{Handler: handler, ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: c.ReadTimeout,
		WriteTimeout: c.WriteTimeout, IdleTimeout: c.IdleTimeout, MaxHeaderBytes: 64 << 10}
}
