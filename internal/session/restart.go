package session

import (
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RestartPolicy bounds how a crashing session is relaunched (DESIGN §3 rule 5).
type RestartPolicy struct {
	InitialBackoff time.Duration // first wait; default 1s
	MaxBackoff     time.Duration // cap; default 60s
	Budget         int           // failures allowed within Window; default 5
	Window         time.Duration // default 10m; a WORKING run this long resets the count
}

func (p RestartPolicy) withDefaults() RestartPolicy {
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 60 * time.Second
	}
	if p.Budget <= 0 {
		p.Budget = 5
	}
	if p.Window <= 0 {
		p.Window = 10 * time.Minute
	}
	return p
}

// restartBudget counts recent failures and computes the next backoff.
type restartBudget struct {
	policy   RestartPolicy
	failures []time.Time
	backoff  *backoff.ExponentialBackOff
}

func newRestartBudget(p RestartPolicy) *restartBudget {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = p.InitialBackoff
	b.MaxInterval = p.MaxBackoff
	b.RandomizationFactor = 0.3
	b.Multiplier = 2
	return &restartBudget{policy: p, backoff: b}
}

// fail records a failure at now and returns the wait before the next launch,
// or ok=false when the budget is spent.
func (r *restartBudget) fail(now time.Time) (wait time.Duration, ok bool) {
	cutoff := now.Add(-r.policy.Window)
	kept := r.failures[:0]
	for _, t := range r.failures {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	r.failures = append(kept, now)
	if len(r.failures) >= r.policy.Budget {
		return 0, false
	}
	return r.backoff.NextBackOff(), true
}

// healthy forgets past failures after a long healthy run.
func (r *restartBudget) healthy() {
	r.failures = r.failures[:0]
	r.backoff.Reset()
}

// count is the number of failures in the window.
func (r *restartBudget) count() int { return len(r.failures) }
