package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/session"
)

// terminal prints the status changes, QR codes and pairing codes of the
// --session-id session as they come from the bus: the open-wa CLI
// experience, with the API up before login.
type terminal struct {
	bus *events.Bus
	id  string
	out io.Writer
}

func newTerminal(bus *events.Bus, id string, out io.Writer) *terminal {
	return &terminal{bus: bus, id: id, out: out}
}

// start follows the bus until ctx ends; the returned channel closes when the
// goroutine has exited.
func (t *terminal) start(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	sub, err := t.bus.Subscribe(ctx, events.Filter{Sessions: []string{t.id},
		Types: []string{session.EventStatus, session.EventQR, session.EventPairingCode}}, nil)
	if err != nil {
		fmt.Fprintf(t.out, "[%s] cannot follow events: %v\n", t.id, err)
		close(done)
		return done
	}
	go func() {
		defer close(done)
		defer sub.Close()
		for {
			ev, err := sub.Next(ctx)
			if err != nil {
				return
			}
			t.print(ev)
		}
	}()
	return done
}

func (t *terminal) print(ev *events.Event) {
	switch ev.Type {
	case session.EventStatus:
		var d session.StatusEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			fmt.Fprintf(t.out, "[%s] %s (%s) %s\n", t.id, d.Status, d.Reason, d.Detail)
		}
	case session.EventQR:
		var d session.QREvent
		if json.Unmarshal(ev.Data, &d) != nil {
			return
		}
		q, err := qrcode.New(d.Code, qrcode.Low)
		if err != nil {
			return
		}
		fmt.Fprintf(t.out, "[%s] scan this QR code with WhatsApp (code %d, valid until %s):\n%s\n",
			t.id, d.Index, d.ExpiresAt.Local().Format("15:04:05"), q.ToSmallString(false))
	case session.EventPairingCode:
		var d session.PairingCodeEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			fmt.Fprintf(t.out, "[%s] pairing code for %s: %s\n", t.id, d.Phone, d.Code)
		}
	}
}
