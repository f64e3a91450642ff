package session

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Groups through the bridge (groups.ts, WPP.group of wa-js 4.6.0). Each
// call validates at the edge and needs a WORKING session; a group the
// session does not know is group_not_found, a refusal of WhatsApp's admin
// rules not_group_admin (refusal.go).

// Group is a WhatsApp group as the session sees it.
type Group struct {
	ID                 string             `json:"id" example:"120363041234567890@g.us"`
	Subject            string             `json:"subject" example:"Support team"`
	Description        string             `json:"description"`
	Owner              string             `json:"owner" example:"15550001111@c.us"` // who created it
	CreatedAt          int64              `json:"created_at" example:"1764136800"`  // unix seconds
	Size               int                `json:"size" example:"3"`
	Participants       []GroupParticipant `json:"participants"`
	Announcement       bool               `json:"announcement"`        // only admins send messages
	Restrict           bool               `json:"restrict"`            // only admins edit the subject, description, picture and settings
	Ephemeral          int                `json:"ephemeral"`           // disappearing messages after this many seconds; 0 off
	MembershipApproval bool               `json:"membership_approval"` // joining by link waits for an admin
	Member             bool               `json:"member"`              // we are a participant
} // @name Group

// GroupParticipant is a member of a group and its role.
type GroupParticipant struct {
	ID   string `json:"id" example:"15552223333@c.us"`
	Role string `json:"role" enums:"member,admin,superadmin" example:"admin"` // superadmin: the creator
} // @name GroupParticipant

// ParticipantResult is one participant's answer to an action on several.
// Code is ok (or added) when it worked, else why not: invited (the number
// allows adds only from its contacts; WhatsApp sent it invite_code
// instead), already_member, recently_left, group_full, pending_approval, or
// wa-js's code (group_participant_not_found, ...).
type ParticipantResult struct {
	ID            string `json:"id" example:"15552223333@c.us"`
	OK            bool   `json:"ok"`
	Code          string `json:"code" example:"added"`
	InviteCode    string `json:"invite_code,omitempty" example:"AbCdEfGhIjKlMnOpQrStUv"`
	InviteCodeExp int64  `json:"invite_code_exp,omitempty"` // unix seconds
} // @name ParticipantResult

// CreatedGroup is a new group and how adding each participant went.
type CreatedGroup struct {
	Group   Group               `json:"group"`
	Results []ParticipantResult `json:"results"`
} // @name CreatedGroup

// GroupInvite is a group's invite code and link.
type GroupInvite struct {
	Code string `json:"code" example:"AbCdEfGhIjKlMnOpQrStUv"`
	Link string `json:"link" example:"https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv"`
} // @name GroupInvite

// GroupJoin is the result of joining by invite.
type GroupJoin struct {
	ID              string `json:"id" example:"120363041234567890@g.us"`
	PendingApproval bool   `json:"pending_approval"` // an admin must approve us first
} // @name GroupJoin

// MembershipRequest is someone waiting to join a group.
type MembershipRequest struct {
	ID        string `json:"id" example:"15552223333@c.us"`
	AddedBy   string `json:"added_by"`
	Method    string `json:"method" example:"InviteLink"` // InviteLink, LinkedGroupJoin or NonAdminAdd
	Timestamp int64  `json:"timestamp"`                   // unix seconds
} // @name MembershipRequest

// GroupSettings are the settings to change; nil fields stay as they are.
type GroupSettings struct {
	Announcement *bool `json:"announcement,omitempty"`
	Restrict     *bool `json:"restrict,omitempty"`
	Ephemeral    *int  `json:"ephemeral,omitempty" enums:"0,86400,604800,7776000"` // seconds: off, 24 hours, 7 days, 90 days
} // @name GroupSettings

// Group limits WhatsApp applies.
const (
	MaxGroupSubject     = 100
	MaxGroupDescription = 2048
	maxGroupBatch       = 256
)

// ParticipantActions are the actions on participants.
var ParticipantActions = []string{"add", "demote", "promote", "remove"}

var inviteRe = regexp.MustCompile(`^[A-Za-z0-9_-]{10,32}$`)

// NormalizeGroupID accepts a group id (…@g.us) or its digits.
func NormalizeGroupID(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "@") {
		s += "@g.us"
	}
	if !groupJID.MatchString(s) {
		return "", apperr.Field(field, "%q is not a group id such as 120363041234567890@g.us", truncate(s, 60))
	}
	return s, nil
}

// NormalizeInviteCode accepts an invite code or link.
func NormalizeInviteCode(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"https://", "http://", "chat.whatsapp.com/", "invite/"} {
		s = strings.TrimPrefix(s, p)
	}
	if !inviteRe.MatchString(s) {
		return "", apperr.Field(field, "%q is not an invite code or link such as https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv", truncate(s, 60))
	}
	return s, nil
}

// normalizeParticipants normalises 1 to 256 user ids (phone numbers,
// @c.us or @lid ids).
func normalizeParticipants(field string, in []string) ([]string, error) {
	out, err := normalizeChatIDs(field, in, maxGroupBatch)
	if err != nil {
		return nil, err
	}
	for i, id := range out {
		if groupJID.MatchString(id) {
			return nil, apperr.Field(fmt.Sprintf("%s[%d]", field, i), "%q is a group, not a person", id)
		}
	}
	return out, nil
}

func checkSubject(s string) error { return checkTitle("subject", s) }
func checkName(s string) error    { return checkTitle("name", s) }

// checkTitle checks a group's subject or a community's name.
func checkTitle(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return apperr.Field(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxGroupSubject {
		return apperr.Field(field, "has %d characters; WhatsApp allows %d", n, MaxGroupSubject)
	}
	return nil
}

// groupCall runs a bridge call about group gid (validated and named in the
// "group" field) of a WORKING session.
func (m *Manager) groupCall(ctx context.Context, id, gid, what, method string, args map[string]any, result any) error {
	g, err := NormalizeGroupID("group", gid)
	if err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	args["group"] = g
	return m.groupPageCall(ctx, id, what, method, args, result)
}

// groupPageCall is msgCall for groups: a chat the page does not know is a
// group_not_found.
func (m *Manager) groupPageCall(ctx context.Context, id, what, method string, args map[string]any, result any) error {
	page, err := m.workingPage(ctx, id, what)
	if err != nil {
		return err
	}
	err = m.msgCall(ctx, page, method, args, result)
	if e, ok := errors.AsType[*apperr.Error](err); ok && e.Code == apperr.ChatNotFound {
		return &apperr.Error{Code: apperr.GroupNotFound, Field: "group", Err: err, Detail: "group: " + e.Detail}
	}
	return err
}

// Groups lists the groups the session is in.
func (m *Manager) Groups(ctx context.Context, id string) ([]Group, error) {
	out := []Group{}
	err := m.groupPageCall(ctx, id, "listing groups", "listGroups", map[string]any{}, &out)
	return out, err
}

// Group returns one group with its participants and their roles.
func (m *Manager) Group(ctx context.Context, id, gid string) (Group, error) {
	var g Group
	err := m.groupCall(ctx, id, gid, "reading a group", "getGroup", nil, &g)
	return g, err
}

// CreateGroup creates a group with subject and participants; each
// participant's result says whether it was added or got an invite.
func (m *Manager) CreateGroup(ctx context.Context, id, subject string, participants []string) (CreatedGroup, error) {
	if err := checkSubject(subject); err != nil {
		return CreatedGroup{}, err
	}
	ps, err := normalizeParticipants("participants", participants)
	if err != nil {
		return CreatedGroup{}, err
	}
	var out CreatedGroup
	err = m.groupPageCall(ctx, id, "creating a group", "createGroup", map[string]any{"subject": subject, "participants": ps}, &out)
	return out, err
}

// GroupParticipants adds, removes, promotes or demotes participants, each
// answered on its own. A call where every add failed because the group is
// full is a group_full.
func (m *Manager) GroupParticipants(ctx context.Context, id, gid, action string, participants []string) ([]ParticipantResult, error) {
	if !slices.Contains(ParticipantActions, action) {
		return nil, apperr.Field("action", "must be one of %s", strings.Join(ParticipantActions, ", "))
	}
	ps, err := normalizeParticipants("participants", participants)
	if err != nil {
		return nil, err
	}
	out := []ParticipantResult{}
	if err := m.groupCall(ctx, id, gid, "changing participants", "groupParticipants",
		map[string]any{"action": action, "participants": ps}, &out); err != nil {
		return nil, err
	}
	full := len(out) > 0
	for _, r := range out {
		full = full && r.Code == "group_full"
	}
	if full {
		return out, apperr.E(apperr.GroupFull, "the group is full: WhatsApp added none of the participants")
	}
	return out, nil
}

// SetGroupSubject renames a group.
func (m *Manager) SetGroupSubject(ctx context.Context, id, gid, subject string) error {
	if err := checkSubject(subject); err != nil {
		return err
	}
	return m.groupCall(ctx, id, gid, "renaming a group", "setGroupSubject", map[string]any{"subject": subject}, nil)
}

// SetGroupDescription sets (or, when empty, clears) a group's description.
func (m *Manager) SetGroupDescription(ctx context.Context, id, gid, desc string) error {
	if n := utf8.RuneCountInString(desc); n > MaxGroupDescription {
		return apperr.Field("description", "has %d characters; WhatsApp allows %d", n, MaxGroupDescription)
	}
	return m.groupCall(ctx, id, gid, "describing a group", "setGroupDescription", map[string]any{"description": desc}, nil)
}

// SetGroupPicture sets a group's picture from an image (JPEG, PNG or WebP).
func (m *Manager) SetGroupPicture(ctx context.Context, id, gid string, img Media) error {
	if len(img.Data) == 0 {
		return apperr.Field("data", "must not be empty")
	}
	if !slices.Contains([]string{"image/jpeg", "image/png", "image/webp"}, img.Mimetype) {
		return apperr.Field("mimetype", "must be image/jpeg, image/png or image/webp")
	}
	return m.groupCall(ctx, id, gid, "setting a group picture", "setGroupPicture",
		map[string]any{"data": base64.StdEncoding.EncodeToString(img.Data), "mimetype": img.Mimetype}, nil)
}

// RemoveGroupPicture removes a group's picture.
func (m *Manager) RemoveGroupPicture(ctx context.Context, id, gid string) error {
	return m.groupCall(ctx, id, gid, "removing a group picture", "removeGroupPicture", nil, nil)
}

// SetGroupSettings changes the settings that are set and returns the group.
func (m *Manager) SetGroupSettings(ctx context.Context, id, gid string, s GroupSettings) (Group, error) {
	args := map[string]any{}
	if s.Announcement != nil {
		args["announcement"] = *s.Announcement
	}
	if s.Restrict != nil {
		args["restrict"] = *s.Restrict
	}
	if s.Ephemeral != nil {
		if !slices.Contains([]int{0, 86400, 604800, 7776000}, *s.Ephemeral) {
			return Group{}, apperr.Field("ephemeral", "must be 0 (off), 86400 (24 hours), 604800 (7 days) or 7776000 (90 days)")
		}
		args["ephemeral"] = *s.Ephemeral
	}
	if len(args) == 0 {
		return Group{}, apperr.Field("announcement", "name at least one of announcement, restrict, ephemeral")
	}
	var g Group
	err := m.groupCall(ctx, id, gid, "changing group settings", "setGroupSettings", args, &g)
	return g, err
}

// GroupInvite returns a group's invite code and link (admins only).
func (m *Manager) GroupInvite(ctx context.Context, id, gid string) (GroupInvite, error) {
	var inv GroupInvite
	err := m.groupCall(ctx, id, gid, "reading an invite link", "getGroupInvite", nil, &inv)
	return inv, err
}

// RevokeGroupInvite resets a group's invite link and returns the new one;
// the old one stops working.
func (m *Manager) RevokeGroupInvite(ctx context.Context, id, gid string) (GroupInvite, error) {
	var inv GroupInvite
	err := m.groupCall(ctx, id, gid, "revoking an invite link", "revokeGroupInvite", nil, &inv)
	return inv, err
}

// GroupInviteInfo returns the group an invite code leads to.
func (m *Manager) GroupInviteInfo(ctx context.Context, id, code string) (Group, error) {
	c, err := NormalizeInviteCode("code", code)
	if err != nil {
		return Group{}, err
	}
	var g Group
	err = m.groupPageCall(ctx, id, "reading an invite", "groupInviteInfo", map[string]any{"code": c}, &g)
	return g, err
}

// JoinGroup joins a group by invite code or link.
func (m *Manager) JoinGroup(ctx context.Context, id, code string) (GroupJoin, error) {
	c, err := NormalizeInviteCode("code", code)
	if err != nil {
		return GroupJoin{}, err
	}
	var j GroupJoin
	err = m.groupPageCall(ctx, id, "joining a group", "joinGroup", map[string]any{"code": c}, &j)
	return j, err
}

// LeaveGroup leaves a group.
func (m *Manager) LeaveGroup(ctx context.Context, id, gid string) error {
	return m.groupCall(ctx, id, gid, "leaving a group", "leaveGroup", nil, nil)
}

// MembershipRequests lists who waits to join a group (admins only).
func (m *Manager) MembershipRequests(ctx context.Context, id, gid string) ([]MembershipRequest, error) {
	out := []MembershipRequest{}
	err := m.groupCall(ctx, id, gid, "listing membership requests", "groupRequests", nil, &out)
	return out, err
}

// DecideMembershipRequests approves (or rejects) the requests of
// participants, each answered on its own.
func (m *Manager) DecideMembershipRequests(ctx context.Context, id, gid string, approve bool, participants []string) ([]ParticipantResult, error) {
	ps, err := normalizeParticipants("participants", participants)
	if err != nil {
		return nil, err
	}
	out := []ParticipantResult{}
	err = m.groupCall(ctx, id, gid, "deciding membership requests", "decideGroupRequests",
		map[string]any{"approve": approve, "participants": ps}, &out)
	return out, err
}
