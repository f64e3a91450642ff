package session

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Labels of a WhatsApp Business account (wa-js WPP.labels): list, create,
// edit, delete, and put on or take off chats. On an account that is not a
// business one WhatsApp refuses them, and so does every call here
// (not_business_account, 409). wa-js 4.6.0 has no label event: label.changed
// reports the changes made through this API, after WhatsApp accepted them.

// EventLabelChanged is the event type of LabelEvent.
const EventLabelChanged = "label.changed"

// Label actions of a LabelEvent.
const (
	LabelCreated      = "created"
	LabelEdited       = "edited"
	LabelDeleted      = "deleted"
	LabelChatsAdded   = "chats_added"
	LabelChatsRemoved = "chats_removed"
)

// MaxLabelNameLen bounds a label's name, as WhatsApp Business does.
const MaxLabelNameLen = 100

// Label is one label of a business account.
type Label struct {
	ID         string `json:"id" example:"3"`
	Name       string `json:"name" example:"New customer"`
	Color      string `json:"color" example:"#64c4ff"` // one of the palette's colours
	ColorIndex int    `json:"color_index" example:"1"` // its index in the palette
	Count      int    `json:"count"`                   // chats with this label
} // @name Label

// LabelList is every label of the account and the palette a label's colour
// comes from.
type LabelList struct {
	Labels  []Label  `json:"labels"`
	Palette []string `json:"palette" example:"#ff9485,#64c4ff,#ffd429"`
} // @name LabelList

// LabelEvent is the payload of label.changed: a label was created, edited
// or deleted, or put on (chats_added) or taken off (chats_removed) chats.
type LabelEvent struct {
	Action  string   `json:"action" enums:"created,edited,deleted,chats_added,chats_removed" example:"chats_added"`
	Label   Label    `json:"label"`
	ChatIDs []string `json:"chat_ids,omitempty"`
} // @name LabelEvent

// LabelInput is what a label is created or edited with; an empty Name or
// Color leaves it as it is (edit) or lets WhatsApp choose the colour
// (create).
type LabelInput struct {
	Name  string
	Color string // "#rrggbb" from the palette, or the palette index ("0".."19")
}

var (
	labelIDRe    = regexp.MustCompile(`^[0-9]{1,10}$`)
	labelColorRe = regexp.MustCompile(`^(#[0-9a-fA-F]{6}|[0-9]{1,2})$`)
)

func (in LabelInput) args(create bool) (map[string]any, error) {
	args := map[string]any{}
	name := strings.TrimSpace(in.Name)
	if err := checkInputName(name, create, MaxLabelNameLen); err != nil {
		return nil, err
	}
	switch {
	case in.Color != "" && !labelColorRe.MatchString(in.Color):
		return nil, apperr.Field("color", "%q is neither a #rrggbb colour of the palette nor a palette index", truncate(in.Color, 20))
	case !create && name == "" && in.Color == "":
		return nil, apperr.Field("name", "give a name or a color to change")
	}
	if name != "" {
		args["name"] = name
	}
	if in.Color != "" {
		args["color"] = strings.ToLower(in.Color)
	}
	return args, nil
}

// checkInputName checks the trimmed name of a label or channel input: one
// that creates needs it; none may be longer than most characters.
func checkInputName(name string, create bool, most int) error {
	switch {
	case create && name == "":
		return apperr.Field("name", "is required")
	case utf8.RuneCountInString(name) > most:
		return apperr.Field("name", "has more than %d characters", most)
	}
	return nil
}

func validLabelID(id string) error {
	if !labelIDRe.MatchString(id) {
		return apperr.Field("label", "%q is not a label id (digits, as GET .../labels lists them)", truncate(id, 20))
	}
	return nil
}

// Labels lists the account's labels and the colour palette.
func (m *Manager) Labels(ctx context.Context, id string) (LabelList, error) {
	out := LabelList{}
	err := m.pageCall(ctx, id, "listing labels", "listLabels", map[string]any{}, &out)
	if out.Labels == nil {
		out.Labels = []Label{}
	}
	return out, err
}

// CreateLabel creates a label and returns it.
func (m *Manager) CreateLabel(ctx context.Context, id string, in LabelInput) (Label, error) {
	args, err := in.args(true)
	if err != nil {
		return Label{}, err
	}
	var l Label
	if err := m.pageCall(ctx, id, "creating a label", "createLabel", args, &l); err != nil {
		return Label{}, err
	}
	m.publish(ctx, id, EventLabelChanged, LabelEvent{Action: LabelCreated, Label: l})
	return l, nil
}

// EditLabel renames or recolours a label and returns it.
func (m *Manager) EditLabel(ctx context.Context, id, labelID string, in LabelInput) (Label, error) {
	if err := validLabelID(labelID); err != nil {
		return Label{}, err
	}
	args, err := in.args(false)
	if err != nil {
		return Label{}, err
	}
	args["id"] = labelID
	var l Label
	if err := m.pageCall(ctx, id, "editing a label", "editLabel", args, &l); err != nil {
		return Label{}, err
	}
	m.publish(ctx, id, EventLabelChanged, LabelEvent{Action: LabelEdited, Label: l})
	return l, nil
}

// DeleteLabel deletes a label (and takes it off every chat).
func (m *Manager) DeleteLabel(ctx context.Context, id, labelID string) error {
	if err := validLabelID(labelID); err != nil {
		return err
	}
	var l Label
	if err := m.pageCall(ctx, id, "deleting a label", "deleteLabel", map[string]any{"id": labelID}, &l); err != nil {
		return err
	}
	m.publish(ctx, id, EventLabelChanged, LabelEvent{Action: LabelDeleted, Label: l})
	return nil
}

// LabelChats puts a label on chats (add) or takes it off them, and
// returns the label with its new count.
func (m *Manager) LabelChats(ctx context.Context, id, labelID string, chatIDs []string, add bool) (Label, error) {
	if err := validLabelID(labelID); err != nil {
		return Label{}, err
	}
	chats, err := normalizeChatIDs("chat_ids", chatIDs, 100)
	if err != nil {
		return Label{}, err
	}
	var l Label
	args := map[string]any{"id": labelID, "chat_ids": chats, "add": add}
	if err := m.pageCall(ctx, id, "labelling chats", "labelChats", args, &l); err != nil {
		return Label{}, err
	}
	action := LabelChatsAdded
	if !add {
		action = LabelChatsRemoved
	}
	m.publish(ctx, id, EventLabelChanged, LabelEvent{Action: action, Label: l, ChatIDs: chats})
	return l, nil
}

// pageCall runs one bridge call on a WORKING session's page.
func (m *Manager) pageCall(ctx context.Context, id, what, method string, args map[string]any, result any) error {
	page, err := m.workingPage(ctx, id, what)
	if err != nil {
		return err
	}
	return m.msgCall(ctx, page, method, args, result)
}

// recode turns an error of code from into one of code to, keeping its
// detail: a chat the page does not know is, for a channel call, a channel
// that does not exist.
func recode(err error, from, to apperr.Code) error {
	if e, ok := errors.AsType[*apperr.Error](err); ok && e.Code == from {
		return &apperr.Error{Code: to, Detail: e.Detail, Field: e.Field, Err: err}
	}
	return err
}
