package store

import (
	"fmt"

	"github.com/rs/zerolog"
)

// serverLogger routes the embedded NATS server's log to zerolog. The server
// is an implementation detail of the store, so its routine notices are debug
// lines; only its warnings and errors reach a default (info) log.
//
// A warning or error saying that the disk refused a write trips the store's
// fault instead (fault logs it once, at error); the server's own lines about
// it, one per refused write, go to debug.
type serverLogger struct {
	log   zerolog.Logger
	fault func(reason string)
}

func (l serverLogger) Noticef(format string, v ...any) { l.emit(l.log.Debug(), format, v) }
func (l serverLogger) Warnf(format string, v ...any)   { l.problem(zerolog.WarnLevel, format, v) }
func (l serverLogger) Errorf(format string, v ...any)  { l.problem(zerolog.ErrorLevel, format, v) }
func (l serverLogger) Debugf(format string, v ...any)  { l.emit(l.log.Trace(), format, v) }
func (l serverLogger) Tracef(format string, v ...any)  { l.emit(l.log.Trace(), format, v) }

// Fatalf logs at error level and does not exit: the server calls it for
// conditions that stop JetStream, which the store's callers then see as
// errors; ending the process is main's decision, not a library's.
func (l serverLogger) Fatalf(format string, v ...any) { l.problem(zerolog.ErrorLevel, format, v) }

func (l serverLogger) problem(level zerolog.Level, format string, v []any) {
	msg := fmt.Sprintf(format, v...)
	if l.fault == nil || !isStorageFault(msg) {
		l.emit(l.log.WithLevel(level), "%s", []any{msg})
		return
	}
	l.fault(msg)
	l.emit(l.log.Debug(), "%s", []any{msg})
}

func (l serverLogger) emit(e *zerolog.Event, format string, v []any) {
	if e == nil { // level disabled: skip formatting
		return
	}
	e.Str("component", "nats").Msg(fmt.Sprintf(format, v...))
}
