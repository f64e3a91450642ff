package events

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// SSE godoc
//
//	@Summary		Live events as Server-Sent Events
//	@ID				streamEvents
//	@Description	A text/event-stream of event envelopes: each event is `id: <id>` and `data: <json envelope>`, in id order. `Last-Event-ID` (sent by EventSource on reconnect) or `since` replays stored events after that id first, with no gap and no duplicate. Comment lines (`: ping`) are heartbeats. A client that falls too far behind gets a final comment naming the last id it was sent and the stream ends; reconnecting resumes. Works with `curl -N`.
//	@Tags			events
//	@Produce		text/event-stream
//	@Param			session			query		[]string	false	"session ids (repeatable or comma-separated; * = all)"	collectionFormat(multi)
//	@Param			type			query		[]string	false	"event types (repeatable or comma-separated; * = all)"	collectionFormat(multi)
//	@Param			since			query		int			false	"replay events with ids after this one first"
//	@Param			Last-Event-ID	header		int			false	"resume after this id (wins over since)"
//	@Success		200				{string}	string		"event stream"
//	@Failure		400				{object}	api.Problem	"unknown type, bad session id or since"
//	@Failure		404				{object}	api.Problem	"a scoped key, and a requested session is outside its scope"
//	@Failure		410				{object}	api.Problem	"since is older than the retained log: resync"
//	@Security		ApiKeyAuth
//	@Router			/v1/events [get]
func (h *Handlers) SSE(w http.ResponseWriter, r *http.Request) error {
	f, since, err := streamRequest(r, r.Header.Get("Last-Event-ID"))
	if err != nil {
		return err
	}
	sub, err := h.cfg.Bus.Subscribe(r.Context(), f, since)
	if err != nil {
		return err
	}
	defer sub.Close()
	defer h.track("sse")()

	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no") // tell nginx-like proxies not to buffer
	w.WriteHeader(http.StatusOK)

	var last uint64
	if since != nil {
		last = *since
	}
	buf := make([]byte, 0, 1024)
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return err
		}
		if sub.Buffered() > 0 {
			return nil // more to come: let them share a write
		}
		return rc.Flush()
	}
	if err := write([]byte(": connected\n\n")); err != nil {
		return nil
	}
	for {
		ctx, cancel := context.WithTimeout(r.Context(), h.cfg.PingInterval)
		ev, err := sub.Next(ctx)
		cancel()
		switch {
		case err == nil:
			buf = append(buf[:0], "id: "...)
			buf = strconv.AppendUint(buf, ev.ID, 10)
			buf = append(buf, "\ndata: "...)
			buf = append(buf, ev.JSON()...)
			buf = append(buf, "\n\n"...)
			if err := write(buf); err != nil {
				return nil
			}
			last = ev.ID
		case r.Context().Err() != nil:
			return nil // the client left
		case errors.Is(err, context.DeadlineExceeded):
			if !keyFrom(r.Context()).check(r.Context()) {
				_ = write(fmt.Appendf(nil, ": API key revoked; last id %d\n\n", last))
				return nil
			}
			if err := write([]byte(": ping\n\n")); err != nil {
				return nil
			}
		case errors.Is(err, ErrSlowConsumer):
			_ = write(fmt.Appendf(nil, ": slow consumer; last id %d; reconnect with Last-Event-ID\n\n", last))
			return nil
		case errors.Is(err, ErrKeyRevoked):
			_ = write(fmt.Appendf(nil, ": API key revoked; last id %d\n\n", last))
			return nil
		case errors.Is(err, ErrClosed):
			_ = write(fmt.Appendf(nil, ": server shutting down; last id %d\n\n", last))
			return nil
		default:
			h.cfg.Log.Warn().Err(err).Msg("events: sse stream")
			return nil
		}
	}
}
