package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/session"
)

// Groups: /v1/sessions/{id}/groups/... (WPP.group of wa-js).

// Groups is what the group routes need; every call needs a WORKING
// session. A group the session is not in is group_not_found, WhatsApp's
// admin rules not_group_admin, a full group group_full, an unknown or
// revoked invite invite_not_found.
type Groups interface {
	Groups(ctx context.Context, id string) ([]session.Group, error)
	Group(ctx context.Context, id, gid string) (session.Group, error)
	CreateGroup(ctx context.Context, id, subject string, participants []string) (session.CreatedGroup, error)
	GroupParticipants(ctx context.Context, id, gid, action string, participants []string) ([]session.ParticipantResult, error)
	SetGroupSubject(ctx context.Context, id, gid, subject string) error
	SetGroupDescription(ctx context.Context, id, gid, desc string) error
	SetGroupPicture(ctx context.Context, id, gid string, img session.Media) error
	RemoveGroupPicture(ctx context.Context, id, gid string) error
	SetGroupSettings(ctx context.Context, id, gid string, s session.GroupSettings) (session.Group, error)
	GroupInvite(ctx context.Context, id, gid string) (session.GroupInvite, error)
	RevokeGroupInvite(ctx context.Context, id, gid string) (session.GroupInvite, error)
	GroupInviteInfo(ctx context.Context, id, code string) (session.Group, error)
	JoinGroup(ctx context.Context, id, code string) (session.GroupJoin, error)
	LeaveGroup(ctx context.Context, id, gid string) error
	MembershipRequests(ctx context.Context, id, gid string) ([]session.MembershipRequest, error)
	DecideMembershipRequests(ctx context.Context, id, gid string, approve bool, participants []string) ([]session.ParticipantResult, error)
}

// GroupList is the body of GET .../groups.
type GroupList struct {
	Groups []session.Group `json:"groups"`
} // @name GroupList

// CreateGroupRequest is the body of POST .../groups.
type CreateGroupRequest struct {
	Subject      string   `json:"subject" example:"Support team"`
	Participants []string `json:"participants" example:"15552223333,15553334444@c.us"` // phone numbers or ids; 1 to 256
} // @name CreateGroupRequest

// ParticipantsRequest is the body of the calls on participants and
// membership requests.
type ParticipantsRequest struct {
	Participants []string `json:"participants" example:"15552223333"` // phone numbers or ids; 1 to 256
} // @name ParticipantsRequest

// ParticipantResults answers an action on several participants: one
// result each.
type ParticipantResults struct {
	Results []session.ParticipantResult `json:"results"`
} // @name ParticipantResults

// SubjectRequest is the body of PUT .../groups/{group}/subject.
type SubjectRequest struct {
	Subject string `json:"subject" example:"Support team (EU)"`
} // @name SubjectRequest

// DescriptionRequest is the body of PUT .../groups/{group}/description.
type DescriptionRequest struct {
	Description string `json:"description" example:"Opening hours 9-17"` // empty clears it
} // @name DescriptionRequest

// PictureRequest is the body of PUT .../groups/{group}/picture.
type PictureRequest struct {
	Data     string `json:"data" example:"/9j/4AAQSkZJRgABAQ..."` // the image, base64
	Mimetype string `json:"mimetype" enums:"image/jpeg,image/png,image/webp" example:"image/jpeg"`
} // @name PictureRequest

// JoinRequest is the body of POST .../groups/join.
type JoinRequest struct {
	Code string `json:"code" example:"https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv"` // invite code or link
} // @name JoinGroupRequest

// MembershipRequestList is the body of GET .../groups/{group}/requests.
type MembershipRequestList struct {
	Requests []session.MembershipRequest `json:"requests"`
} // @name MembershipRequestList

// groupRoutes adds the group and community routes to the /v1/sessions/{id}
// group.
func (s *Server) groupRoutes(r chi.Router) {
	s.communityRoutes(r)
	jsonBody := s.limitBody(s.cfg.MaxBodyBytes)
	r.Route("/groups", func(r chi.Router) {
		r.Get("/", s.wrap(s.listGroups))
		r.With(jsonBody).Post("/", s.wrap(s.createGroup))
		r.With(jsonBody).Post("/join", s.wrap(s.joinGroup))
		r.Get("/join", s.wrap(s.groupInviteInfo))
		r.Route("/{group}", func(r chi.Router) {
			r.Group(func(r chi.Router) {
				r.Use(jsonBody)
				r.Get("/", s.wrap(s.getGroup))
				r.Post("/participants/{action}", s.wrap(s.groupParticipants))
				r.Put("/subject", s.wrap(s.setGroupSubject))
				r.Put("/description", s.wrap(s.setGroupDescription))
				r.Delete("/picture", s.wrap(s.removeGroupPicture))
				r.Patch("/settings", s.wrap(s.setGroupSettings))
				r.Get("/invite", s.wrap(s.getGroupInvite))
				r.Delete("/invite", s.wrap(s.revokeGroupInvite))
				r.Post("/leave", s.wrap(s.leaveGroup))
				r.Get("/requests", s.wrap(s.membershipRequests))
				r.Post("/requests/{decision}", s.wrap(s.decideRequests))
			})
			// A picture's body holds a base64 image up to the media limit.
			r.With(s.limitBody(max(s.cfg.MaxBodyBytes, s.media().MaxBytes/3*4+64<<10))).Put("/picture", s.wrap(s.setGroupPicture))
		})
	})
}

// groupTarget reads the session id and the group of a group route's path.
func groupTarget(r *http.Request) (target, error) {
	return itemTarget(r, "group", session.NormalizeGroupID)
}

// listGroups godoc
//
//	@Summary	Our groups
//	@ID			listGroups
//	@Tags		groups
//	@Produce	json
//	@Param		id	path		string	true	"session id"
//	@Success	200	{object}	GroupList
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/groups [get]
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (GroupList, error) {
		gs, err := s.cfg.Sessions.Groups(ctx, t.id)
		return GroupList{Groups: gs}, err
	})
}

// createGroup godoc
//
//	@Summary		Create a group
//	@ID				createGroup
//	@Description	We become its creator (superadmin). Each participant's result says whether it was added; a number whose privacy allows adds only from its contacts is not added (code invited) and WhatsApp sends it an invite (invite_code) instead. group.joined follows.
//	@Tags			groups
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			body	body		CreateGroupRequest	true	"subject and participants"
//	@Success		201		{object}	session.CreatedGroup
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups [post]
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	return handleCreated(w, r, sessionTarget, func(ctx context.Context, t target, req CreateGroupRequest) (session.CreatedGroup, error) {
		return s.cfg.Sessions.CreateGroup(ctx, t.id, req.Subject, req.Participants)
	})
}

// getGroup godoc
//
//	@Summary	One group, with its participants and their roles
//	@ID			getGroup
//	@Tags		groups
//	@Produce	json
//	@Param		id		path		string	true	"session id"
//	@Param		group	path		string	true	"group id (…@g.us)"
//	@Success	200		{object}	session.Group
//	@Failure	400		{object}	Problem
//	@Failure	404		{object}	Problem	"no such session or group (group_not_found)"
//	@Failure	409		{object}	Problem	"session not WORKING"
//	@Failure	504		{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/groups/{group} [get]
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, _ noBody) (session.Group, error) {
		return s.cfg.Sessions.Group(ctx, t.id, t.item)
	})
}

// groupParticipants godoc
//
//	@Summary		Add, remove, promote or demote participants
//	@ID				changeGroupParticipants
//	@Description	Admins only (not_group_admin otherwise). Each participant is answered on its own: add gives added, invited (WhatsApp sent an invite instead, invite_code), already_member, recently_left or group_full; the others ok or wa-js's reason (group_participant_not_found, group_participant_is_already_a_group_admin, …). When the group is full for all of them: 409 group_full. group.participants follows.
//	@Tags			groups
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"session id"
//	@Param			group	path		string				true	"group id (…@g.us)"
//	@Param			action	path		string				true	"what to do"	Enums(add,remove,promote,demote)
//	@Param			body	body		ParticipantsRequest	true	"the participants"
//	@Success		200		{object}	ParticipantResults
//	@Failure		400		{object}	Problem
//	@Failure		403		{object}	Problem	"not an admin (not_group_admin)"
//	@Failure		404		{object}	Problem	"no such session or group (group_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING, or group_full"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/groups/{group}/participants/{action} [post]
func (s *Server) groupParticipants(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, groupTarget, func(ctx context.Context, t target, req ParticipantsRequest) (ParticipantResults, error) {
		res, err := s.cfg.Sessions.GroupParticipants(ctx, t.id, t.item, pathParam(r, "action"), req.Participants)
		return ParticipantResults{Results: res}, err
	})
}
