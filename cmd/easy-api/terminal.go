package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/easy-api/easy-api/internal/session"
)

// terminal prints the status changes and QR codes of the --session-id
// session, the open-wa CLI experience, and passes every event on.
type terminal struct {
	next session.Publisher
	id   string
	out  io.Writer
	mu   sync.Mutex
}

// Publish implements session.Publisher.
func (t *terminal) Publish(ctx context.Context, id, typ string, data any) error {
	if id == t.id {
		t.print(typ, data)
	}
	if t.next == nil {
		return nil
	}
	return t.next.Publish(ctx, id, typ, data)
}

func (t *terminal) print(typ string, data any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev := data.(type) {
	case session.StatusEvent:
		fmt.Fprintf(t.out, "[%s] %s (%s) %s\n", t.id, ev.Status, ev.Reason, ev.Detail)
	case session.QREvent:
		q, err := qrcode.New(ev.Code, qrcode.Low)
		if err != nil {
			return
		}
		fmt.Fprintf(t.out, "[%s] scan this QR code with WhatsApp (code %d, valid until %s):\n%s\n", t.id, ev.Index, ev.ExpiresAt.Local().Format("15:04:05"), q.ToSmallString(false))
	case session.PairingCodeEvent:
		fmt.Fprintf(t.out, "[%s] pairing code for %s: %s\n", t.id, ev.Phone, ev.Code)
	}
}
