// Package app is `easy-api serve`: the settings, their checks, and one app
// of components that open, start and close in reverse order, each within
// its own timeout and all within --shutdown-timeout (caddy's lifecycle).
// cmd/easy-api's run() calls Serve; tests call it too, with Options hooks, so the
// wiring they exercise is the binary's.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// component is one long-lived part of the server. open acquires what it
// needs (files, listeners) and start sets it running; close releases it and
// must work after a failed or missing open or start (what it closes may be
// nil). close honours its context: when it ends, close cuts what is left.
type component struct {
	name    string
	open    func(ctx context.Context) error
	start   func(ctx context.Context, fail func(error)) error
	close   func(ctx context.Context) error
	timeout time.Duration // its own bound on close, within the whole
}

// app runs components: open all in order, start all in order, wait for the
// context to end or a component to fail, then close in reverse order.
type app struct {
	log      zerolog.Logger
	comps    []*component
	shutdown time.Duration // bound on the whole close
}

// errShutdownBound is the cause of a close cut by --shutdown-timeout.
var errShutdownBound = errors.New("--shutdown-timeout reached")

// forcedGrace is how long a component whose close context ended may take to
// cut what is left before the app moves on without it.
const forcedGrace = 200 * time.Millisecond

// run opens and starts every component and serves until ctx ends or a
// component reports a failure; then it closes what it opened. The error is
// the first failure, nil after a plain stop.
func (a *app) run(ctx context.Context) error {
	failed := make(chan error, 1)
	fail := func(err error) {
		select {
		case failed <- err:
		default:
		}
	}
	opened := 0
	err := func() error {
		for _, c := range a.comps {
			opened++
			if c.open != nil {
				if err := c.open(ctx); err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
			}
		}
		for _, c := range a.comps {
			if c.start != nil {
				if err := c.start(ctx, func(err error) { fail(fmt.Errorf("%s: %w", c.name, err)) }); err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
			}
		}
		return nil
	}()
	if err == nil {
		select {
		case <-ctx.Done():
		case err = <-failed:
		}
	}
	if ctx.Err() != nil && err != nil && errors.Is(err, context.Canceled) {
		err = nil // stopped while starting: not a failure
	}
	if err != nil {
		a.log.Error().Err(err).Msg("shutting down after a failure")
	} else {
		a.log.Info().Msg("shutting down")
	}
	a.closeAll(opened)
	return err
}

// closeAll closes the first n components in reverse order, each within its
// own timeout, all within the shutdown bound.
func (a *app) closeAll(n int) {
	start := time.Now()
	whole, cancel := context.WithTimeoutCause(context.Background(), a.shutdown, errShutdownBound)
	defer cancel()
	for i := n - 1; i >= 0; i-- {
		c := a.comps[i]
		if c.close == nil {
			continue
		}
		cctx, ccancel := context.WithTimeoutCause(whole, c.timeout, fmt.Errorf("%s: its close timeout (%s) passed", c.name, c.timeout))
		done := make(chan error, 1)
		go func() { done <- c.close(cctx) }()
		var err error
		select {
		case err = <-done:
		case <-cctx.Done():
			select {
			case err = <-done:
			case <-time.After(forcedGrace):
				err = fmt.Errorf("still closing, left behind: %w", context.Cause(cctx))
			}
		}
		ccancel()
		if err != nil {
			a.log.Error().Err(err).Str("component", c.name).Msg("close")
		}
	}
	a.log.Info().Dur("took", time.Since(start)).Msg("stopped")
}
