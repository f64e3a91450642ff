package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/easy-api/easy-api/internal/session"
)

// Communities: /v1/sessions/{id}/communities/... (WPP.community of wa-js).

// Communities is what the community routes need; every call needs a
// WORKING session.
type Communities interface {
	CreateCommunity(ctx context.Context, id, name, desc string, groups []string) (session.CreatedCommunity, error)
	Community(ctx context.Context, id, cid string) (session.Community, error)
	CommunitySubgroups(ctx context.Context, id, cid string) ([]session.Group, error)
	LinkSubgroups(ctx context.Context, id, cid string, groups []string, link bool) (session.SubgroupLinks, error)
	DeactivateCommunity(ctx context.Context, id, cid string) error
}

// CreateCommunityRequest is the body of POST .../communities.
type CreateCommunityRequest struct {
	Name        string   `json:"name" example:"Acme"`
	Description string   `json:"description,omitempty" example:"Everything Acme"`
	Groups      []string `json:"groups,omitempty" example:"120363041234567890@g.us"` // groups of ours to link; 0 to 50
} // @name CreateCommunityRequest

// SubgroupsRequest is the body of POST .../communities/{community}/subgroups.
type SubgroupsRequest struct {
	Groups []string `json:"groups" example:"120363041234567890@g.us"` // 1 to 50
} // @name SubgroupsRequest

// communityRoutes adds the community routes to the /v1/sessions/{id} group.
func (s *Server) communityRoutes(r chi.Router) {
	r.Route("/communities", func(r chi.Router) {
		r.Use(s.limitBody(s.cfg.MaxBodyBytes))
		r.Post("/", s.wrap(s.createCommunity))
		r.Get("/{community}", s.wrap(s.getCommunity))
		r.Delete("/{community}", s.wrap(s.deactivateCommunity))
		r.Get("/{community}/subgroups", s.wrap(s.communitySubgroups))
		r.Post("/{community}/subgroups", s.wrap(s.linkSubgroups))
		r.Delete("/{community}/subgroups/{group}", s.wrap(s.unlinkSubgroup))
	})
}

// createCommunity godoc
//
//	@Summary		Create a community
//	@ID				createCommunity
//	@Description	WhatsApp creates its announcement group with it (only admins send there) and links the groups given (we must be an admin of each; failed lists those it did not link and why: 403 not an admin, 404 no such group, 409 in another community).
//	@Tags			communities
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string					true	"session id"
//	@Param			body	body		CreateCommunityRequest	true	"name, description and groups"
//	@Success		201		{object}	session.CreatedCommunity
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/communities [post]
func (s *Server) createCommunity(w http.ResponseWriter, r *http.Request) error {
	return handleCreated(w, r, sessionTarget, func(ctx context.Context, t target, req CreateCommunityRequest) (session.CreatedCommunity, error) {
		return s.cfg.Sessions.CreateCommunity(ctx, t.id, req.Name, req.Description, req.Groups)
	})
}

// communityTarget reads the session id and the community of the path.
func communityTarget(r *http.Request) (target, error) {
	return itemTarget(r, "community", session.NormalizeGroupID)
}

// getCommunity godoc
//
//	@Summary	A community: its announcement group and subgroups
//	@ID			getCommunity
//	@Tags		communities
//	@Produce	json
//	@Param		id			path		string	true	"session id"
//	@Param		community	path		string	true	"community id (…@g.us)"
//	@Success	200			{object}	session.Community
//	@Failure	400			{object}	Problem
//	@Failure	404			{object}	Problem	"group_not_found"
//	@Failure	409			{object}	Problem	"session not WORKING"
//	@Failure	504			{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/communities/{community} [get]
func (s *Server) getCommunity(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, communityTarget, func(ctx context.Context, t target, _ noBody) (session.Community, error) {
		return s.cfg.Sessions.Community(ctx, t.id, t.item)
	})
}

// communitySubgroups godoc
//
//	@Summary	The groups of a community
//	@ID			listCommunitySubgroups
//	@Tags		communities
//	@Produce	json
//	@Param		id			path		string	true	"session id"
//	@Param		community	path		string	true	"community id (…@g.us)"
//	@Success	200			{object}	GroupList
//	@Failure	400			{object}	Problem
//	@Failure	404			{object}	Problem	"group_not_found"
//	@Failure	409			{object}	Problem	"session not WORKING"
//	@Failure	504			{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/communities/{community}/subgroups [get]
func (s *Server) communitySubgroups(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, communityTarget, func(ctx context.Context, t target, _ noBody) (GroupList, error) {
		gs, err := s.cfg.Sessions.CommunitySubgroups(ctx, t.id, t.item)
		return GroupList{Groups: gs}, err
	})
}

// linkSubgroups godoc
//
//	@Summary	Link groups to a community
//	@ID			linkCommunitySubgroups
//	@Tags		communities
//	@Accept		json
//	@Produce	json
//	@Param		id			path		string				true	"session id"
//	@Param		community	path		string				true	"community id (…@g.us)"
//	@Param		body		body		SubgroupsRequest	true	"the groups"
//	@Success	200			{object}	session.SubgroupLinks
//	@Failure	400			{object}	Problem
//	@Failure	404			{object}	Problem	"group_not_found"
//	@Failure	409			{object}	Problem	"session not WORKING, or not a community (not_allowed)"
//	@Failure	504			{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/communities/{community}/subgroups [post]
func (s *Server) linkSubgroups(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, communityTarget, func(ctx context.Context, t target, req SubgroupsRequest) (session.SubgroupLinks, error) {
		return s.cfg.Sessions.LinkSubgroups(ctx, t.id, t.item, req.Groups, true)
	})
}

// unlinkSubgroup godoc
//
//	@Summary		Unlink a group from a community
//	@ID				unlinkCommunitySubgroup
//	@Description	The group stays, as a group of its own. The announcement group cannot be unlinked (failed, 409).
//	@Tags			communities
//	@Produce		json
//	@Param			id			path		string	true	"session id"
//	@Param			community	path		string	true	"community id (…@g.us)"
//	@Param			group		path		string	true	"group id (…@g.us)"
//	@Success		200			{object}	session.SubgroupLinks
//	@Failure		400			{object}	Problem
//	@Failure		404			{object}	Problem	"group_not_found"
//	@Failure		409			{object}	Problem	"session not WORKING, or not a community (not_allowed)"
//	@Failure		504			{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/communities/{community}/subgroups/{group} [delete]
func (s *Server) unlinkSubgroup(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, communityTarget, func(ctx context.Context, t target, _ noBody) (session.SubgroupLinks, error) {
		return s.cfg.Sessions.LinkSubgroups(ctx, t.id, t.item, []string{pathParam(r, "group")}, false)
	})
}

// deactivateCommunity godoc
//
//	@Summary		Deactivate a community
//	@ID				deactivateCommunity
//	@Description	Its subgroups stay, as groups of their own; the community and its announcement group end.
//	@Tags			communities
//	@Param			id			path	string	true	"session id"
//	@Param			community	path	string	true	"community id (…@g.us)"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		403	{object}	Problem	"not_group_admin"
//	@Failure		404	{object}	Problem	"group_not_found"
//	@Failure		409	{object}	Problem	"session not WORKING, or not a community (not_allowed)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/communities/{community} [delete]
func (s *Server) deactivateCommunity(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, communityTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.DeactivateCommunity(ctx, t.id, t.item)
	})
}
