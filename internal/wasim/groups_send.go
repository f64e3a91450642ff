package wasim

import (
	"fmt"
	"net/http"
	"strings"
)

// What happens after a member sends to a group: a reaction to a group
// message reaches every member that holds it, as WhatsApp fans a group's
// reactions out to all participants; reacting needs membership, as
// sending does (announcement groups let members react, not write); and a
// test can read the group's chat as any member's phone holds it.

// groupCopy is one member's copy of a group message.
type groupCopy struct {
	acct *account
	msg  *message
}

// groupCopiesLocked returns the copies of m (held by a) that the other
// members of its group hold, matched by the message key as WhatsApp
// matches a group message's id across participants. s.mu must be held.
func (s *Server) groupCopiesLocked(a *account, m *message) []groupCopy {
	g := s.groups.byID[m.ChatID]
	if g == nil {
		return nil
	}
	var out []groupCopy
	for _, jid := range g.members {
		other := s.accounts[strings.TrimSuffix(jid, "@c.us")]
		if other == nil || other == a {
			continue
		}
		if om := other.byID[other.sameKeyID(m.Key)]; om != nil && om.ChatID == g.id {
			out = append(out, groupCopy{other, om})
		}
	}
	return out
}

// checkGroupReactLocked refuses a reaction in a group a is no longer a
// member of. s.mu must be held.
func (s *Server) checkGroupReactLocked(a *account, chat string) error {
	g := s.groups.byID[chat]
	if g != nil && !g.has(a.wid()) {
		return fmt.Errorf("group_not_allowed: %s is not a participant of %s", a.wid(), chat)
	}
	return nil
}

// groupHistoryResponse is the body of GET /__sim/groups/{group}/history.
type groupHistoryResponse struct {
	Messages []Message `json:"messages"`
}

// groupHistory answers GET /__sim/groups/{group}/history?phone=: the
// group's chat as the member phone holds it, oldest first (messages with
// their author, quoted_id, poll, reactions and media_url; gp2
// notifications too). The phone must be a simulated one (linked, or having
// acted through the control API); a member need not have linked a device.
func (s *Server) groupHistory(w http.ResponseWriter, r *http.Request) error {
	return handlePhone(w, r, func(phone string) (groupHistoryResponse, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		out := groupHistoryResponse{Messages: []Message{}}
		a, err := s.linkedAccountLocked(phone)
		if err != nil {
			return out, err
		}
		g, err := s.groupLocked(r.PathValue("group"))
		if err != nil {
			return out, err
		}
		for _, m := range a.msgs {
			if m.ChatID == g.id {
				out.Messages = append(out.Messages, m.view())
			}
		}
		return out, nil
	})
}
