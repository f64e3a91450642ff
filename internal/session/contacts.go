package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Contacts: one contact, which numbers are on WhatsApp, a contact's
// profile picture, about text and business profile, the block list and
// the groups in common. Each needs a WORKING session; the page does the
// work through wa-js (bridge chats.ts).

// MaxNumberCheck bounds one CheckNumbers batch.
const MaxNumberCheck = 100

// ContactDetail is one contact with what the host account set about it.
type ContactDetail struct {
	Contact
	Blocked bool `json:"blocked"`
} // @name ContactDetail

// NumberCheck is the answer for one number of a CheckNumbers batch. A
// number that is not a phone number is answered with Error and nothing
// else.
type NumberCheck struct {
	Input      string `json:"input" example:"+1 555-123-4567"` // as sent
	Exists     bool   `json:"exists"`                          // has a WhatsApp account
	ID         string `json:"id,omitempty" example:"15551234567@c.us"`
	Phone      string `json:"phone,omitempty" example:"15551234567"`
	LID        string `json:"lid,omitempty" example:"123456789012345@lid"` // when WhatsApp told it
	IsBusiness bool   `json:"is_business,omitempty"`
	Error      string `json:"error,omitempty" example:"\"12ab\" is not an international phone number"`
} // @name NumberCheck

// ProfilePicture is a contact's profile picture; URL is empty when they
// have none (or do not show it to us).
type ProfilePicture struct {
	ID  string `json:"id" example:"15551234567@c.us"`
	URL string `json:"url" example:"https://pps.whatsapp.net/v/t61/abc.jpg"`
} // @name ProfilePicture

// About is a contact's about text ("status"); empty when they have none
// or hide it.
type About struct {
	ID    string `json:"id" example:"15551234567@c.us"`
	About string `json:"about" example:"Hey there! I am using WhatsApp."`
} // @name About

// BusinessProfile is a business account's profile.
type BusinessProfile struct {
	ID          string   `json:"id" example:"15551234567@c.us"`
	Description string   `json:"description" example:"Fresh bread every morning"`
	Email       string   `json:"email" example:"hello@example.com"`
	Address     string   `json:"address" example:"1 Main St"`
	Websites    []string `json:"websites" example:"https://example.com"`
	Categories  []string `json:"categories" example:"Bakery"`
} // @name BusinessProfile

// BlockResult is a contact's block state after blocking or unblocking.
type BlockResult struct {
	ID      string `json:"id" example:"15551234567@c.us"`
	Blocked bool   `json:"blocked"`
} // @name BlockResult

// BlockedContact is one entry of the block list.
type BlockedContact struct {
	ID    string `json:"id" example:"15551234567@c.us"`
	Phone string `json:"phone,omitempty" example:"15551234567"`
	LID   string `json:"lid,omitempty" example:"123456789012345@lid"`
} // @name BlockedContact

// NormalizeUserID is NormalizeChatID for a person: a phone number, a user
// id (@c.us) or a LID, never a group.
func NormalizeUserID(field, s string) (string, error) {
	id, err := NormalizeChatID(field, s)
	if err == nil && strings.HasSuffix(id, "@g.us") {
		return "", apperr.Field(field, "%q is a group; a contact is a phone number, a …@c.us or a …@lid id", truncate(s, 60))
	}
	return id, err
}

// contactCall runs a bridge call about one contact of a WORKING session.
func (m *Manager) contactCall(ctx context.Context, id, contactID, what, method string, args map[string]any, result any) error {
	jid, err := NormalizeUserID("contact", contactID)
	if err != nil {
		return err
	}
	return m.targetCall(ctx, id, what, method, "id", jid, args, result)
}

// GetContact returns one contact; contact_not_found when the host account
// holds none with that id.
func (m *Manager) GetContact(ctx context.Context, id, contactID string) (ContactDetail, error) {
	var c ContactDetail
	return c, m.contactCall(ctx, id, contactID, "reading a contact", "getContact", nil, &c)
}

// CheckNumbers asks WhatsApp which of 1 to MaxNumberCheck numbers (or
// user ids) have an account, in one call. Each is answered in its own
// entry, in order; a malformed one gets an Error there instead of failing
// the batch.
func (m *Manager) CheckNumbers(ctx context.Context, id string, numbers []string) ([]NumberCheck, error) {
	if len(numbers) == 0 || len(numbers) > MaxNumberCheck {
		return nil, apperr.Field("numbers", "must hold 1 to %d numbers, not %d", MaxNumberCheck, len(numbers))
	}
	out := make([]NumberCheck, len(numbers))
	var ids []string
	var at []int // index in out of each of ids
	for i, n := range numbers {
		out[i].Input = n
		jid, err := NormalizeUserID(fmt.Sprintf("numbers[%d]", i), n)
		if err != nil {
			out[i].Error = strings.TrimPrefix(apperrDetail(err), fmt.Sprintf("numbers[%d]: ", i))
			continue
		}
		ids, at = append(ids, jid), append(at, i)
	}
	if len(ids) == 0 {
		return out, nil
	}
	page, err := m.workingPage(ctx, id, "checking numbers")
	if err != nil {
		return nil, err
	}
	var res []NumberCheck
	if err := m.msgCall(ctx, page, "checkNumbers", map[string]any{"ids": ids}, &res); err != nil {
		return nil, err
	}
	if len(res) != len(ids) {
		return nil, apperr.E(apperr.Unavailable, "the page answered %d of %d numbers", len(res), len(ids))
	}
	for k, r := range res {
		r.Input = out[at[k]].Input
		if r.Exists && strings.HasSuffix(r.ID, "@c.us") {
			r.Phone = strings.TrimSuffix(r.ID, "@c.us")
		}
		out[at[k]] = r
	}
	return out, nil
}

// apperrDetail is the detail of an apperr error, else its text.
func apperrDetail(err error) string {
	if e, ok := errors.AsType[*apperr.Error](err); ok {
		return e.Detail
	}
	return err.Error()
}

// ContactPicture returns a contact's profile picture URL; not_on_whatsapp
// for a number with no account.
func (m *Manager) ContactPicture(ctx context.Context, id, contactID string) (ProfilePicture, error) {
	var p ProfilePicture
	err := m.contactCall(ctx, id, contactID, "reading a profile picture", "contactPicture", nil, &p)
	p.ID = userID(contactID)
	return p, err
}

// ContactAbout returns a contact's about text; not_on_whatsapp for a
// number with no account.
func (m *Manager) ContactAbout(ctx context.Context, id, contactID string) (About, error) {
	var a About
	err := m.contactCall(ctx, id, contactID, "reading an about text", "contactAbout", nil, &a)
	a.ID = userID(contactID)
	return a, err
}

// BusinessProfile returns a business account's profile; not_found for an
// account that is not a business, not_on_whatsapp for no account.
func (m *Manager) BusinessProfile(ctx context.Context, id, contactID string) (BusinessProfile, error) {
	var b BusinessProfile
	err := m.contactCall(ctx, id, contactID, "reading a business profile", "businessProfile", nil, &b)
	b.ID = userID(contactID)
	if b.Websites == nil {
		b.Websites = []string{}
	}
	if b.Categories == nil {
		b.Categories = []string{}
	}
	return b, err
}

// Block blocks (or unblocks) a contact; contact.changed follows.
func (m *Manager) Block(ctx context.Context, id, contactID string, block bool) (BlockResult, error) {
	var r BlockResult
	return r, m.contactCall(ctx, id, contactID, "blocking", "block", map[string]any{"block": block}, &r)
}

// Blocked lists the contacts the host account blocked.
func (m *Manager) Blocked(ctx context.Context, id string) ([]BlockedContact, error) {
	page, err := m.workingPage(ctx, id, "listing blocked contacts")
	if err != nil {
		return nil, err
	}
	out := []BlockedContact{}
	return out, m.msgCall(ctx, page, "blocked", nil, &out)
}

// CommonGroups lists the ids of the groups the host account shares with
// a contact.
func (m *Manager) CommonGroups(ctx context.Context, id, contactID string) ([]string, error) {
	out := []string{}
	return out, m.contactCall(ctx, id, contactID, "listing common groups", "commonGroups", nil, &out)
}

// userID is contactID normalised, or as given when it is not valid.
func userID(contactID string) string {
	if jid, err := NormalizeUserID("contact", contactID); err == nil {
		return jid
	}
	return contactID
}
