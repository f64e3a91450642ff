package api

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/session"
)

// A group's info, settings, invite link and membership: the handlers of
// /v1/sessions/{id}/groups/{group}/... beyond its participants (groups.go).

// setGroupSubject godoc
//
//	@Summary		Rename a group
//	@ID				setGroupSubject
//	@Description	1 to 100 characters. Admins only when the group restricts editing (restrict). group.updated follows.
//	@Tags			groups
//	@Accept			json
//	@Param			id		path	string			true	"session id"
//	@Param			group	path	string			true	"group id (…@g.us)"
//	@Param			body	body	SubjectRequest	true	"the new subject"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		403	{object}	Problem	"not_group_admin"
//	@Failure		404	{object}	Problem	"group_not_found"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/subject [put]
func (s *Server) setGroupSubject(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, req SubjectRequest) (noResult, error) {
		return noResult{}, s.cfg.Sessions.SetGroupSubject(ctx, t.id, t.item, req.Subject)
	})
}

// setGroupDescription godoc
//
//	@Summary		Set a group's description
//	@ID				setGroupDescription
//	@Description	At most 2048 characters; empty clears it. Admins only when the group restricts editing. group.updated follows.
//	@Tags			groups
//	@Accept			json
//	@Param			id		path	string				true	"session id"
//	@Param			group	path	string				true	"group id (…@g.us)"
//	@Param			body	body	DescriptionRequest	true	"the description"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		403	{object}	Problem	"not_group_admin"
//	@Failure		404	{object}	Problem	"group_not_found"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/description [put]
func (s *Server) setGroupDescription(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, req DescriptionRequest) (noResult, error) {
		return noResult{}, s.cfg.Sessions.SetGroupDescription(ctx, t.id, t.item, req.Description)
	})
}

// setGroupPicture godoc
//
//	@Summary		Set a group's picture
//	@ID				setGroupPicture
//	@Description	A JPEG, PNG or WebP image, base64. group.updated follows.
//	@Tags			groups
//	@Accept			json
//	@Param			id		path	string			true	"session id"
//	@Param			group	path	string			true	"group id (…@g.us)"
//	@Param			body	body	PictureRequest	true	"the image"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		403	{object}	Problem	"not_group_admin"
//	@Failure		404	{object}	Problem	"group_not_found"
//	@Failure		409	{object}	Problem	"session not WORKING"
//	@Failure		413	{object}	Problem
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/picture [put]
func (s *Server) setGroupPicture(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, req PictureRequest) (noResult, error) {
		data, err := base64.StdEncoding.DecodeString(req.Data)
		if err != nil {
			return noResult{}, apperr.Field("data", "must be standard base64")
		}
		return noResult{}, s.cfg.Sessions.SetGroupPicture(ctx, t.id, t.item, session.Media{Data: data, Mimetype: req.Mimetype})
	})
}

// removeGroupPicture godoc
//
//	@Summary	Remove a group's picture
//	@ID			removeGroupPicture
//	@Tags		groups
//	@Param		id		path	string	true	"session id"
//	@Param		group	path	string	true	"group id (…@g.us)"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	403	{object}	Problem	"not_group_admin"
//	@Failure	404	{object}	Problem	"group_not_found"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/groups/{group}/picture [delete]
func (s *Server) removeGroupPicture(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.RemoveGroupPicture(ctx, t.id, t.item)
	})
}

// setGroupSettings godoc
//
//	@Summary		Change a group's settings
//	@ID				setGroupSettings
//	@Description	announcement: only admins send messages; restrict: only admins edit the group's info; ephemeral: disappearing messages (seconds). Fields left out stay as they are. group.updated follows for each change.
//	@Tags			groups
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string					true	"session id"
//	@Param			group	path		string					true	"group id (…@g.us)"
//	@Param			body	body		session.GroupSettings	true	"the settings to change"
//	@Success		200		{object}	session.Group
//	@Failure		400		{object}	Problem
//	@Failure		403		{object}	Problem	"not_group_admin"
//	@Failure		404		{object}	Problem	"group_not_found"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/settings [patch]
func (s *Server) setGroupSettings(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, req session.GroupSettings) (session.Group, error) {
		return s.cfg.Sessions.SetGroupSettings(ctx, t.id, t.item, req)
	})
}

// getGroupInvite godoc
//
//	@Summary	A group's invite link
//	@ID			getGroupInvite
//	@Tags		groups
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		group	path		string	true	"group id (…@g.us)"
//	@Success	200		{object}	session.GroupInvite
//	@Failure	400		{object}	Problem
//	@Failure	403		{object}	Problem	"not_group_admin"
//	@Failure	404		{object}	Problem	"group_not_found"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/groups/{group}/invite [get]
func (s *Server) getGroupInvite(w http.ResponseWriter, r *http.Request) error {
	return s.invite(w, r, s.cfg.Sessions.GroupInvite)
}

// revokeGroupInvite godoc
//
//	@Summary		Revoke a group's invite link
//	@ID				revokeGroupInvite
//	@Description	The old link stops working (invite_not_found); the answer is the new one. group.updated (changed: invite) follows.
//	@Tags			groups
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			group	path		string	true	"group id (…@g.us)"
//	@Success		200		{object}	session.GroupInvite
//	@Failure		400		{object}	Problem
//	@Failure		403		{object}	Problem	"not_group_admin"
//	@Failure		404		{object}	Problem	"group_not_found"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/invite [delete]
func (s *Server) revokeGroupInvite(w http.ResponseWriter, r *http.Request) error {
	return s.invite(w, r, s.cfg.Sessions.RevokeGroupInvite)
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id, gid string) (session.GroupInvite, error)) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, _ noBody) (session.GroupInvite, error) {
		return fn(ctx, t.id, t.item)
	})
}

// groupInviteInfo godoc
//
//	@Summary		The group an invite leads to
//	@ID				groupInviteInfo
//	@Description	Without joining it. An unknown or revoked code is invite_not_found.
//	@Tags			groups
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			code	query		string	true	"invite code or link"
//	@Success		200		{object}	session.Group
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"invite_not_found"
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/join [get]
func (s *Server) groupInviteInfo(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.Group, error) {
		return s.cfg.Sessions.GroupInviteInfo(ctx, t.id, r.URL.Query().Get("code"))
	})
}

// joinGroup godoc
//
//	@Summary		Join a group by invite
//	@ID				joinGroup
//	@Description	pending_approval: the group needs an admin to approve us first. group.joined follows once we are in.
//	@Tags			groups
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string		true	"session id"
//	@Param			body	body		JoinRequest	true	"the invite code or link"
//	@Success		200		{object}	session.GroupJoin
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"invite_not_found"
//	@Failure		409		{object}	Problem	"session not WORKING, or group_full"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/join [post]
func (s *Server) joinGroup(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, req JoinRequest) (session.GroupJoin, error) {
		return s.cfg.Sessions.JoinGroup(ctx, t.id, req.Code)
	})
}

// leaveGroup godoc
//
//	@Summary		Leave a group
//	@ID				leaveGroup
//	@Description	group.left follows.
//	@Tags			groups
//	@Param			id		path	string	true	"session id"
//	@Param			group	path	string	true	"group id (…@g.us)"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem	"group_not_found"
//	@Failure		409	{object}	Problem	"session not WORKING, or not a participant (not_allowed)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/leave [post]
func (s *Server) leaveGroup(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.LeaveGroup(ctx, t.id, t.item)
	})
}

// membershipRequests godoc
//
//	@Summary	Who waits to join a group
//	@ID			listMembershipRequests
//	@Tags		groups
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		group	path		string	true	"group id (…@g.us)"
//	@Success	200		{object}	MembershipRequestList
//	@Failure	400		{object}	Problem
//	@Failure	403		{object}	Problem	"not_group_admin"
//	@Failure	404		{object}	Problem	"group_not_found"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/groups/{group}/requests [get]
func (s *Server) membershipRequests(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, _ noBody) (MembershipRequestList, error) {
		reqs, err := s.cfg.Sessions.MembershipRequests(ctx, t.id, t.item)
		return MembershipRequestList{Requests: reqs}, err
	})
}

// decideRequests godoc
//
//	@Summary		Approve or reject membership requests
//	@ID				decideMembershipRequests
//	@Description	Each request is answered on its own. Approved ones become participants (group.participants follows).
//	@Tags			groups
//	@Accept			json
//	@Produce		json
//	@Param			id			path		string				true	"session id"
//	@Param			group		path		string				true	"group id (…@g.us)"
//	@Param			decision	path		string				true	"approve or reject"	Enums(approve,reject)
//	@Param			body		body		ParticipantsRequest	true	"whose requests"
//	@Success		200			{object}	ParticipantResults
//	@Failure		400			{object}	Problem
//	@Failure		403			{object}	Problem	"not_group_admin"
//	@Failure		404			{object}	Problem	"group_not_found"
//	@Failure		409			{object}	Problem	"session not WORKING"
//	@Failure		504			{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/requests/{decision} [post]
func (s *Server) decideRequests(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, decisionTarget, func(ctx context.Context, t target, req ParticipantsRequest) (ParticipantResults, error) {
		approve := pathParam(r, "decision") == "approve"
		res, err := s.cfg.Sessions.DecideMembershipRequests(ctx, t.id, t.item, approve, req.Participants)
		return ParticipantResults{Results: res}, err
	})
}

// decisionTarget is groupTarget for .../requests/{decision}: a decision
// other than approve or reject is no route, whatever the body holds.
func decisionTarget(r *http.Request) (target, error) {
	t, err := groupTarget(r)
	if err != nil {
		return t, err
	}
	if d := pathParam(r, "decision"); d != "approve" && d != "reject" {
		return t, apperr.E(apperr.NotFound, "no route here: decide with .../requests/approve or .../requests/reject")
	}
	return t, nil
}
