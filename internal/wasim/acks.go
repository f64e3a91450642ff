package wasim

import (
	"container/heap"
	"time"
)

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
