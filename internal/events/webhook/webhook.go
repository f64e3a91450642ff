// Package webhook delivers the event log to HTTP receivers (DESIGN §8).
//
// Each webhook is a record in the JetStream KV bucket "webhooks" and one
// durable pull consumer on the EVENTS stream filtered by the webhook's
// sessions and types. Delivery is at-least-once and in event-id order
// (MaxAckPending 1): an event is in the stream before any delivery starts, an
// unacknowledged event is redelivered after a crash, retries are the
// consumer's own redeliveries (NakWithDelay, honouring Retry-After), and an
// event that exhausts its attempts or is refused for good is dead-lettered
// (kept, listed, retryable). Requests are signed per the Standard Webhooks
// specification. A webhook that fails continuously for a configurable window
// is disabled and a webhook.disabled event is published.
package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/egress"
	"github.com/easy-api/easy-api/internal/events"
)

// Webhook is a webhook as clients see it. Secret is only set in the answer
// to a create (or a create-time EnsureGlobal): it is never shown again.
type Webhook struct {
	ID       string            `json:"id" example:"wh_3kq9d0v7x2m4p8r1t6yb"`
	URL      string            `json:"url" example:"https://example.com/hooks/whatsapp"`
	Sessions []string          `json:"sessions" example:"alice"`
	Types    []string          `json:"types" example:"message.received"`
	Headers  map[string]string `json:"headers"`
	Enabled  bool              `json:"enabled" example:"true"`
	Secret   string            `json:"secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"`
	// Retry is the effective retry schedule.
	Retry Retry `json:"retry"`
	// Ordered delivers one event at a time in id order; false delivers up
	// to MaxInFlight at once, in no particular order.
	Ordered        bool       `json:"ordered" example:"true"`
	MaxInFlight    int        `json:"max_in_flight" example:"1"`
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Input is the body of a create (URL required) or a PATCH (every field
// optional; a present field replaces the stored one). Empty or ["*"]
// sessions / types mean all.
type Input struct {
	URL      *string            `json:"url,omitempty" example:"https://example.com/hooks/whatsapp"`
	Secret   *string            `json:"secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"`
	Sessions *[]string          `json:"sessions,omitempty"`
	Types    *[]string          `json:"types,omitempty"`
	Headers  *map[string]string `json:"headers,omitempty"`
	Enabled  *bool              `json:"enabled,omitempty"`
	// Retry replaces the retry schedule; its absent fields take the
	// defaults.
	Retry *Retry `json:"retry,omitempty"`
	// Ordered false lets deliveries run concurrently (see MaxInFlight)
	// when the receiver does not need id order. Default true.
	Ordered *bool `json:"ordered,omitempty" example:"true"`
	// MaxInFlight bounds concurrent deliveries of an unordered webhook:
	// 1 to 100, default 10. Ignored while ordered.
	MaxInFlight *int `json:"max_in_flight,omitempty" example:"10"`
}

// record is what the "webhooks" bucket stores.
type record struct {
	ID             string            `json:"id"`
	URL            string            `json:"url"`
	Sessions       []string          `json:"sessions"`
	Types          []string          `json:"types"`
	Headers        map[string]string `json:"headers"`
	Secret         string            `json:"secret"`
	Enabled        bool              `json:"enabled"`
	StartSeq       uint64            `json:"start_seq"`               // first event id the consumer delivers
	Retry          *Retry            `json:"retry,omitempty"`         // as the client set it
	Unordered      bool              `json:"unordered,omitempty"`     // ordered is the default
	MaxInFlight    int               `json:"max_in_flight,omitempty"` // 0: DefaultMaxInFlight
	FailingSince   *time.Time        `json:"failing_since,omitempty"`
	DisabledReason string            `json:"disabled_reason,omitempty"`
	// Restricted marks a webhook created or changed by a scoped key: its
	// deliveries never reach internal addresses (see package egress).
	Restricted bool      `json:"restricted,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// view is the webhook as clients see it; def is the server's retry
// schedule for webhooks that set none.
func (r *record) view(def Retry) Webhook {
	return Webhook{
		ID: r.ID, URL: r.URL, Sessions: nonNil(r.Sessions), Types: nonNil(r.Types),
		Headers: redactHeaders(r.Headers), Enabled: r.Enabled, Retry: r.retry(def),
		Ordered: !r.Unordered, MaxInFlight: r.inFlight(), FailingSince: r.FailingSince,
		DisabledReason: r.DisabledReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Limits of concurrent deliveries of an unordered webhook.
const (
	DefaultMaxInFlight = 10
	maxInFlight        = 100
)

// inFlight is how many deliveries may run at once: 1 while ordered.
func (r *record) inFlight() int {
	switch {
	case !r.Unordered:
		return 1
	case r.MaxInFlight == 0:
		return DefaultMaxInFlight
	}
	return r.MaxInFlight
}

// retry is the effective schedule: the fields the client set over def.
func (r *record) retry(def Retry) Retry {
	p := def
	if c := r.Retry; c != nil {
		if c.Policy != "" {
			p.Policy = c.Policy
		}
		if c.Delay != 0 {
			p.Delay = c.Delay
		}
		if c.MaxDelay != 0 {
			p.MaxDelay = c.MaxDelay
		}
		if c.Attempts != 0 {
			p.Attempts = c.Attempts
		} else if c.Policy != "" || c.Delay != 0 || c.MaxDelay != 0 {
			p.Attempts = 0 // a new shape: as many attempts as fit in 24 h
		}
		if p.MaxDelay < p.Delay {
			p.MaxDelay = p.Delay
		}
	}
	return p.resolved()
}

func (r *record) filter() events.Filter {
	return events.Filter{Sessions: r.Sessions, Types: r.Types}
}

// redactHeaders shows the custom headers' names, never their values: they
// often carry the receiver's credentials.
func redactHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k := range h {
		out[k] = "[redacted]"
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apply validates in and copies its present fields onto r.
func (in Input) apply(r *record) error {
	if in.URL != nil {
		u, err := checkURL(*in.URL)
		if err != nil {
			return err
		}
		r.URL = u
	}
	if in.Secret != nil {
		if _, err := parseSecret(*in.Secret); err != nil {
			return err
		}
		r.Secret = *in.Secret
	}
	if in.Sessions != nil {
		r.Sessions = all(*in.Sessions)
	}
	if in.Types != nil {
		r.Types = all(*in.Types)
	}
	if err := r.filter().Validate(); err != nil {
		return bodyFields(err)
	}
	if in.Headers != nil {
		if err := checkHeaders(*in.Headers); err != nil {
			return err
		}
		r.Headers = *in.Headers
	}
	if in.Retry != nil {
		if err := in.Retry.validate(); err != nil {
			return err
		}
		p := *in.Retry
		r.Retry = &p
	}
	if in.Ordered != nil {
		r.Unordered = !*in.Ordered
	}
	if in.MaxInFlight != nil {
		if n := *in.MaxInFlight; n < 1 || n > maxInFlight {
			return apperr.Field("max_in_flight", "want 1 to %d, got %d", maxInFlight, n)
		}
		r.MaxInFlight = *in.MaxInFlight
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
		if r.Enabled {
			r.DisabledReason, r.FailingSince = "", nil
		}
	}
	return nil
}

// all returns the sorted, deduplicated list, or nil when it is empty or
// holds "*".
func all(list []string) []string {
	if slices.Contains(list, "*") || len(list) == 0 {
		return nil
	}
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}

const maxURLLen = 2048

// checkURL accepts absolute http(s) URLs with a host and no credentials
// (credentials belong in headers, which are not shown in events).
func checkURL(raw string) (string, error) {
	if len(raw) > maxURLLen {
		return "", apperr.Field("url", "longer than %d characters", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", apperr.Field("url", "not a URL: %v", err)
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", apperr.Field("url", "scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return "", apperr.Field("url", "has no host")
	}
	if u.User != nil {
		return "", apperr.Field("url", "must not carry credentials; use headers")
	}
	return u.String(), nil
}

// redactURL drops the query and fragment, which may carry tokens, for use in
// event payloads.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

var tokenPattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// reservedHeaders are set by the transport or by signing and cannot be
// overridden (lower case).
var reservedHeaders = []string{
	"host", "content-length", "content-type", "transfer-encoding", "connection",
	"keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
	"te", "trailer", "upgrade", "expect", "user-agent",
}

const (
	maxHeaders        = 32
	maxHeaderValueLen = 4096
)

// checkHeaders rejects header names that are not HTTP tokens or are
// reserved, and values with control characters (header injection).
func checkHeaders(h map[string]string) error {
	if len(h) > maxHeaders {
		return apperr.Field("headers", "at most %d headers", maxHeaders)
	}
	for name, value := range h {
		lower := strings.ToLower(name)
		switch {
		case !tokenPattern.MatchString(name):
			return apperr.Field("headers", "%q is not a valid header name", name)
		case slices.Contains(reservedHeaders, lower), strings.HasPrefix(lower, "webhook-"):
			return apperr.Field("headers", "%q is reserved", name)
		case len(value) > maxHeaderValueLen:
			return apperr.Field("headers", "value of %q is longer than %d bytes", name, maxHeaderValueLen)
		}
		for _, c := range []byte(value) {
			if (c < 0x20 && c != '\t') || c == 0x7f {
				return apperr.Field("headers", "value of %q contains a control character", name)
			}
		}
	}
	return nil
}

// Delivery is the state of one event's delivery to one webhook. Its ID (the
// "did" of the retry route) is the event id.
type Delivery struct {
	ID            string     `json:"id" example:"1042"`
	EventID       uint64     `json:"event_id" example:"1042"`
	EventType     string     `json:"event_type" example:"message.received"`
	Session       string     `json:"session" example:"alice"`
	Status        string     `json:"status" example:"delivered" enums:"delivered,retrying,dead"`
	Attempts      int        `json:"attempts" example:"1"`
	StatusCode    int        `json:"last_status_code,omitempty" example:"200"`
	LatencyMS     float64    `json:"latency_ms" example:"12.5"`
	Error         string     `json:"error,omitempty"`
	At            time.Time  `json:"at"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// Delivery statuses.
const (
	StatusDelivered = "delivered"
	StatusRetrying  = "retrying"
	StatusDead      = "dead"
)

func deliveryID(eventID uint64) string { return fmt.Sprint(eventID) }

// checkEgress refuses, for a restricted webhook, a URL whose host is an
// internal IP address; names are checked when dialled.
func (r *record) checkEgress() error {
	if !r.Restricted {
		return nil
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil // apply has validated it already
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && egress.Refused(ip) {
		return apperr.Field("url", "%s is an internal address; only the admin key may point a webhook there", ip)
	}
	return nil
}

// bodyFields renames the query-parameter fields of a Filter error (session,
// type) to the body fields a webhook has (sessions, types).
func bodyFields(err error) error {
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok || (e.Field != "session" && e.Field != "type") {
		return err
	}
	out := *e
	out.Field = e.Field + "s"
	if rest, ok := strings.CutPrefix(e.Detail, e.Field+":"); ok {
		out.Detail = out.Field + ":" + rest
	}
	return &out
}
