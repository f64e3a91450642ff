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
	var u User
	if err := decode(r, &u); err != nil {
		return err
	}
	if err := required("phone", u.Phone); err != nil {
		return err
	}
	out, err := s.SetUser(u)
	if err != nil {
		return err
	}
	return writeJSON(w, out)
}

// postContact serves POST /__sim/contacts: the account saves a contact.
func (s *Server) postContact(w http.ResponseWriter, r *http.Request) error {
	var req contactRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := required("phone", req.Phone, "id", req.ID); err != nil {
		return err
	}
	if err := s.SaveContact(req.Phone, req.ID, req.Name); err != nil {
		return err
	}
	return writeJSON(w, map[string]bool{"ok": true})
}

// postChat serves POST /__sim/chat: the phone archives a chat or sets its
// labels.
func (s *Server) postChat(w http.ResponseWriter, r *http.Request) error {
	var req chatSettingsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := required("phone", req.Phone, "chat", req.Chat); err != nil {
		return err
	}
	c, err := s.SetChat(req.Phone, req.Chat, req.Archived, req.Labels)
	if err != nil {
		return err
	}
	return writeJSON(w, c)
}
