package session

import (
	"context"
)

// Communities through the bridge (WPP.community of wa-js 4.6.0): a
// community is a parent group with an announcement group and subgroups.

// Community is a community and its groups.
type Community struct {
	ID                string   `json:"id" example:"120363041234567891@g.us"`
	Name              string   `json:"name" example:"Acme"`
	Description       string   `json:"description"`
	AnnouncementGroup string   `json:"announcement_group" example:"120363041234567892@g.us"` // only admins send there
	Subgroups         []string `json:"subgroups"`                                            // the announcement group first
} // @name Community

// SubgroupLinks says which groups a link or unlink changed and which not.
type SubgroupLinks struct {
	Linked []string      `json:"linked"`
	Failed []LinkFailure `json:"failed"`
} // @name SubgroupLinks

// LinkFailure is a group a link or unlink left out, with WhatsApp's reason
// (403: not an admin of it; 404: no such group; 409: in another community,
// or the announcement group).
type LinkFailure struct {
	ID    string `json:"id" example:"120363041234567890@g.us"`
	Error string `json:"error" example:"403"`
} // @name LinkFailure

// CreatedCommunity is a new community and how linking its groups went.
type CreatedCommunity struct {
	ID string `json:"id" example:"120363041234567891@g.us"`
	SubgroupLinks
} // @name CreatedCommunity

// normalizeGroups normalises least to 50 group ids, naming field[i].
func normalizeGroups(field string, in []string, least int) ([]string, error) {
	return normalizeIDs(field, in, least, 50, "groups", NormalizeGroupID)
}

// CreateCommunity creates a community named name with its announcement
// group, and links groups (of which we must be an admin) to it.
func (m *Manager) CreateCommunity(ctx context.Context, id, name, desc string, groups []string) (CreatedCommunity, error) {
	if err := checkName(name); err != nil {
		return CreatedCommunity{}, err
	}
	gs, err := normalizeGroups("groups", groups, 0)
	if err != nil {
		return CreatedCommunity{}, err
	}
	var out CreatedCommunity
	err = m.groupPageCall(ctx, id, "creating a community", "createCommunity",
		map[string]any{"name": name, "description": desc, "groups": gs}, &out)
	return out, err
}

// Community returns a community with its announcement group and subgroups.
func (m *Manager) Community(ctx context.Context, id, cid string) (Community, error) {
	var c Community
	err := m.communityCall(ctx, id, cid, "reading a community", "getCommunity", nil, &c)
	return c, err
}

// CommunitySubgroups returns the groups of a community.
func (m *Manager) CommunitySubgroups(ctx context.Context, id, cid string) ([]Group, error) {
	out := []Group{}
	err := m.communityCall(ctx, id, cid, "listing subgroups", "communitySubgroups", nil, &out)
	return out, err
}

// LinkSubgroups links groups to a community (link) or unlinks them.
func (m *Manager) LinkSubgroups(ctx context.Context, id, cid string, groups []string, link bool) (SubgroupLinks, error) {
	gs, err := normalizeGroups("groups", groups, 1)
	if err != nil {
		return SubgroupLinks{}, err
	}
	var out SubgroupLinks
	err = m.communityCall(ctx, id, cid, "linking subgroups", "linkSubgroups", map[string]any{"groups": gs, "link": link}, &out)
	return out, err
}

// DeactivateCommunity ends a community: its subgroups stay, as groups of
// their own.
func (m *Manager) DeactivateCommunity(ctx context.Context, id, cid string) error {
	return m.communityCall(ctx, id, cid, "deactivating a community", "deactivateCommunity", nil, nil)
}

// communityCall is groupCall for a community named in the "community" field.
func (m *Manager) communityCall(ctx context.Context, id, cid, what, method string, args map[string]any, result any) error {
	c, err := NormalizeGroupID("community", cid)
	if err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	args["community"] = c
	return m.groupPageCall(ctx, id, what, method, args, result)
}
