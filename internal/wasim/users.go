package wasim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Who is on WhatsApp, and what an account knows of them: the directory of
// users (each simulated phone, plus the people tests register with POST
// /__sim/users: a LID, a push name, a profile picture, an about text, a
// business profile), the account's saved contacts (POST /__sim/contacts)
// and its block list. A number in neither the directory nor the simulated
// phones is not on WhatsApp.

// User is someone on WhatsApp as the simulator's directory holds them.
type User struct {
	Phone    string           `json:"phone"`
	LID      string           `json:"lid,omitempty"`     // their LID jid, 123…@lid
	Name     string           `json:"name,omitempty"`    // their push name
	Picture  string           `json:"picture,omitempty"` // profile picture URL; empty: none
	About    string           `json:"about,omitempty"`   // their about text
	Business *BusinessProfile `json:"business,omitempty"`
}

// BusinessProfile is a business account's profile, with the names of
// WhatsApp's BusinessProfileModel.
type BusinessProfile struct {
	Description string   `json:"description,omitempty"`
	Email       string   `json:"email,omitempty"`
	Website     []string `json:"website,omitempty"`
	Address     string   `json:"address,omitempty"`
	Categories  []string `json:"categories,omitempty"`
}

// SetUser adds someone to WhatsApp's directory, or updates them.
func (s *Server) SetUser(u User) (User, error) {
	phone, ok := normalizePhone(u.Phone)
	if !ok {
		return User{}, fieldError("phone", "must be 6 to 15 digits")
	}
	u.Phone = phone
	if u.LID != "" {
		u.LID = strings.TrimSuffix(u.LID, "@lid")
		if !lidPattern.MatchString(u.LID) {
			return User{}, fieldError("lid", "must be 6 to 20 digits, with or without @lid")
		}
		u.LID += "@lid"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = map[string]*User{}
	}
	s.users[phone] = &u
	// Every account learns the number's LID, as WhatsApp's lid-pn table does.
	if u.LID != "" {
		for _, a := range s.accounts {
			a.lids[phone+"@c.us"] = u.LID
		}
	}
	return u, nil
}

// userLocked returns who a user jid (…@c.us or …@lid) is on WhatsApp, or
// nil when the number is not on WhatsApp. s.mu must be held.
func (s *Server) userLocked(a *account, jid string) *User {
	phone, lid := a.pnLid(jid)
	if phone == "" && strings.HasSuffix(jid, "@lid") {
		for _, u := range s.users {
			if u.LID == jid {
				return u
			}
		}
		return nil
	}
	num := strings.TrimSuffix(phone, "@c.us")
	if u := s.users[num]; u != nil {
		return u
	}
	if other := s.accounts[num]; other != nil {
		return &User{Phone: num, LID: lid, Name: other.name}
	}
	return nil
}

// SaveContact saves id (a phone number or jid) in the address book of the
// account of phone under name.
func (s *Server) SaveContact(phone, id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.linkedAccountLocked(phone)
	if err != nil {
		return err
	}
	jid := id
	if !strings.Contains(jid, "@") {
		n, ok := normalizePhone(id)
		if !ok {
			return fieldError("id", "must be a phone number or a user jid")
		}
		jid = n + "@c.us"
	}
	if !chatPattern.MatchString(jid) || strings.HasSuffix(jid, "@g.us") {
		return fieldError("id", "must be a phone number or a user jid")
	}
	if strings.TrimSpace(name) == "" {
		return fieldError("name", "is required")
	}
	a.contacts[jid] = name
	return nil
}

// WireUser is the page's answer about a user (query "user").
type WireUser struct {
	ID        string           `json:"id"` // the jid asked about
	Exists    bool             `json:"exists"`
	Phone     string           `json:"phone,omitempty"` // phone-number jid
	LID       string           `json:"lid,omitempty"`
	PushName  string           `json:"push_name,omitempty"`
	Name      string           `json:"name,omitempty"` // saved in the address book
	MyContact bool             `json:"my_contact,omitempty"`
	Picture   string           `json:"picture,omitempty"`
	About     string           `json:"about,omitempty"`
	Business  *BusinessProfile `json:"business,omitempty"`
	Blocked   bool             `json:"blocked,omitempty"`
	Known     bool             `json:"known,omitempty"` // in the account's contact store (saved, or chatted with)
}

// wireUserLocked is what a knows of jid. s.mu must be held.
func (s *Server) wireUserLocked(a *account, jid string) WireUser {
	w := WireUser{ID: jid}
	phone, lid := a.pnLid(jid)
	w.Phone, w.LID = phone, lid
	for _, id := range []string{jid, phone, lid} {
		if name, ok := a.contacts[id]; ok && id != "" {
			w.Known = true
			if name != "" {
				w.Name, w.MyContact = name, true
			}
		}
	}
	if u := s.userLocked(a, jid); u != nil {
		w.Exists, w.PushName, w.Picture, w.About, w.Business = true, u.Name, u.Picture, u.About, u.Business
		if w.Phone == "" {
			w.Phone = u.Phone + "@c.us"
		}
		if w.LID == "" {
			w.LID = u.LID
		}
	}
	w.Blocked = a.blocked[w.Phone] || (w.LID != "" && a.blocked[w.LID])
	return w
}

// knownLocked lists every user a holds a contact of, as the page's
// contact store loads them. s.mu must be held.
func (s *Server) knownLocked(a *account) []WireUser {
	ids := slices.Sorted(maps.Keys(a.contacts))
	out := make([]WireUser, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.wireUserLocked(a, id))
	}
	return out
}

// blockLocked blocks or unblocks jid for a and tells a's devices. WhatsApp
// blocks any well-formed user jid, on WhatsApp or not. s.mu must be held.
func (s *Server) blockLocked(a *account, jid string, block bool) (outMsg, error) {
	if !chatPattern.MatchString(jid) || strings.HasSuffix(jid, "@g.us") {
		return outMsg{}, fmt.Errorf("invalid_wid: Invalid WID value for %s", jid)
	}
	if phone, _ := a.pnLid(jid); phone != "" {
		jid = phone
	}
	if a.blocked == nil {
		a.blocked = map[string]bool{}
	}
	if block {
		a.blocked[jid] = true
	} else {
		delete(a.blocked, jid)
	}
	typ := "block"
	if !block {
		typ = "unblock"
	}
	s.logLocked(a, Action{Type: typ, ChatID: jid})
	list := a.blockList()
	s.toDevicesLocked(a, outMsg{T: msgBlocklist, IDs: list})
	return outMsg{OK: true, IDs: list}, nil
}

// blockList is a's block list, sorted.
func (a *account) blockList() []string {
	return slices.Sorted(maps.Keys(a.blocked))
}

// userQueryLocked answers the page's queries about people: user (one
// jid), users (the address book) and blocklist. ok is false for a query
// it does not know. s.mu must be held.
func (s *Server) userQueryLocked(a *account, m inMsg) (out outMsg, ok bool) {
	switch m.Q {
	case "user":
		u := s.wireUserLocked(a, m.Chat)
		return outMsg{User: &u}, true
	case "users":
		return outMsg{Users: s.knownLocked(a)}, true
	case "blocklist":
		return outMsg{IDs: a.blockList()}, true
	case "common_groups":
		return outMsg{IDs: s.commonGroupsLocked(a, m.Chat)}, true
	case "chat":
		c, found := a.chatLocked(m.Chat)
		if !found {
			return outMsg{}, true
		}
		return outMsg{Chats: []Chat{c}}, true
	}
	return outMsg{}, false
}

// commonGroupsLocked lists the ids of the groups a and jid (a phone
// number or its …@c.us) are both in, sorted; none for a jid that is not a
// user's.
func (s *Server) commonGroupsLocked(a *account, jid string) []string {
	ids := []string{}
	other, err := userJid("chat", jid)
	if err != nil {
		return ids
	}
	for _, g := range s.groupsOfLocked(a.wid()) {
		if s.groups.byID[g.ID].has(other) {
			ids = append(ids, g.ID)
		}
	}
	return ids
}
