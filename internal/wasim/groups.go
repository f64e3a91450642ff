package wasim

import (
	"crypto/rand"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"
)

// Groups shared by simulated phones. A group is the server's: every member
// account sees the same subject, participants and settings. A change (by a
// linked device, or by another member through the control API) reaches the
// connected devices of every member, and of those it removed, as WhatsApp
// sends it: a "group" push with the new metadata (and, for participant
// changes, what wa-js's group.participant_changed reports), then a gp2
// notification message in the group's chat (stored in the history like any
// message). Admin rules are WhatsApp's: only admins add, remove, promote,
// demote, reset the invite link, approve requests, and (when restrict is
// on) edit the subject, description, picture and settings. A number whose
// owner allows adds only from contacts (POST /__sim/groups/privacy) is not
// added: the adder gets code 403 with an invite code instead.

// Participant roles.
const (
	roleMember     = "member"
	roleAdmin      = "admin"
	roleSuperAdmin = "superadmin"
)

// Per-participant result codes of create and add, as wa-js reports them.
const (
	addOK       = 200
	addInvite   = 403 // the number's privacy refused the add; an invite code is given instead
	addRecently = 408 // the number left the group recently
	addExists   = 409 // already a member
	addFull     = 500 // the group is full
)

// DefaultGroupSizeLimit is WhatsApp's participant limit of a group.
const DefaultGroupSizeLimit = 1024

// inviteTTL is how long the invite of a refused add is valid.
const inviteTTL = 3 * 24 * time.Hour

// group is one group; the Server's mutex guards it.
type group struct {
	id        string
	subject   string
	desc      string
	picture   string // an id changed on every new picture; "" for none
	owner     string // jid of the creator
	creation  int64
	members   []string          // jids, in the order they joined
	roles     map[string]string // jid → role
	announce  bool              // only admins send
	restrict  bool              // only admins edit the group info
	ephemeral int               // disappearing messages, seconds; 0 off
	approval  bool              // joining by link needs an admin's approval
	invite    string            // the current invite code
	requests  []JoinRequest
	left      map[string]bool // jids that left or were removed

	// Communities (communities.go): a community is a parent group whose
	// subgroups link to it; its announcement group is one of them.
	parent    bool
	parentID  string   // the community a subgroup belongs to
	subgroups []string // a community's subgroups, announcement group first
	announceG bool     // the community's announcement group
}

// JoinRequest is a pending membership request.
type JoinRequest struct {
	ID     string `json:"id"`
	Method string `json:"method"` // InviteLink or NonAdminAdd, as wa-js names it
	By     string `json:"by"`     // who asked (or added them)
	T      int64  `json:"t"`
}

// GroupParticipant is a member and its role.
type GroupParticipant struct {
	ID           string `json:"id"`
	IsAdmin      bool   `json:"is_admin"`
	IsSuperAdmin bool   `json:"is_super_admin"`
}

// GroupInfo is a group as the page channel and the control API show it.
type GroupInfo struct {
	ID           string             `json:"id"`
	Subject      string             `json:"subject"`
	Desc         string             `json:"desc"`
	Picture      string             `json:"picture,omitempty"`
	Owner        string             `json:"owner"`
	Creation     int64              `json:"creation"`
	Participants []GroupParticipant `json:"participants"`
	Announce     bool               `json:"announce"`
	Restrict     bool               `json:"restrict"`
	Ephemeral    int                `json:"ephemeral"`
	Approval     bool               `json:"membership_approval"`
	Size         int                `json:"size"`
	Member       bool               `json:"member"` // the account this is shown to is a member
	Invite       string             `json:"invite,omitempty"`
	IsParent     bool               `json:"is_parent,omitempty"`    // a community
	ParentGroup  string             `json:"parent_group,omitempty"` // the community of a subgroup
	Subgroups    []string           `json:"joined_subgroups,omitempty"`
	GroupType    string             `json:"group_type,omitempty"` // LINKED_ANNOUNCEMENT_GROUP for a community's announcement group
}

// GroupChange is a participant change as wa-js's group.participant_changed
// reports it.
type GroupChange struct {
	GroupID      string   `json:"group_id"`
	Author       string   `json:"author"`
	Action       string   `json:"action"`    // add, remove, promote, demote, leave, join
	Operation    string   `json:"operation"` // add, remove, promote, demote
	Participants []string `json:"participants"`
}

// AddResult is one participant's result of a create or add.
type AddResult struct {
	ID            string `json:"wid"`
	Code          int    `json:"code"`
	InviteCode    string `json:"invite_code,omitempty"`
	InviteCodeExp int64  `json:"invite_code_exp,omitempty"`
}

// groupBook is the Server's groups.
type groupBook struct {
	byID      map[string]*group
	byInvite  map[string]string // invite code → group id
	refuseAdd map[string]bool   // jids that may only be added by their contacts
}

func (b *groupBook) init() {
	if b.byID == nil {
		b.byID, b.byInvite, b.refuseAdd = map[string]*group{}, map[string]string{}, map[string]bool{}
	}
}

func (g *group) has(jid string) bool { return g.roles[jid] != "" }
func (g *group) isAdmin(jid string) bool {
	return g.roles[jid] == roleAdmin || g.roles[jid] == roleSuperAdmin
}

// info shows g to the account whose jid is viewer.
func (g *group) info(viewer string) GroupInfo {
	gi := GroupInfo{ID: g.id, Subject: g.subject, Desc: g.desc, Picture: g.picture, Owner: g.owner, Creation: g.creation,
		Announce: g.announce, Restrict: g.restrict, Ephemeral: g.ephemeral, Approval: g.approval, Size: len(g.members),
		Member: g.has(viewer), Participants: make([]GroupParticipant, 0, len(g.members))}
	for _, m := range g.members {
		r := g.roles[m]
		gi.Participants = append(gi.Participants, GroupParticipant{ID: m, IsAdmin: r != roleMember, IsSuperAdmin: r == roleSuperAdmin})
	}
	if g.isAdmin(viewer) {
		gi.Invite = g.invite
	}
	gi.IsParent, gi.ParentGroup, gi.Subgroups = g.parent, g.parentID, slices.Clone(g.subgroups)
	if g.announceG {
		gi.GroupType = "LINKED_ANNOUNCEMENT_GROUP"
	}
	return gi
}

// digits returns n random decimal digits.
func digits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteString(d.String())
	}
	return b.String()
}

// newInvite returns an invite code shaped like WhatsApp's (22 characters).
func newInvite() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 22)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// userJid normalises a participant (a phone number or a @c.us jid).
func userJid(field, s string) (string, error) {
	if p, ok := normalizePhone(strings.TrimSuffix(s, "@c.us")); ok {
		return p + "@c.us", nil
	}
	return "", fieldError(field, "%q is not a phone number or @c.us id", s)
}

func (s *Server) groupLocked(gid string) (*group, error) {
	s.groups.init()
	g := s.groups.byID[gid]
	if g == nil {
		return nil, errorf(CodeNotFound, "chat_not_found: Chat not found for %s", gid)
	}
	return g, nil
}

// createGroupLocked creates a group of owner (a jid) with subject and
// participants and returns it and each participant's result. s.mu must be held.
func (s *Server) createGroupLocked(owner, subject string, participants []string) (*group, []AddResult, error) {
	s.groups.init()
	if strings.TrimSpace(subject) == "" || len([]rune(subject)) > 100 {
		return nil, nil, errorf(CodeInvalid, "invalid_group_subject: subject must be 1 to 100 characters")
	}
	g := &group{id: "120363" + digits(12) + "@g.us", subject: subject, owner: owner, creation: time.Now().Unix(),
		roles: map[string]string{owner: roleSuperAdmin}, members: []string{owner}, invite: newInvite(), left: map[string]bool{}}
	s.groups.byID[g.id] = g
	s.groups.byInvite[g.invite] = g.id
	res, _ := s.addMembersLocked(g, participants)
	s.notifyLocked(g, owner, "create", nil, nil, nil)
	return g, res, nil
}

// addMembersLocked adds participants to g and returns each one's result
// and those added. s.mu must be held.
func (s *Server) addMembersLocked(g *group, participants []string) ([]AddResult, []string) {
	res := make([]AddResult, 0, len(participants))
	var added []string
	for _, p := range participants {
		r := AddResult{ID: p, Code: addOK}
		switch {
		case g.has(p):
			r.Code = addExists
		case len(g.members) >= s.cfg.GroupSizeLimit:
			r.Code = addFull
		case s.groups.refuseAdd[p]:
			r.Code, r.InviteCode, r.InviteCodeExp = addInvite, newInvite(), time.Now().Add(inviteTTL).Unix()
			s.groups.byInvite[r.InviteCode] = g.id
		default:
			g.members = append(g.members, p)
			g.roles[p] = roleMember
			delete(g.left, p)
			added = append(added, p)
		}
		res = append(res, r)
	}
	return res, added
}

// changeLocked tells every member (and those the change removed) about a
// participant change. s.mu must be held.
func (s *Server) changeLocked(g *group, by, action, op string, participants []string) {
	ch := &GroupChange{GroupID: g.id, Author: by, Action: action, Operation: op, Participants: participants}
	extra := []string{}
	if op == "remove" {
		extra = participants
	}
	subtype := action
	if action == "join" {
		subtype = "invite"
	}
	s.notifyLocked(g, by, subtype, participants, ch, extra)
}

// notifyLocked pushes g's metadata (with ch, when a participant change) and
// then a gp2 notification of subtype about recipients to the devices of
// every member and of extra. s.mu must be held.
func (s *Server) notifyLocked(g *group, by, subtype string, recipients []string, ch *GroupChange, extra []string) {
	to := slices.Clone(g.members)
	for _, e := range extra {
		if !slices.Contains(to, e) {
			to = append(to, e)
		}
	}
	key := newKey()
	for _, jid := range to {
		a := s.accounts[strings.TrimSuffix(jid, "@c.us")]
		if a == nil {
			continue
		}
		gi := g.info(jid)
		s.toDevicesLocked(a, outMsg{T: msgGroup, Group: &gi, Change: ch})
		m := &message{Message: Message{ID: "false_" + g.id + "_" + key, Key: key, ChatID: g.id, From: g.id, To: a.wid(),
			Author: by, Type: "gp2", Subtype: subtype, Recipients: recipients, Timestamp: time.Now().Unix(), Ack: AckServer}}
		if subtype == "subject" {
			m.Body = g.subject
		}
		s.addLocked(a, m)
		s.deliverLocked(m)
	}
}

// groupsOfLocked lists the groups jid is a member of, by id.
func (s *Server) groupsOfLocked(jid string) []GroupInfo {
	s.groups.init()
	out := []GroupInfo{}
	for _, g := range s.groups.byID {
		if g.has(jid) {
			out = append(out, g.info(jid))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
