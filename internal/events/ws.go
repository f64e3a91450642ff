package events

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket godoc
//
//	@Summary		Live events over WebSocket
//	@ID				streamEventsWebSocket
//	@Description	Upgrades to a WebSocket that sends one JSON text frame per event envelope {id, session, type, time, data}, in id order. With `since` it first replays stored events after that id, then goes live with no gap and no duplicate. The server pings; answer pongs. A client that falls too far behind is closed with code 1013 and a reason naming the last id it was sent: reconnect with `since` = that id. Browsers may pass the API key as `?api_key=`.
//	@Tags			events
//	@Param			session	query	[]string	false	"session ids (repeatable or comma-separated; * = all)"	collectionFormat(multi)
//	@Param			type	query	[]string	false	"event types (repeatable or comma-separated; * = all)"	collectionFormat(multi)
//	@Param			since	query	int			false	"replay events with ids after this one first"
//	@Success		101		"Switching Protocols"
//	@Failure		400		{object}	api.Problem	"not a WebSocket upgrade; unknown type, bad session id or since"
//	@Failure		403		{object}	api.Problem	"a browser page from an origin the server does not allow (--allowed-origins)"
//	@Failure		404		{object}	api.Problem	"a scoped key, and a requested session is outside its scope"
//	@Failure		410		{object}	api.Problem	"since is older than the retained log: resync"
//	@Security		ApiKeyAuth
//	@Router			/v1/ws [get]
func (h *Handlers) WebSocket(w http.ResponseWriter, r *http.Request) error {
	f, since, err := streamRequest(r, "")
	if err != nil {
		return err
	}
	sub, err := h.cfg.Bus.Subscribe(r.Context(), f, since)
	if err != nil {
		return err
	}
	defer sub.Close()
	hj := &hijacker{ResponseWriter: w}
	conn, err := h.upgrader.Upgrade(hj, r, nil)
	if err != nil {
		return nil // Upgrade has answered the client already
	}
	defer h.track("ws")()
	var last uint64
	if since != nil {
		last = *since
	}
	h.serveWS(conn, hj.conn, sub, last, keyFrom(r.Context()).check)
	return nil
}

// flushDelay is how long frames may wait for company when events come
// faster than one per flushDelay: a subscriber at low rate gets each event
// at once, one under load gets them in batches (one write call for many
// frames) at most this much later.
const flushDelay = time.Millisecond

// CloseKeyRevoked is the WebSocket close code sent when the stream's API key
// was revoked (4000–4999 are for applications).
const CloseKeyRevoked = 4401

// serveWS writes sub's events to conn (whose transport is bc) until the client leaves, the
// subscription ends or a write fails. It owns three goroutines: itself
// (writer), a reader that answers control frames and notices the client
// leaving, and a pinger; it returns only when all have stopped.
func (h *Handlers) serveWS(conn *websocket.Conn, bc *batchConn, sub *Subscription, last uint64, valid KeyCheck) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		conn.Close()
		wg.Wait()
	}()
	ping, wt := h.cfg.PingInterval, h.cfg.WriteTimeout

	readerDone := make(chan struct{})
	conn.SetReadLimit(4096)
	_ = conn.SetReadDeadline(time.Now().Add(2 * ping))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(2 * ping)) })
	wg.Go(func() {
		defer close(readerDone)
		defer cancel()
		for {
			// Client frames carry nothing we act on; reading them runs
			// the ping, pong and close handlers.
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	})
	wg.Go(func() {
		t := time.NewTicker(ping)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !valid(ctx) {
					_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseKeyRevoked, "API key revoked"), time.Now().Add(wt))
					cancel()
					return
				}
				if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wt)); err != nil {
					cancel()
					return
				}
			}
		}
	})

	var code int
	var reason string
	var lastFlush time.Time
	unflushed := false
	linger := time.NewTimer(time.Hour)
	defer linger.Stop()
	for {
		var wait <-chan time.Time
		if unflushed {
			linger.Reset(time.Until(lastFlush.Add(flushDelay)))
			wait = linger.C
		}
		ev, err := sub.next(ctx, wait)
		switch {
		case err == nil:
			// Under load, frames share write calls (see flushDelay).
			// The frame is the bus's, written whole in one Write:
			// gorilla's control frames (pings, close) go through the
			// same batchConn, whose lock is this connection's alone.
			bc.begin()
			_ = bc.SetWriteDeadline(time.Now().Add(wt))
			if _, err := bc.Write(ev.wsFrame()); err != nil {
				return
			}
			last, unflushed = ev.ID, true
			if sub.Buffered() > 0 || time.Since(lastFlush) < flushDelay {
				continue
			}
		case errors.Is(err, errWait):
		case errors.Is(err, ErrSlowConsumer):
			code, reason = websocket.CloseTryAgainLater, fmt.Sprintf("slow consumer; last id %d", last)
		case errors.Is(err, ErrKeyRevoked):
			code, reason = CloseKeyRevoked, fmt.Sprintf("API key revoked; last id %d", last)
		case errors.Is(err, ErrClosed):
			code, reason = websocket.CloseGoingAway, fmt.Sprintf("server shutting down; last id %d", last)
		default:
			if ctx.Err() == nil {
				h.cfg.Log.Warn().Err(err).Msg("events: websocket stream")
				code, reason = websocket.CloseInternalServerErr, fmt.Sprintf("stream error; last id %d", last)
			}
		}
		if code != 0 || ctx.Err() != nil {
			break
		}
		if err := bc.flush(); err != nil {
			return
		}
		lastFlush, unflushed = time.Now(), false
	}
	if err := bc.flush(); err != nil {
		return
	}
	if code == 0 {
		return // the client left
	}
	msg := websocket.FormatCloseMessage(code, reason)
	if err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(wt)); err != nil {
		return
	}
	// Give the client a moment to answer the close handshake.
	_ = conn.SetReadDeadline(time.Now().Add(wt))
	select {
	case <-readerDone:
	case <-time.After(wt):
	}
}
