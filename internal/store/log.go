package store

import (
	"fmt"

	"github.com/rs/zerolog"
)

// serverLogger routes the embedded NATS server's log to zerolog. The server
// is an implementation detail of the store, so its routine notices are debug
// lines; only its warnings and errors reach a default (info) log.
type serverLogger struct{ log zerolog.Logger }

func (l serverLogger) Noticef(format string, v ...any) { l.emit(l.log.Debug(), format, v) }
func (l serverLogger) Warnf(format string, v ...any)   { l.emit(l.log.Warn(), format, v) }
func (l serverLogger) Errorf(format string, v ...any)  { l.emit(l.log.Error(), format, v) }
func (l serverLogger) Debugf(format string, v ...any)  { l.emit(l.log.Trace(), format, v) }
func (l serverLogger) Tracef(format string, v ...any)  { l.emit(l.log.Trace(), format, v) }

// Fatalf logs at error level and does not exit: the server calls it for
// conditions that stop JetStream, which the store's callers then see as
// errors; ending the process is main's decision, not a library's.
func (l serverLogger) Fatalf(format string, v ...any) { l.emit(l.log.Error(), format, v) }

func (l serverLogger) emit(e *zerolog.Event, format string, v []any) {
	if e == nil { // level disabled: skip formatting
		return
	}
	e.Str("component", "nats").Msg(fmt.Sprintf(format, v...))
}
