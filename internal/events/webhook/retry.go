package webhook

import (
	"math/rand/v2"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/jsonbody"
)

// Retry policies.
const (
	Exponential = "exponential" // delay, 2×delay, 4×delay, … up to max_delay
	Linear      = "linear"      // delay, 2×delay, 3×delay, … up to max_delay
	Constant    = "constant"    // delay every time
)

// Defaults of a webhook's retry schedule: a receiver that comes back within a
// minute gets its backlog within a minute, and an event is retried for a day
// before it is dead-lettered.
const (
	DefaultRetryDelay    = time.Second
	DefaultRetryMaxDelay = time.Minute
	DefaultRetryWindow   = 24 * time.Hour
)

// Limits of a retry schedule a client may ask for.
const (
	minRetryDelay = 100 * time.Millisecond
	maxRetryDelay = 24 * time.Hour
	maxAttempts   = 100_000
)

// Retry is a webhook's retry schedule: after failed attempt n the event is
// redelivered (by its JetStream consumer, NakWithDelay) after the policy's
// delay for n, at most MaxDelay, minus up to 20 % jitter so webhooks that
// fail together do not retry in lockstep; a Retry-After from the receiver
// wins. After Attempts attempts the event is dead-lettered. In a request,
// absent fields take the defaults (exponential from 1 s, capped at 1 min,
// attempts spanning 24 h).
type Retry struct {
	Policy   string            `json:"policy" enums:"exponential,linear,constant" example:"exponential"`
	Delay    jsonbody.Duration `json:"delay" swaggertype:"string" example:"1s"`
	MaxDelay jsonbody.Duration `json:"max_delay" swaggertype:"string" example:"1m0s"`
	// Attempts counts every attempt, the first included. Default: as many
	// as the schedule fits in 24 h (1,446 with the default schedule).
	Attempts int `json:"attempts" example:"1446"`
} // @name WebhookRetry

// resolved fills in the defaults of the fields a client left out.
func (p Retry) resolved() Retry {
	if p.Policy == "" {
		p.Policy = Exponential
	}
	if p.Delay == 0 {
		p.Delay = jsonbody.Duration(DefaultRetryDelay)
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = jsonbody.Duration(max(DefaultRetryMaxDelay, p.Delay.D()))
	}
	if p.Attempts == 0 {
		p.Attempts = p.attemptsWithin(DefaultRetryWindow)
	}
	return p
}

// validate checks a schedule a client sent (before resolving it).
func (p Retry) validate() error {
	switch p.Policy {
	case "", Exponential, Linear, Constant:
	default:
		return apperr.Field("retry.policy", "want exponential, linear or constant, got %q", p.Policy)
	}
	if d := p.Delay.D(); d != 0 && (d < minRetryDelay || d > maxRetryDelay) {
		return apperr.Field("retry.delay", "want %s to %s, got %s", minRetryDelay, maxRetryDelay, d)
	}
	if d := p.MaxDelay.D(); d != 0 && (d < max(minRetryDelay, p.Delay.D()) || d > maxRetryDelay) {
		return apperr.Field("retry.max_delay", "want delay (%s) to %s, got %s", max(minRetryDelay, p.Delay.D()), maxRetryDelay, d)
	}
	if p.Attempts < 0 || p.Attempts > maxAttempts {
		return apperr.Field("retry.attempts", "want 1 to %d (0 or absent: as many as fit in 24 h), got %d", maxAttempts, p.Attempts)
	}
	return nil
}

// delay is the schedule's wait after failed attempt n (≥ 1), before jitter.
func (p Retry) delay(n int) time.Duration {
	base, limit := p.Delay.D(), p.MaxDelay.D()
	n = max(n, 1)
	var d time.Duration
	switch p.Policy {
	case Linear:
		d = base * time.Duration(min(n, int(limit/base)+1))
	case Constant:
		d = base
	default:
		d = base
		for i := 1; i < n && d < limit; i++ {
			d *= 2
		}
	}
	return min(d, limit)
}

// jittered is delay(n) minus up to 20 %: never later than the schedule says.
func (p Retry) jittered(n int) time.Duration {
	d := p.delay(n)
	return d - time.Duration(0.2*rand.Float64()*float64(d))
}

// attemptsWithin is how many attempts the schedule makes before its waits
// add up to window.
func (p Retry) attemptsWithin(window time.Duration) int {
	var total time.Duration
	n := 1
	for total < window && n < maxAttempts {
		total += p.delay(n)
		n++
	}
	return n
}

// Schedule returns the first n waits of the schedule (before jitter), for
// documentation and tests.
func (p Retry) Schedule(n int) []time.Duration {
	p = p.resolved()
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = p.delay(i + 1)
	}
	return out
}
