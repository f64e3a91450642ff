package wasim

import "net/http"

// The control API of people and chat settings: register someone on
// WhatsApp, save a contact, and change a chat's settings from the phone.

// contactRequest is the body of POST /__sim/contacts.
type contactRequest struct {
	Phone string `json:"phone"` // the simulated account
	ID    string `json:"id"`    // a phone number or user jid
	Name  string `json:"name"`
}

// postUser serves POST /__sim/users: a User to add to WhatsApp's directory.
func (s *Server) postUser(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, s.SetUser)
}

func (u User) check() error { return required("phone", u.Phone) }

func (q contactRequest) check() error { return required("phone", q.Phone, "id", q.ID) }

// postContact serves POST /__sim/contacts: the account saves a contact.
func (s *Server) postContact(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q contactRequest) (map[string]bool, error) {
		return map[string]bool{"ok": true}, s.SaveContact(q.Phone, q.ID, q.Name)
	})
}

func (q chatSettingsRequest) check() error { return required("phone", q.Phone, "chat", q.Chat) }

// postChat serves POST /__sim/chat: the phone archives a chat or sets its
// labels.
func (s *Server) postChat(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q chatSettingsRequest) (Chat, error) {
		return s.SetChat(q.Phone, q.Chat, q.Archived, q.Labels)
	})
}
