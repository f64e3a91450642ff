package session

import "context"

// Events of groups (docs/events.md). The bridge (groups.ts) reports
// participant changes from wa-js's group.participant_changed and the rest
// from the groups' notification messages, which are never messages.
const (
	EventGroupJoined            = "group.joined"             // GroupJoinedEvent
	EventGroupLeft              = "group.left"               // GroupLeftEvent
	EventGroupParticipants      = "group.participants"       // GroupParticipantsEvent
	EventGroupUpdated           = "group.updated"            // GroupUpdatedEvent
	EventGroupMembershipRequest = "group.membership_request" // GroupMembershipRequestEvent
)

// Bridge events of groups.
const (
	BridgeGroupJoined       = "group_joined"
	BridgeGroupLeft         = "group_left"
	BridgeGroupParticipants = "group_participants"
	BridgeGroupUpdated      = "group_updated"
	BridgeGroupRequest      = "group_membership_request"
)

// GroupJoinedEvent is the payload of group.joined: we created a group,
// were added to one, or joined one by invite.
type GroupJoinedEvent struct {
	GroupID string `json:"group_id" example:"120363041234567890@g.us"`
	By      string `json:"by" example:"15550001111@c.us"`                         // who created it or added us (we, when we joined)
	Reason  string `json:"reason" enums:"created,added,invite" example:"created"` // how we got in
	Group   *Group `json:"group,omitempty"`                                       // the group as it is now, when WhatsApp had it
} // @name GroupJoinedEvent

// GroupLeftEvent is the payload of group.left: we left a group or were
// removed from it.
type GroupLeftEvent struct {
	GroupID string `json:"group_id" example:"120363041234567890@g.us"`
	By      string `json:"by" example:"15550001111@c.us"`
	Reason  string `json:"reason" enums:"left,removed" example:"left"`
} // @name GroupLeftEvent

// GroupParticipantsEvent is the payload of group.participants: by added,
// removed, promoted or demoted participants. reason says invite when they
// joined by link, left when they removed themselves.
type GroupParticipantsEvent struct {
	GroupID      string   `json:"group_id" example:"120363041234567890@g.us"`
	Action       string   `json:"action" enums:"add,remove,promote,demote" example:"promote"`
	Participants []string `json:"participants"`
	By           string   `json:"by" example:"15550001111@c.us"`
	Reason       string   `json:"reason,omitempty" enums:"invite,left" example:""`
} // @name GroupParticipantsEvent

// GroupUpdatedEvent is the payload of group.updated: by changed the
// subject, description, picture, a setting or the invite link.
type GroupUpdatedEvent struct {
	GroupID string `json:"group_id" example:"120363041234567890@g.us"`
	By      string `json:"by" example:"15550001111@c.us"`
	Changed string `json:"changed" enums:"subject,description,picture,announcement,restrict,ephemeral,invite,membership_approval" example:"subject"`
	Group   *Group `json:"group,omitempty"` // the group after the change
} // @name GroupUpdatedEvent

// GroupMembershipRequestEvent is the payload of group.membership_request:
// someone asked to join a group that needs an admin's approval.
type GroupMembershipRequestEvent struct {
	GroupID      string   `json:"group_id" example:"120363041234567890@g.us"`
	By           string   `json:"by" example:"15552223333@c.us"`
	Participants []string `json:"participants"`
	Method       string   `json:"method" example:"InviteLink"`
} // @name GroupMembershipRequestEvent

// onGroupEvent publishes the bridge's group events; it reports whether ev
// was one of them.
func (w *watch) onGroupEvent(ctx context.Context, ev PageEvent) bool {
	switch ev.Type {
	case BridgeGroupJoined:
		publishBridge[GroupJoinedEvent](ctx, w, ev, EventGroupJoined, func(e GroupJoinedEvent) bool { return e.GroupID != "" })
	case BridgeGroupLeft:
		publishBridge[GroupLeftEvent](ctx, w, ev, EventGroupLeft, func(e GroupLeftEvent) bool { return e.GroupID != "" })
	case BridgeGroupParticipants:
		publishBridge[GroupParticipantsEvent](ctx, w, ev, EventGroupParticipants, func(e GroupParticipantsEvent) bool {
			return e.GroupID != "" && len(e.Participants) > 0
		})
	case BridgeGroupUpdated:
		publishBridge[GroupUpdatedEvent](ctx, w, ev, EventGroupUpdated, func(e GroupUpdatedEvent) bool { return e.GroupID != "" && e.Changed != "" })
	case BridgeGroupRequest:
		publishBridge[GroupMembershipRequestEvent](ctx, w, ev, EventGroupMembershipRequest, func(e GroupMembershipRequestEvent) bool { return e.GroupID != "" })
	default:
		return false
	}
	return true
}
