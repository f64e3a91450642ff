package wasim

import (
	"slices"
	"strings"
	"time"
)

// WhatsApp's rules for acting on a group: who may add, remove, promote,
// demote, change settings, join by invite and decide membership requests.

// groupActLocked performs op on g by actor (a jid) and returns each
// participant's result (add) or nil. Admin rules are checked here, for
// pages and control calls alike. s.mu must be held.
func (s *Server) groupActLocked(g *group, actor, op string, participants []string) ([]AddResult, error) {
	if !g.has(actor) {
		return nil, errorf(CodeConflict, "not_a_participant: %s is not a participant of %s", actor, g.id)
	}
	if op != "leave" && !g.isAdmin(actor) {
		return nil, errorf(codeNotAdmin, "group_you_are_not_admin: You are not admin in %s", g.id)
	}
	switch op {
	case "add":
		res, added := s.addMembersLocked(g, participants)
		if len(added) > 0 {
			s.changeLocked(g, actor, "add", "add", added)
		}
		return res, nil
	case "leave":
		s.dropLocked(g, actor)
		s.changeLocked(g, actor, "leave", "remove", []string{actor})
		return nil, nil
	}
	for _, p := range participants {
		if !g.has(p) {
			return nil, errorf(CodeNotFound, "group_participant_not_found: Group %s: Participant '%s' not found", g.id, p)
		}
		r := g.roles[p]
		switch {
		case op == "remove" && r == roleSuperAdmin:
			return nil, errorf(CodeConflict, "group_participant_is_not_a_group_member: the creator of %s cannot be removed", g.id)
		case op == "promote" && r != roleMember:
			return nil, errorf(CodeConflict, "group_participant_is_already_a_group_admin: Group %s: Group participant is already a group admin", g.id)
		case op == "demote" && r != roleAdmin:
			return nil, errorf(CodeConflict, "group_participant_is_already_not_a_group_admin: Group %s: Group participant is already not a group admin", g.id)
		}
	}
	for _, p := range participants {
		switch op {
		case "remove":
			s.dropLocked(g, p)
		case "promote":
			g.roles[p] = roleAdmin
		case "demote":
			g.roles[p] = roleMember
		default:
			return nil, errorf(CodeInvalid, "invalid_group_action: unknown action %q", op)
		}
	}
	s.changeLocked(g, actor, op, op, participants)
	return nil, nil
}

// dropLocked removes jid from g. s.mu must be held.
func (s *Server) dropLocked(g *group, jid string) {
	g.members = slices.DeleteFunc(g.members, func(m string) bool { return m == jid })
	delete(g.roles, jid)
	g.left[jid] = true
}

// setGroupLocked changes one setting of g by actor. s.mu must be held.
func (s *Server) setGroupLocked(g *group, actor, what, value string, flag bool, n int) error {
	if !g.has(actor) {
		return errorf(CodeConflict, "not_a_participant: %s is not a participant of %s", actor, g.id)
	}
	admin := g.isAdmin(actor)
	switch what {
	case "subject", "description", "picture", "restrict", "ephemeral":
		if g.restrict && !admin {
			return errorf(codeNotAdmin, "you_are_not_allowed_set_group_%s: You are not allowed to set group %s in %s", what, what, g.id)
		}
	case "announce", "approval", "revoke_invite":
		if !admin {
			return errorf(codeNotAdmin, "group_you_are_not_admin: You are not admin in %s", g.id)
		}
	}
	switch what {
	case "subject":
		if strings.TrimSpace(value) == "" || len([]rune(value)) > 100 {
			return errorf(CodeInvalid, "invalid_group_subject: subject must be 1 to 100 characters")
		}
		g.subject = value
	case "description":
		if len([]rune(value)) > 2048 {
			return errorf(CodeInvalid, "invalid_group_description: description must be at most 2048 characters")
		}
		g.desc = value
	case "picture":
		g.picture = ""
		if flag {
			g.picture = digits(10)
		}
	case "announce":
		g.announce = flag
	case "restrict":
		g.restrict = flag
	case "approval":
		g.approval = flag
		what = "membership_approval_mode"
	case "ephemeral":
		if !slices.Contains([]int{0, 86400, 604800, 7776000}, n) {
			return errorf(CodeInvalid, "invalid_ephemeral_duration: Invalid ephemeral duration")
		}
		g.ephemeral = n
	case "revoke_invite":
		delete(s.groups.byInvite, g.invite)
		g.invite = newInvite()
		s.groups.byInvite[g.invite] = g.id
		what = "revoke_invite"
	default:
		return errorf(CodeInvalid, "invalid_group_property: unknown setting %q", what)
	}
	s.notifyLocked(g, actor, what, nil, nil, nil)
	return nil
}

// joinLocked is jid following an invite code: a member at once, or a
// membership request when the group needs approval. s.mu must be held.
func (s *Server) joinLocked(jid, code string) (*group, bool, error) {
	g, _, err := s.inviteLocked(code)
	if err != nil {
		return nil, false, err
	}
	switch {
	case g.has(jid):
		return g, false, nil
	case len(g.members) >= s.cfg.GroupSizeLimit:
		return nil, false, errorf(CodeConflict, "group_full: the group is full")
	case g.approval:
		if !slices.ContainsFunc(g.requests, func(r JoinRequest) bool { return r.ID == jid }) {
			g.requests = append(g.requests, JoinRequest{ID: jid, Method: "InviteLink", By: jid, T: time.Now().Unix()})
			s.notifyLocked(g, jid, "membership_approval_request", []string{jid}, nil, nil)
		}
		return g, true, nil
	}
	g.members = append(g.members, jid)
	g.roles[jid] = roleMember
	delete(g.left, jid)
	s.changeLocked(g, jid, "join", "add", []string{jid})
	return g, false, nil
}

// decideLocked approves or rejects membership requests of ids by actor.
func (s *Server) decideLocked(g *group, actor string, ids []string, approve bool) ([]AddResult, error) {
	if !g.isAdmin(actor) {
		return nil, errorf(codeNotAdmin, "group_you_are_not_admin: You are not admin in %s", g.id)
	}
	out := make([]AddResult, 0, len(ids))
	var added []string
	for _, id := range ids {
		i := slices.IndexFunc(g.requests, func(r JoinRequest) bool { return r.ID == id })
		if i < 0 {
			out = append(out, AddResult{ID: id, Code: 404})
			continue
		}
		g.requests = slices.Delete(g.requests, i, i+1)
		out = append(out, AddResult{ID: id, Code: addOK})
		if approve && !g.has(id) {
			g.members = append(g.members, id)
			g.roles[id] = roleMember
			added = append(added, id)
		}
	}
	if len(added) > 0 {
		s.changeLocked(g, actor, "add", "add", added)
	}
	return out, nil
}
