package wasim

import (
	"fmt"
	"strings"
)

// Messages in groups: a member's message reaches every other member that is
// a simulated account, with its author; non-members, and non-admins of an
// announcement group, cannot send.

// routeGroupLocked hands a message m sent to a group to every other
// member that is a simulated account, with its author. s.mu must be held.
func (s *Server) routeGroupLocked(m *message) {
	g := s.groups.byID[m.To]
	if g == nil {
		return
	}
	for _, jid := range g.members {
		a := s.accounts[strings.TrimSuffix(jid, "@c.us")]
		if a == nil || a == m.acct {
			continue
		}
		s.groupIncomingLocked(a, g, m.acct.wid(), m.acct.name, m.Message)
	}
}

// groupIncomingLocked adds a message by author in g to a's history and
// delivers it. s.mu must be held.
func (s *Server) groupIncomingLocked(a *account, g *group, author, name string, src Message) *message {
	return s.receiveLocked(a, g.id, author, name, src)
}

// checkGroupSendLocked refuses a send to a group by a non-member, or by a
// non-admin when only admins send. s.mu must be held.
func (s *Server) checkGroupSendLocked(a *account, to string) error {
	if !strings.HasSuffix(to, "@g.us") {
		return nil
	}
	s.groups.init()
	g := s.groups.byID[to]
	if g == nil {
		// A group the simulator does not model (a test's made-up chat id):
		// the send is recorded and goes nowhere.
		return nil
	}
	switch {
	case !g.has(a.wid()):
		return fmt.Errorf("group_not_allowed: %s is not a participant of %s", a.wid(), to)
	case g.announce && !g.isAdmin(a.wid()):
		return fmt.Errorf("group_not_allowed: only admins can send messages to %s", to)
	}
	return nil
}
