package wasim

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// What a page asks of an account's messages: queries, history pages and
// contacts.

// queryLocked answers a page's query. s.mu must be held.
func (s *Server) queryLocked(p *page, m inMsg) (outMsg, error) {
	if p.dev == nil {
		return outMsg{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	if p.phase == phaseConflict {
		return outMsg{}, fmt.Errorf("conflict: WhatsApp is open on another computer or browser")
	}
	a := p.dev.acct
	switch m.Q {
	case "chats":
		return outMsg{Chats: a.chats()}, nil
	case "contacts":
		return outMsg{Contacts: a.contactList()}, nil
	case "message":
		msg := a.byID[m.Msg]
		if msg == nil {
			return outMsg{}, fmt.Errorf("msg_not_found: Message %s not found", m.Msg)
		}
		v := msg.view()
		return outMsg{Msg: &v}, nil
	case "messages":
		msgs, err := a.history(m.Chat, m.Count, m.Before)
		return outMsg{Msgs: msgs}, err
	case "profile":
		return outMsg{Profile: &profileView{Name: a.name, About: a.about, Picture: a.picture}}, nil
	case "pnlid":
		phone, lid := a.pnLid(m.Chat)
		return outMsg{Phone: phone, LID: lid}, nil
	case "votes":
		msg := a.byID[m.Msg]
		if msg == nil || msg.Type != "poll_creation" {
			return outMsg{}, fmt.Errorf("msg_not_found: Message %s not a poll", m.Msg)
		}
		v := msg.view()
		return outMsg{Msg: &v}, nil
	}
	if out, ok := s.userQueryLocked(a, m); ok {
		return out, nil
	}
	return outMsg{}, fmt.Errorf("invalid_query: unknown query %q", m.Q)
}

// pnLid returns the phone-number jid and the LID jid of a user jid of
// either kind, as WhatsApp's lid-pn table knows them ("" when unknown).
func (a *account) pnLid(jid string) (phone, lid string) {
	switch {
	case strings.HasSuffix(jid, "@c.us"):
		return jid, a.lids[jid]
	case strings.HasSuffix(jid, "@lid"):
		for pn, l := range a.lids {
			if l == jid {
				return pn, jid
			}
		}
		return "", jid
	}
	return "", ""
}

// history returns up to count messages of chat older than before (all
// when count <= 0; the newest when before is empty), oldest first.
func (a *account) history(chat string, count int, before string) ([]Message, error) {
	var all []*message
	for _, m := range a.msgs {
		if m.ChatID == chat {
			all = append(all, m)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("chat_not_found: Chat not found for %s", chat)
	}
	all = slices.DeleteFunc(all, func(m *message) bool { return !a.visible(m) })
	if before != "" {
		b := a.byID[before]
		if b == nil || b.ChatID != chat {
			return nil, fmt.Errorf("msg_not_found: Message %s not found", before)
		}
		i := sort.Search(len(all), func(i int) bool { return all[i].Seq >= b.Seq })
		all = all[:i]
	}
	if count > 0 && len(all) > count {
		all = all[len(all)-count:]
	}
	out := make([]Message, 0, len(all))
	for _, m := range all {
		out = append(out, m.view())
	}
	return out, nil
}

// contactList returns the people the account exchanged messages with.
func (a *account) contactList() []Contact {
	out := make([]Contact, 0, len(a.contacts))
	for id, name := range a.contacts {
		out = append(out, Contact{ID: id, Name: name, PushName: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
