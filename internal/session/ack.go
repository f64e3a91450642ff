package session

import (
	"encoding/json"
	"fmt"
)

// Ack is how far a message got, as WhatsApp counts it; JSON carries its name.
type Ack int

// Acks, numbered as wa-js 4.6.0's ACK enum. Every negative ack is a
// failure: AckError is a send that failed (wa-js's FAILED), the others are
// WhatsApp's reasons. AckPeer is WhatsApp's PEER ack, not a step after
// PLAYED (docs/events.md, "Acks").
const (
	AckMDDowngrade         Ack = -7
	AckInactive            Ack = -6
	AckContentUnuploadable Ack = -5
	AckContentTooBig       Ack = -4
	AckContentGone         Ack = -3
	AckExpired             Ack = -2
	AckError               Ack = -1
	AckPending             Ack = 0
	AckServer              Ack = 1
	AckDevice              Ack = 2
	AckRead                Ack = 3
	AckPlayed              Ack = 4
	AckPeer                Ack = 5
)

// ackNames are the API's names of the acks from AckMDDowngrade up: the
// names WAHA and open-wa users know for -1..4, wa-js's for the rest.
var ackNames = [...]string{"MD_DOWNGRADE", "INACTIVE", "CONTENT_UNUPLOADABLE", "CONTENT_TOO_BIG", "CONTENT_GONE",
	"EXPIRED", "ERROR", "PENDING", "SERVER", "DEVICE", "READ", "PLAYED", "PEER"}

// String returns the ack's name (ackNames); a number outside wa-js's range
// is named as the nearest end of it would be, ERROR below.
func (a Ack) String() string {
	switch {
	case a < AckMDDowngrade:
		return ackNames[AckError-AckMDDowngrade]
	case a > AckPeer:
		return ackNames[AckPeer-AckMDDowngrade]
	}
	return ackNames[a-AckMDDowngrade]
}

// MarshalJSON writes the ack's name.
func (a Ack) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads a name or wa-js's number.
func (a *Ack) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*a = Ack(n)
		if n < int(AckMDDowngrade) {
			*a = AckError
		}
		*a = min(*a, AckPeer)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	for i, name := range ackNames {
		if name == s {
			*a = Ack(i) + AckMDDowngrade
			return nil
		}
	}
	return fmt.Errorf("ack: unknown name %q", s)
}
