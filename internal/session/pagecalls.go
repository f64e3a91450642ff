package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// call runs a bridge call bounded by CallTimeout and maps its errors.
func (m *Manager) call(ctx context.Context, page Page, method string, args, result any) error {
	return m.callWithin(ctx, m.cfg.CallTimeout, page, method, args, result)
}

// callWithin is call bounded by timeout instead.
func (m *Manager) callWithin(ctx context.Context, timeout time.Duration, page Page, method string, args, result any) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := page.Call(cctx, method, args, result)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrCallTimeout), errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(err, apperr.Timeout, "the page did not answer %s within %s", method, timeout)
	default:
		return apperr.Wrap(err, apperr.Unavailable, "%s failed in the page", method)
	}
}

// Me returns the host account of a session that has been linked.
func (m *Manager) Me(ctx context.Context, id string) (Account, error) {
	rec, s, err := m.lookup(ctx, id)
	if err != nil {
		return Account{}, err
	}
	if rec.Me == nil {
		st, _, _, _, _ := s.snapshot()
		return Account{}, &apperr.Error{Code: apperr.NotWorking,
			Detail: fmt.Sprintf("session %q is %s and has no linked account", id, st)}
	}
	return *rec.Me, nil
}

// Screenshot returns a PNG of a running session's page.
func (m *Manager) Screenshot(ctx context.Context, id string) ([]byte, error) {
	_, s, err := m.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	page := s.currentPage()
	if page == nil {
		st, _, _, _, _ := s.snapshot()
		return nil, &apperr.Error{Code: apperr.NotRunning, Detail: fmt.Sprintf("session %q is %s; it has no page", id, st)}
	}
	cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
	defer cancel()
	png, err := page.Screenshot(cctx)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "screenshot failed")
	}
	return png, nil
}
