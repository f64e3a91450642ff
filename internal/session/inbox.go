package session

import (
	"context"
	"sync"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// The inbox: no message lost to a failed publish (docs/operations.md,
// "Storage faults"). A page's message, ack and revoke events are published
// in page order by one goroutine per page. A message becomes "seen" in the
// page (never reported again) only after its event is in the log; an event
// the log refuses stays in memory, bounded, and is retried in order until it
// is stored. Messages beyond the bound, and messages that arrived while the
// process was down, are read back from WhatsApp: after a gap, and whenever a
// page becomes ready, the bridge's catchUp re-reports every message of every
// chat newer than the last one logged that is not seen. The bus dedupes by
// message id.

const (
	// inboxMax bounds the events held in memory while the log refuses them.
	inboxMax = 1000
	// inboxRetryMin and inboxRetryMax bound the wait between retries of an
	// event the log refused.
	inboxRetryMin = 200 * time.Millisecond
	inboxRetryMax = 2 * time.Second
	// commitBatch is the most message ids committed as seen in one call.
	commitBatch = 50
)

// MessageLog tells what the event log holds of a session's messages. The
// events bus implements it.
type MessageLog interface {
	// LastMessageTime returns the WhatsApp timestamp (unix seconds) of the
	// newest message.received or message.sent logged for session, 0 if none.
	LastMessageTime(ctx context.Context, session string) (int64, error)
}

// DedupeID makes a message's events idempotent in the event log: publishing
// the same message twice (a retry, a catch-up) stores it once.
func (m Message) DedupeID() string { return m.ID }

// inboxItem is one event waiting to be logged.
type inboxItem struct {
	typ  string
	data any
	msg  string // message id to commit as seen once logged; "" for acks and revokes
	t    int64  // the message's timestamp
}

// inbox publishes one page's events. add never blocks the page's event loop.
type inbox struct {
	s    *sess
	page Page
	wake chan struct{} // one buffered signal: items were added or a catch-up asked

	mu      sync.Mutex
	items   []inboxItem
	queued  map[string]bool // message ids in items
	gap     bool            // an event was dropped: catch up once the log works
	catchUp bool            // a catch-up was asked (page ready)
	lastT   int64           // timestamp of the newest message logged from this page
}

// inboxes holds the inbox of each session's current page.
type inboxes struct {
	mu sync.Mutex
	by map[string]*inbox
}

// of returns the inbox of s's page, starting it (bound to ctx, the page's
// run) when the page is new.
func (in *inboxes) of(ctx context.Context, s *sess, page Page) *inbox {
	in.mu.Lock()
	defer in.mu.Unlock()
	if ib := in.by[s.id]; ib != nil && ib.page == page {
		return ib
	}
	if in.by == nil {
		in.by = map[string]*inbox{}
	}
	ib := &inbox{s: s, page: page, wake: make(chan struct{}, 1), queued: map[string]bool{}}
	in.by[s.id] = ib
	go ib.run(ctx, func() {
		in.mu.Lock()
		if in.by[s.id] == ib {
			delete(in.by, s.id)
		}
		in.mu.Unlock()
	})
	return ib
}

// add queues an event; a message already queued is not queued twice. Past
// inboxMax the event is dropped and a catch-up from WhatsApp recovers it.
func (ib *inbox) add(it inboxItem) {
	ib.mu.Lock()
	switch {
	case it.msg != "" && ib.queued[it.msg]:
	case len(ib.items) >= inboxMax:
		if !ib.gap {
			ib.s.log.Error().Int("held", inboxMax).Msg("events held in memory reached the bound; later messages will be read back from WhatsApp once the log works")
		}
		ib.gap = true
	default:
		ib.items = append(ib.items, it)
		if it.msg != "" {
			ib.queued[it.msg] = true
		}
	}
	ib.mu.Unlock()
	ib.signal()
}

// askCatchUp asks for a catch-up from WhatsApp (the page became ready).
func (ib *inbox) askCatchUp() {
	ib.mu.Lock()
	ib.catchUp = true
	ib.mu.Unlock()
	ib.signal()
}

func (ib *inbox) signal() {
	select {
	case ib.wake <- struct{}{}:
	default:
	}
}

// run publishes until the page or ctx ends; what is still held then was
// never marked seen, so the next page's catch-up reports it again.
func (ib *inbox) run(ctx context.Context, done func()) {
	defer done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ib.page.Done():
			return
		case <-ib.wake:
		}
		if !ib.drain(ctx) {
			return
		}
		ib.maybeCatchUp(ctx)
	}
}

// drain publishes every held event in order, retrying the head while the log
// refuses it; it returns false when the page or ctx ended first. Logged
// messages are committed as seen in batches (see commit).
func (ib *inbox) drain(ctx context.Context) bool {
	wait := inboxRetryMin
	failed := false
	var logged []inboxItem // published, not yet committed
	defer func() { ib.commit(ctx, logged) }()
	for {
		ib.mu.Lock()
		if len(ib.items) == 0 {
			if failed {
				ib.gap = true // messages may have arrived around the failure: check WhatsApp
			}
			ib.mu.Unlock()
			return true
		}
		it := ib.items[0]
		ib.mu.Unlock()

		err := ib.s.m.cfg.Publisher.Publish(ctx, ib.s.id, it.typ, it.data)
		if err != nil && retryable(err) {
			if !failed {
				ib.s.log.Warn().Err(err).Str("type", it.typ).Msg("event not logged; held in memory and retried")
			}
			failed = true
			ib.commit(ctx, logged)
			logged = nil
			select {
			case <-ctx.Done():
				return false
			case <-ib.page.Done():
				return false
			case <-time.After(wait):
			}
			wait = min(wait*2, inboxRetryMax)
			continue
		}
		if err != nil {
			ib.s.log.Error().Err(err).Str("type", it.typ).Msg("event dropped: the log rejects it")
		}
		ib.mu.Lock()
		ib.items = ib.items[1:]
		delete(ib.queued, it.msg)
		if err == nil && it.msg != "" {
			ib.lastT = max(ib.lastT, it.t)
		}
		ib.mu.Unlock()
		if err == nil && it.msg != "" {
			if logged = append(logged, it); len(logged) >= commitBatch {
				ib.commit(ctx, logged)
				logged = nil
			}
		}
		wait = inboxRetryMin
	}
}

// commit tells the page that the events of these messages are in the log.
// A failed commit only means they may be reported again (and deduped).
func (ib *inbox) commit(ctx context.Context, items []inboxItem) {
	if len(items) == 0 {
		return
	}
	ids := make([]string, len(items))
	var t int64
	for i, it := range items {
		ids[i], t = it.msg, max(t, it.t)
	}
	if err := ib.s.m.call(ctx, ib.page, "seen", map[string]any{"ids": ids, "t": t}, nil); err != nil {
		ib.s.log.Debug().Err(err).Int("messages", len(ids)).Msg("commit seen")
	}
}

// maybeCatchUp asks the page to report again the messages newer than the
// last one logged that are not seen, after a gap or when asked.
func (ib *inbox) maybeCatchUp(ctx context.Context) {
	ib.mu.Lock()
	gap, ready := ib.gap, ib.catchUp
	ib.gap, ib.catchUp = false, false
	since := ib.lastT
	ib.mu.Unlock()
	if !gap && !ready {
		return
	}
	logged, err := ib.lastLogged(ctx)
	if err != nil {
		ib.s.log.Warn().Err(err).Msg("read the newest logged message")
	}
	since = max(since, logged)
	// At ready with nothing logged there is nothing to catch up with: a
	// fresh link must not replay the account's history. After a gap, since 0
	// lets the page use its own watermark (it skips when it has none).
	if !gap && since == 0 {
		return
	}
	var n int
	if err := ib.s.m.call(ctx, ib.page, "catchUp", map[string]any{"since": since}, &n); err != nil {
		ib.s.log.Warn().Err(err).Msg("catch up messages from WhatsApp")
		return
	}
	if n > 0 {
		ib.s.log.Info().Int("messages", n).Int64("since", since).Msg("caught up messages whose events were not logged")
	}
}

// lastLogged returns the timestamp of the newest message the log holds for
// the session (0 when none, or without a MessageLog).
func (ib *inbox) lastLogged(ctx context.Context) (int64, error) {
	ml := ib.s.m.cfg.MessageLog
	if ml == nil {
		return 0, nil
	}
	cctx, cancel := context.WithTimeout(ctx, ib.s.m.cfg.CallTimeout)
	defer cancel()
	return ml.LastMessageTime(cctx, ib.s.id)
}

// retryable reports whether a publish may succeed later: anything but a
// rejection of the event itself.
func retryable(err error) bool {
	return apperr.CodeOf(err) != apperr.Invalid
}
