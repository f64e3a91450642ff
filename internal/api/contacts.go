package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/session"
)

// Contacts: /v1/sessions/{id}/contacts/...: one contact, which numbers are
// on WhatsApp, a contact's picture, about text, business profile and
// groups in common, and the block list. The contact may be a phone
// number, a …@c.us or a …@lid id.

// ContactActions are the contact routes' needs of the session domain.
type ContactActions interface {
	GetContact(ctx context.Context, id, contactID string) (session.ContactDetail, error)
	CheckNumbers(ctx context.Context, id string, numbers []string) ([]session.NumberCheck, error)
	ContactPicture(ctx context.Context, id, contactID string) (session.ProfilePicture, error)
	ContactAbout(ctx context.Context, id, contactID string) (session.About, error)
	BusinessProfile(ctx context.Context, id, contactID string) (session.BusinessProfile, error)
	Block(ctx context.Context, id, contactID string, block bool) (session.BlockResult, error)
	Blocked(ctx context.Context, id string) ([]session.BlockedContact, error)
	CommonGroups(ctx context.Context, id, contactID string) ([]string, error)
}

// CheckNumbersRequest is the body of POST .../contacts/check.
type CheckNumbersRequest struct {
	Numbers []string `json:"numbers" example:"+1 555-123-4567,15559876543"` // 1 to 100 phone numbers or user ids
} // @name CheckNumbersRequest

// NumberCheckList is the answer of POST .../contacts/check: one entry per
// number, in order.
type NumberCheckList struct {
	Results []session.NumberCheck `json:"results"`
} // @name NumberCheckList

// BlockedList is the body of GET .../contacts/blocked.
type BlockedList struct {
	Blocked []session.BlockedContact `json:"blocked"`
} // @name BlockedList

// CommonGroups is the body of GET .../contacts/{contact}/groups.
type CommonGroups struct {
	Groups []string `json:"groups" example:"120363041234567890@g.us"`
} // @name CommonGroups

// contactRoutes adds the contact routes to the /v1/sessions/{id} group.
func (s *Server) contactRoutes(r chi.Router) {
	// Sub-routers, so that other methods on them are 405, not /contacts/{contact}'s.
	r.Route("/contacts/check", func(r chi.Router) {
		r.With(s.limitBody(s.cfg.MaxBodyBytes)).Post("/", s.wrap(s.checkNumbers))
	})
	r.Route("/contacts/blocked", func(r chi.Router) { r.Get("/", s.wrap(s.listBlocked)) })
	r.Route("/contacts/{contact}", func(r chi.Router) {
		r.Get("/", s.wrap(s.getContact))
		r.Get("/picture", s.wrap(s.contactPicture))
		r.Get("/about", s.wrap(s.contactAbout))
		r.Get("/business", s.wrap(s.businessProfile))
		r.Get("/groups", s.wrap(s.commonGroups))
		r.Put("/block", s.wrap(s.blockContact))
		r.Delete("/block", s.wrap(s.unblockContact))
	})
}

// contactTarget reads the session id and contact of a contact route's path.
func contactTarget(r *http.Request) (target, error) {
	return itemTarget(r, "contact", nil)
}

// answer runs get for the contact of r's path and writes what it returns.
func answer[T any](w http.ResponseWriter, r *http.Request, get func(ctx context.Context, id, contactID string) (T, error)) error {
	return handle(w, r, contactTarget, func(ctx context.Context, t target, _ noBody) (T, error) {
		return get(ctx, t.id, t.item)
	})
}

// getContact godoc
//
//	@Summary	One contact
//	@ID			getContact
//	@Tags		contacts
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success	200		{object}	session.ContactDetail
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or contact (contact_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/contacts/{contact} [get]
func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, s.cfg.Sessions.GetContact)
}

// checkNumbers godoc
//
//	@Summary		Which numbers are on WhatsApp
//	@ID				checkNumbers
//	@Description	Up to 100 phone numbers (or user ids) in one call, each answered in its own entry, in order: exists, its id and LID. A malformed number gets an error in its entry; the batch still answers 200.
//	@Tags			contacts
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		CheckNumbersRequest	true	"the numbers"
//	@Success		200		{object}	NumberCheckList
//	@Failure		400		{object}	Problem	"no numbers, or more than 100"
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/contacts/check [post]
func (s *Server) checkNumbers(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req CheckNumbersRequest) (NumberCheckList, error) {
		res, err := s.cfg.Sessions.CheckNumbers(ctx, t.id, req.Numbers)
		return NumberCheckList{Results: res}, err
	})
}

// contactPicture godoc
//
//	@Summary		A contact's profile picture URL
//	@ID				getContactPicture
//	@Description	url is empty when they have no picture or do not show it to us.
//	@Tags			contacts
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success		200		{object}	session.ProfilePicture
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session; the number is not on WhatsApp (not_on_whatsapp)"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/contacts/{contact}/picture [get]
func (s *Server) contactPicture(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, s.cfg.Sessions.ContactPicture)
}

// contactAbout godoc
//
//	@Summary		A contact's about text
//	@ID				getContactAbout
//	@Description	about is empty when they have none or hide it from us.
//	@Tags			contacts
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success		200		{object}	session.About
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session; the number is not on WhatsApp (not_on_whatsapp)"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/contacts/{contact}/about [get]
func (s *Server) contactAbout(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, s.cfg.Sessions.ContactAbout)
}

// businessProfile godoc
//
//	@Summary	A business account's profile
//	@ID			getBusinessProfile
//	@Tags		contacts
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success	200		{object}	session.BusinessProfile
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session; not on WhatsApp (not_on_whatsapp); not a business (not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/contacts/{contact}/business [get]
func (s *Server) businessProfile(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, s.cfg.Sessions.BusinessProfile)
}

// commonGroups godoc
//
//	@Summary	Groups we share with a contact
//	@ID			getCommonGroups
//	@Tags		contacts
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success	200		{object}	CommonGroups
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/contacts/{contact}/groups [get]
func (s *Server) commonGroups(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, func(ctx context.Context, id, c string) (CommonGroups, error) {
		groups, err := s.cfg.Sessions.CommonGroups(ctx, id, c)
		return CommonGroups{Groups: groups}, err
	})
}

// blockContact godoc
//
//	@Summary		Block a contact
//	@ID				blockContact
//	@Description	Any well-formed number can be blocked, on WhatsApp or not. contact.changed follows.
//	@Tags			contacts
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success		200		{object}	session.BlockResult
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/contacts/{contact}/block [put]
func (s *Server) blockContact(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, func(ctx context.Context, id, c string) (session.BlockResult, error) {
		return s.cfg.Sessions.Block(ctx, id, c, true)
	})
}

// unblockContact godoc
//
//	@Summary		Unblock a contact
//	@ID				unblockContact
//	@Description	contact.changed follows.
//	@Tags			contacts
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			contact	path		string	true	"phone number, …@c.us or …@lid"
//	@Success		200		{object}	session.BlockResult
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/contacts/{contact}/block [delete]
func (s *Server) unblockContact(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, func(ctx context.Context, id, c string) (session.BlockResult, error) {
		return s.cfg.Sessions.Block(ctx, id, c, false)
	})
}

// listBlocked godoc
//
//	@Summary	The contacts we blocked
//	@ID			listBlockedContacts
//	@Tags		contacts
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	BlockedList
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/contacts/blocked [get]
func (s *Server) listBlocked(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (BlockedList, error) {
		list, err := s.cfg.Sessions.Blocked(ctx, t.id)
		return BlockedList{Blocked: list}, err
	})
}
