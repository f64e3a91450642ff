package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/easy-api/easy-api/internal/apperr"
)

// The store on an operator's NATS (Config.URL, --nats-url). Credentials
// travel in the URL, as nats.go reads them: nats://user:password@host:4222
// or nats://token@host:4222; tls:// asks for TLS, checked against the
// system's roots. Every URL the store logs or returns in an error has its
// password or token masked.
//
// The NATS may be down when the node boots or go away later. At boot Open
// waits for it as long as it takes (or Config.QuorumTimeout), logging why
// every waitLogEvery, so a node started before its NATS is not restarted in
// a loop; later the connection reconnects forever while Ready reports the
// outage, and everything built on the connection carries on once it is back.

// Open logs that it waits for JetStream after waitLogFirst, then every
// waitLogEvery.
const (
	waitLogFirst = 2 * time.Second
	waitLogEvery = 15 * time.Second
)

// openRemote is Open on an existing NATS server or cluster: no embedded
// server, no directory lock, no disk healing (the operator's servers own
// their disks).
func openRemote(ctx context.Context, cfg Config) (_ *Store, err error) {
	s := &Store{cfg: cfg, health: newHealth(cfg.Log), closed: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	masked := redactURLs(cfg.URL)
	s.nc, err = nats.Connect(cfg.URL,
		nats.Name("easy-api"),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.ClosedHandler(func(*nats.Conn) { close(s.closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			cfg.Log.Warn().Err(err).Str("nats", masked).Msg("store: connection to NATS lost; reconnecting (readiness fails meanwhile)")
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				msg := redactURLs(err.Error())
				s.dialErr.Store(&msg)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			cfg.Log.Info().Str("nats", nc.ConnectedUrlRedacted()).Msg("store: reconnected to NATS")
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("store: connect to NATS at %s: %s", masked, redactURLs(err.Error()))
	}
	return s, s.openBuckets(ctx)
}

// quorumTimeout is the bound of Open's wait for JetStream; 0 means none.
func (s *Store) quorumTimeout() time.Duration {
	switch {
	case s.cfg.QuorumTimeout > 0:
		return s.cfg.QuorumTimeout
	case s.cfg.URL != "":
		return 0
	}
	return time.Minute
}

// remoteReady is Ready on an operator's NATS: the connection is up.
func (s *Store) remoteReady() error {
	if s.nc != nil && s.nc.IsConnected() {
		return nil
	}
	cause := "no connection yet"
	if msg := s.dialErr.Load(); msg != nil {
		cause = *msg
	}
	if s.nc != nil && s.nc.LastError() != nil {
		cause = redactURLs(s.nc.LastError().Error())
	}
	return apperr.E(apperr.Unavailable, "the store's NATS at %s does not answer (%s); reconnecting", redactURLs(s.cfg.URL), cause)
}

// redactURLs masks the password or token of every nats URL in s, a
// comma-separated list or a text quoting one.
func redactURLs(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '"' || r == '\'' })
	for _, f := range fields {
		u, err := url.Parse(f)
		if err != nil || u.User == nil || u.Host == "" {
			continue
		}
		if _, hasPass := u.User.Password(); hasPass {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		} else {
			u.User = url.User("xxxxx") // a token
		}
		s = strings.ReplaceAll(s, f, u.String())
	}
	return s
}
