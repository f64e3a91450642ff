package wasim

import (
	"container/heap"
	"strconv"
	"strings"
	"time"
)

// Acks of a message: wa-js 4.6.0's ACK enum (whatsapp/enums/ACK), whole.
// Negative acks are failures; receipts carry 2 and up.
const (
	AckMDDowngrade         = -7
	AckInactive            = -6
	AckContentUnuploadable = -5
	AckContentTooBig       = -4
	AckContentGone         = -3
	AckExpired             = -2
	AckError               = -1 // FAILED
	AckPending             = 0  // CLOCK
	AckServer              = 1  // SENT
	AckDevice              = 2  // RECEIVED
	AckRead                = 3
	AckPlayed              = 4
	AckPeer                = 5
)

// ackNames are wa-js's names of the acks, from AckMDDowngrade up.
var ackNames = [...]string{"MD_DOWNGRADE", "INACTIVE", "CONTENT_UNUPLOADABLE", "CONTENT_TOO_BIG", "CONTENT_GONE",
	"EXPIRED", "FAILED", "CLOCK", "SENT", "RECEIVED", "READ", "PLAYED", "PEER"}

// apiAckNames are the names easy-api's API gives acks -1..4, which the
// control API also accepts.
var apiAckNames = map[string]int{"ERROR": AckError, "PENDING": AckPending, "SERVER": AckServer, "DEVICE": AckDevice}

// AckName is wa-js's name of an ack (ACK enum), or its number when wa-js
// has none.
func AckName(ack int) string {
	if ack < AckMDDowngrade || ack > AckPeer {
		return strconv.Itoa(ack)
	}
	return ackNames[ack-AckMDDowngrade]
}

// parseAck accepts an ack by wa-js's name, by the name easy-api's API uses
// for it, or by number, -7..5.
func parseAck(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n >= AckMDDowngrade && n <= AckPeer
	}
	s = strings.ToUpper(s)
	if a, ok := apiAckNames[s]; ok {
		return a, true
	}
	for i, name := range ackNames {
		if s == name {
			return i + AckMDDowngrade, true
		}
	}
	return 0, false
}

// ackMove checks a sent message's ack change from cur to next: it rises,
// or the message fails (any negative ack) unless it failed already.
func ackMove(id string, cur, next int) error {
	if next < AckMDDowngrade || next > AckPeer || cur < 0 || (next >= 0 && next <= cur) {
		return errorf(CodeConflict, "ack of %s is %s; it can only rise, or fail once", id, AckName(cur))
	}
	return nil
}

// ackStep is a scheduled change of a sent message's ack.
type ackStep struct {
	due time.Time
	id  string
	ack int
}

// ackQueue is a min-heap of ack steps by due time.
type ackQueue []ackStep

func (q ackQueue) Len() int           { return len(q) }
func (q ackQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q ackQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *ackQueue) Push(x any)        { *q = append(*q, x.(ackStep)) }
func (q *ackQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// scheduleAckLocked queues a step and makes sure the scheduler runs. The
// scheduler is one goroutine per Server, started with the first step and
// ended by Close. s.mu must be held.
func (s *Server) scheduleAckLocked(id string, ack int, due time.Time) {
	if s.closed {
		return
	}
	first := s.acks == nil
	if first {
		s.acks = ackQueue{}
		s.ackWake = make(chan struct{}, 1)
		s.wg.Add(1)
		go s.ackLoop()
	}
	heap.Push(&s.acks, ackStep{due: due, id: id, ack: ack})
	select {
	case s.ackWake <- struct{}{}:
	default:
	}
}

// ackLoop applies due ack steps until the Server closes. After DEVICE it
// schedules READ, so a message advances SERVER → DEVICE → READ.
func (s *Server) ackLoop() {
	defer s.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		s.mu.Lock()
		now := time.Now()
		for len(s.acks) > 0 && !s.acks[0].due.After(now) {
			st := heap.Pop(&s.acks).(ackStep)
			m := s.index[st.id]
			if m == nil || s.setAckLocked(m, st.ack) != nil {
				continue // moved on by hand meanwhile
			}
			if st.ack == AckDevice {
				heap.Push(&s.acks, ackStep{due: now.Add(s.cfg.AckDelay), id: st.id, ack: AckRead})
			}
		}
		wait := time.Hour
		if len(s.acks) > 0 {
			wait = s.acks[0].due.Sub(now)
		}
		s.mu.Unlock()
		t.Reset(wait)
		select {
		case <-s.quit:
			return
		case <-s.ackWake:
		case <-t.C:
		}
	}
}
