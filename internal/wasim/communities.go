package wasim

import (
	"fmt"
	"slices"
)

// Communities: a community is a parent group (is_parent) with an
// announcement group that WhatsApp creates with it (only admins send) and
// subgroups linked to it. Only an admin of both sides links or unlinks a
// group; a group that cannot be linked is listed in failed with why, as
// WhatsApp's sendLinkSubgroups answers.

// LinkFailure is a group a link or unlink left out.
type LinkFailure struct {
	Error string `json:"error"` // 403: not an admin of it; 404: no such group; 409: in another community
	JID   string `json:"jid"`
}

// createCommunityLocked creates a community of owner with its
// announcement group and links subgroups. s.mu must be held.
func (s *Server) createCommunityLocked(owner, name, desc string, subgroups []string) (*group, []string, []LinkFailure, error) {
	c, _, err := s.createGroupLocked(owner, name, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	c.parent, c.desc = true, desc
	ann, _, _ := s.createGroupLocked(owner, name, nil)
	ann.announceG, ann.announce, ann.parentID = true, true, c.id
	c.subgroups = []string{ann.id}
	s.notifyLocked(ann, owner, "linked_group_join", []string{ann.id}, nil, nil)
	linked, failed := s.linkGroupsLocked(c, owner, subgroups, true)
	if len(linked) == 0 {
		// Its members learn of the announcement group all the same.
		s.notifyLocked(c, owner, "linked_group_join", []string{ann.id}, nil, nil)
	}
	return c, linked, failed, nil
}

// linkGroupsLocked links (or unlinks) groups to community c on behalf of by.
// s.mu must be held.
func (s *Server) linkGroupsLocked(c *group, by string, ids []string, link bool) ([]string, []LinkFailure) {
	linked, failed := []string{}, []LinkFailure{}
	for _, id := range ids {
		g := s.groups.byID[id]
		switch {
		case g == nil || g.parent:
			failed = append(failed, LinkFailure{Error: "404", JID: id})
		case !g.isAdmin(by) || !c.isAdmin(by):
			failed = append(failed, LinkFailure{Error: "403", JID: id})
		case link && g.parentID != "" && g.parentID != c.id, !link && (g.parentID != c.id || g.announceG):
			failed = append(failed, LinkFailure{Error: "409", JID: id})
		case link:
			g.parentID = c.id
			if !slices.Contains(c.subgroups, id) {
				c.subgroups = append(c.subgroups, id)
			}
			linked = append(linked, id)
			s.notifyLocked(g, by, "linked_group_join", nil, nil, nil)
		default:
			g.parentID = ""
			c.subgroups = slices.DeleteFunc(c.subgroups, func(x string) bool { return x == id })
			linked = append(linked, id)
			s.notifyLocked(g, by, "linked_group_leave", nil, nil, nil)
		}
	}
	if len(linked) > 0 {
		subtype := map[bool]string{true: "linked_group_join", false: "linked_group_leave"}[link]
		s.notifyLocked(c, by, subtype, linked, nil, nil)
	}
	return linked, failed
}

// deactivateLocked ends community c: its subgroups stay as groups of their
// own, its announcement group and itself are gone. s.mu must be held.
func (s *Server) deactivateLocked(c *group, by string) error {
	if !c.parent {
		return errorf(CodeConflict, "not_a_community: %s is not a community", c.id)
	}
	if !c.isAdmin(by) {
		return errorf(codeNotAdmin, "group_you_are_not_admin: You are not admin in %s", c.id)
	}
	for _, id := range c.subgroups {
		g := s.groups.byID[id]
		if g == nil {
			continue
		}
		g.parentID = ""
		if g.announceG {
			s.endGroupLocked(g, by)
		} else {
			s.notifyLocked(g, by, "linked_group_leave", nil, nil, nil)
		}
	}
	c.subgroups, c.parent = nil, false
	s.endGroupLocked(c, by)
	return nil
}

// endGroupLocked removes every member of g and forgets it.
func (s *Server) endGroupLocked(g *group, by string) {
	was := slices.Clone(g.members)
	for _, m := range was {
		s.dropLocked(g, m)
	}
	s.changeLocked(g, by, "remove", "remove", was)
	delete(s.groups.byID, g.id)
	delete(s.groups.byInvite, g.invite)
}

// onCommunityLocked answers a page's WPP.community call. s.mu must be held.
func (s *Server) onCommunityLocked(me string, r *groupReq) (outMsg, error) {
	if r.Op == "community_create" {
		c, linked, failed, err := s.createCommunityLocked(me, r.Subject, r.Value, r.Groups)
		if err != nil {
			return outMsg{}, err
		}
		gi := c.info(me)
		return outMsg{Group: &gi, Linked: linked, Failed: failed}, nil
	}
	c, err := s.groupLocked(r.Gid)
	if err != nil {
		return outMsg{}, err
	}
	switch r.Op {
	case "community_link", "community_unlink":
		if !c.parent {
			return outMsg{}, fmt.Errorf("not_a_community: %s is not a community", c.id)
		}
		linked, failed := s.linkGroupsLocked(c, me, r.Groups, r.Op == "community_link")
		return outMsg{Linked: linked, Failed: failed}, nil
	case "community_deactivate":
		return outMsg{}, s.deactivateLocked(c, me)
	}
	return outMsg{}, fmt.Errorf("invalid_action: unknown community call %q", r.Op)
}
