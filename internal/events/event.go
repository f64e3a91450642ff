// Package events is easy-api's event log and its live streams (DESIGN §8).
//
// Every event gets the envelope {id, session, type, time, data}. It is stored
// first in the JetStream stream EVENTS on the subject events.<session>.<type>,
// whose sequence number is the event id: server-wide, increasing, kept across
// restarts, and the resume cursor of every client. A Bus then fans stored
// events out in process to live subscribers (WebSocket, SSE) in id order; a
// subscriber that cannot keep up is cut, never waited for. Replays after a
// reconnect (since=<id>) read the stream with an ordered consumer and join the
// live feed with no gap and no duplicate.
//
// Webhook delivery lives in the webhook subpackage: one durable JetStream
// consumer per webhook on the same stream.
package events

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Event types (DESIGN §8). Types always have two dot-separated tokens, so the
// subject events.<session>.<type> has exactly four tokens.
const (
	SessionStatus      = "session.status"       // {status, previous, reason, detail, attempt, history}
	SessionQR          = "session.qr"           // {code, index, expires_at}
	SessionPairingCode = "session.pairing_code" // {code}
	SessionProgress    = "session.progress"     // {stage, percent}
	SessionData        = "session.data"         // the session data file
	MessageReceived    = "message.received"
	MessageSent        = "message.sent"
	MessageAck         = "message.ack"
	MessageRevoked     = "message.revoked"
	WebhookDisabled    = "webhook.disabled" // {webhook_id, url, reason, failing_since}
)

// Types lists every valid event type, sorted.
var Types = []string{
	MessageAck, MessageReceived, MessageRevoked, MessageSent,
	SessionData, SessionPairingCode, SessionProgress, SessionQR, SessionStatus,
	WebhookDisabled,
}

// ValidType reports whether typ is one of Types.
func ValidType(typ string) bool { return slices.Contains(Types, typ) }

// Global is the session of events that belong to no session (e.g.
// webhook.disabled for a global webhook). Its subject token is "_", which no
// session id can be.
const Global = ""

const (
	// StreamName is the JetStream stream holding the event log.
	StreamName    = "EVENTS"
	subjectPrefix = "events."
	globalToken   = "_"
)

// sessionIDPattern is DESIGN §1's session id syntax.
var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidSession reports whether id is a valid session id.
func ValidSession(id string) bool { return sessionIDPattern.MatchString(id) }

// Event is one entry of the event log. Data is shared between every
// receiver of the event: treat it as read-only.
type Event struct {
	ID      uint64          `json:"id"`
	Session string          `json:"session"`
	Type    string          `json:"type"`
	Time    time.Time       `json:"time"`
	Data    json.RawMessage `json:"data"`

	wire []byte // the JSON envelope, encoded once for all receivers
}

// stored is what the stream holds per message: the envelope without its id,
// which is the message's stream sequence.
type stored struct {
	Session string          `json:"session"`
	Type    string          `json:"type"`
	Time    time.Time       `json:"time"`
	Data    json.RawMessage `json:"data"`
}

// JSON returns the event's JSON envelope. The bytes are shared: do not
// modify them.
func (e *Event) JSON() []byte {
	if e.wire == nil {
		body, _ := json.Marshal(stored{e.Session, e.Type, e.Time, e.Data})
		e.wire = withID(e.ID, body)
	}
	return e.wire
}

// MarshalJSON encodes the envelope {id, session, type, time, data}.
func (e Event) MarshalJSON() ([]byte, error) { return e.JSON(), nil }

// withID turns a stored body {"session":…} into {"id":N,"session":…}.
func withID(id uint64, body []byte) []byte {
	out := make([]byte, 0, len(body)+24)
	out = append(out, `{"id":`...)
	out = strconv.AppendUint(out, id, 10)
	out = append(out, ',')
	return append(out, body[1:]...)
}

// Decode rebuilds the Event stored in the EVENTS stream at sequence seq from
// the message's data (for consumers outside the bus, like webhooks).
func Decode(seq uint64, data []byte) (*Event, error) { return decodeStored(seq, data) }

// decodeStored rebuilds an Event from a stream message's sequence and data.
func decodeStored(seq uint64, body []byte) (*Event, error) {
	var s stored
	if err := json.Unmarshal(body, &s); err != nil || len(body) < 2 {
		return nil, fmt.Errorf("events: decode event %d: %w", seq, err)
	}
	return &Event{ID: seq, Session: s.Session, Type: s.Type, Time: s.Time, Data: s.Data, wire: withID(seq, body)}, nil
}

// Subject returns the stream subject of an event of typ in session.
func Subject(session, typ string) string {
	return subjectPrefix + sessionToken(session) + "." + typ
}

func sessionToken(session string) string {
	if session == Global {
		return globalToken
	}
	return session
}

// Filter selects events by session and type. Empty lists mean all.
type Filter struct {
	Sessions []string
	Types    []string
	// Scope, when set, further restricts the sessions visible (API keys).
	// Events of no session are never in a scope.
	Scope Scope
}

// MaxFilterSessions bounds the sessions one stream or history may name:
// each becomes a consumer filter subject and a check per event.
const MaxFilterSessions = 100

// Validate checks that every session is a session id and every type one of
// Types, naming the offending value and, for types, the valid ones.
func (f Filter) Validate() error {
	if len(f.Sessions) > MaxFilterSessions {
		return apperr.Field("session", "at most %d sessions per stream; open several streams, or none for all", MaxFilterSessions)
	}
	for _, s := range f.Sessions {
		if !ValidSession(s) {
			return &apperr.Error{Code: apperr.InvalidID, Field: "session",
				Detail: fmt.Sprintf("session: %q is not a valid session id", s)}
		}
	}
	for _, t := range f.Types {
		if !ValidType(t) {
			return apperr.Field("type", "unknown event type %q; valid types: %s", t, strings.Join(Types, ", "))
		}
	}
	return nil
}

// Match reports whether an event of typ in session passes the filter.
func (f Filter) Match(session, typ string) bool {
	if len(f.Sessions) > 0 && !slices.Contains(f.Sessions, session) {
		return false
	}
	if len(f.Types) > 0 && !slices.Contains(f.Types, typ) {
		return false
	}
	return f.Scope.Allows(session)
}

// Subjects returns the stream subjects covering the filter's sessions and
// types, without overlaps (JetStream rejects overlapping filter subjects).
// The scope is not expressed in subjects; apply Match as well.
func (f Filter) Subjects() []string {
	sessions := compact(f.Sessions)
	types := compact(f.Types)
	var out []string
	switch {
	case len(sessions) == 0 && len(types) == 0:
		return []string{subjectPrefix + ">"}
	case len(types) == 0:
		for _, s := range sessions {
			out = append(out, subjectPrefix+sessionToken(s)+".>")
		}
	case len(sessions) == 0:
		for _, t := range types {
			out = append(out, subjectPrefix+"*."+t)
		}
	default:
		for _, s := range sessions {
			for _, t := range types {
				out = append(out, Subject(s, t))
			}
		}
	}
	return out
}

func compact(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}
