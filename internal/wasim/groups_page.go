package wasim

import (
	"errors"
	"fmt"
	"strings"
)

// groupReq is a page's WPP.group call (the "group" message).
type groupReq struct {
	Op           string   `json:"op"`
	Gid          string   `json:"gid,omitempty"`
	Subject      string   `json:"subject,omitempty"`
	Participants []string `json:"participants,omitempty"`
	What         string   `json:"what,omitempty"` // set: subject, description, picture, announce, restrict, ephemeral
	Value        string   `json:"value,omitempty"`
	Flag         bool     `json:"flag,omitempty"`
	N            int      `json:"n,omitempty"`
	Code         string   `json:"code,omitempty"`   // invite_info, join
	Groups       []string `json:"groups,omitempty"` // community_*: the subgroups
}

// codeNotAdmin is the control API's code of an action only admins may do.
const codeNotAdmin Code = "not_admin"

// pageError is how a page sees err: wa-js's code first ("code: text").
func pageError(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Detail
	}
	return err.Error()
}

// onGroupLocked answers a page's WPP.group call. s.mu must be held.
func (s *Server) onGroupLocked(p *page, r *groupReq) (outMsg, error) {
	d := p.dev
	if d == nil || p.phase != phaseMain {
		return outMsg{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	if r == nil {
		return outMsg{}, fmt.Errorf("invalid_action: empty group call")
	}
	me := d.acct.wid()
	participants := make([]string, 0, len(r.Participants))
	for i, x := range r.Participants {
		j, err := userJid(fmt.Sprintf("participants[%d]", i), x)
		if err != nil {
			return outMsg{}, fmt.Errorf("invalid_wid: %s", err.(*Error).Detail)
		}
		if j != me || r.Op != "create" {
			participants = append(participants, j)
		}
	}
	switch r.Op {
	case "community_create", "community_link", "community_unlink", "community_deactivate":
		return s.onCommunityLocked(me, r)
	case "create":
		g, res, err := s.createGroupLocked(me, r.Subject, participants)
		if err != nil {
			return outMsg{}, err
		}
		gi := g.info(me)
		return outMsg{Group: &gi, Results: res}, nil
	case "list":
		return outMsg{Groups: s.groupsOfLocked(me)}, nil
	case "invite_info":
		g, _, err := s.inviteLocked(r.Code)
		if err != nil {
			return outMsg{}, err
		}
		gi := g.info(me)
		gi.Invite = ""
		return outMsg{Group: &gi}, nil
	case "join":
		g, pending, err := s.joinLocked(me, r.Code)
		if err != nil {
			return outMsg{}, err
		}
		gi := g.info(me)
		return outMsg{Group: &gi, Pending: pending}, nil
	}
	g, err := s.groupLocked(r.Gid)
	if err != nil {
		return outMsg{}, err
	}
	switch r.Op {
	case "info":
		gi := g.info(me)
		return outMsg{Group: &gi}, nil
	case "add", "remove", "promote", "demote", "leave":
		res, err := s.groupActLocked(g, me, r.Op, participants)
		return outMsg{Results: res}, err
	case "set":
		return outMsg{}, s.setGroupLocked(g, me, r.What, r.Value, r.Flag, r.N)
	case "invite", "revoke":
		if !g.isAdmin(me) {
			return outMsg{}, errorf(codeNotAdmin, "group_you_are_not_admin: You are not admin in %s", g.id)
		}
		if r.Op == "revoke" {
			if err := s.setGroupLocked(g, me, "revoke_invite", "", false, 0); err != nil {
				return outMsg{}, err
			}
		}
		return outMsg{Code: g.invite}, nil
	case "requests":
		if !g.isAdmin(me) {
			return outMsg{}, errorf(codeNotAdmin, "group_you_are_not_admin: You are not admin in %s", g.id)
		}
		return outMsg{Requests: append([]JoinRequest{}, g.requests...)}, nil
	case "approve", "reject":
		res, err := s.decideLocked(g, me, participants, r.Op == "approve")
		if err != nil && r.Op == "approve" {
			err = fmt.Errorf("error_on_accept_membership_request: %s", pageError(err))
		} else if err != nil {
			err = fmt.Errorf("error_on_reject_membership_request: %s", pageError(err))
		}
		return outMsg{Results: res}, err
	}
	return outMsg{}, fmt.Errorf("invalid_action: unknown group call %q", r.Op)
}

// inviteLocked finds the group of an invite code (or link).
func (s *Server) inviteLocked(code string) (*group, string, error) {
	s.groups.init()
	code = strings.TrimPrefix(strings.TrimPrefix(code, "https://"), "chat.whatsapp.com/")
	g := s.groups.byID[s.groups.byInvite[code]]
	if g == nil {
		return nil, "", errorf(CodeNotFound, "invalid_invite_code: Invalid Invite Code")
	}
	return g, code, nil
}
