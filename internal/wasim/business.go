package wasim

import (
	"fmt"
	"slices"
	"strings"
)

// Labels of WhatsApp Business accounts, and the page side of statuses
// (statuses.go) and channels (channels.go): the "biz" requests of the page
// channel, which the simulated WPP.labels, WPP.status and WPP.newsletter
// make. An account is a business one when its phone scanned with
// business: true; any other account is refused labels the way wa-js
// refuses them (is_not_business).

// msgBiz is the page's request of labels, statuses and channels.
const msgBiz = "biz"

// LabelPalette is WhatsApp Business's label colours, by colour index.
var LabelPalette = []string{"#ff9485", "#64c4ff", "#ffd429", "#dfaef0", "#99b6c1", "#55ccb3", "#ff9dff", "#d3a91d",
	"#6d7cce", "#d7e752", "#00d0e2", "#ffc5c7", "#93ceac", "#f74848", "#00a0f2", "#83e422", "#ffaf04", "#b5ebff",
	"#9ba6ff", "#9368cf"}

// bizState is the simulator's labels, statuses and channels; the Server's
// mutex guards it.
type bizState struct {
	accounts map[string]*bizAccount // by phone
	channels map[string]*channel    // by id
	order    []*channel             // in creation order, for search
}

// bizAccount is what an account holds beyond messages.
type bizAccount struct {
	business   bool
	labels     []*Label
	nextLabel  int
	chatLabels map[string][]string // chat → label ids
	posted     []*Status           // our statuses, deleted ones included
	received   []*Status           // contacts' statuses
}

// Label is a label as the page and the control API see it.
type Label struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ColorIndex int    `json:"color_index"`
	Count      int    `json:"count"` // chats with it
}

// bizReq is a page's biz request; each op uses some of the fields.
type bizReq struct {
	Op          string        `json:"op"`
	ID          string        `json:"id,omitempty"`
	Name        string        `json:"name,omitempty"`
	Color       *int          `json:"color,omitempty"`
	Changes     []labelChange `json:"changes,omitempty"`
	Chats       []string      `json:"chats,omitempty"`
	Description *string       `json:"description,omitempty"`
	Picture     string        `json:"picture,omitempty"`
	NoPicture   bool          `json:"no_picture,omitempty"`
	Query       string        `json:"query,omitempty"`
	Limit       int           `json:"limit,omitempty"`
	Cursor      string        `json:"cursor,omitempty"`
	Mute        bool          `json:"mute,omitempty"`
	Msg         string        `json:"msg,omitempty"`
}

// labelChange is one of addOrRemoveLabels' options.
type labelChange struct {
	LabelID string `json:"labelId"`
	Type    string `json:"type"` // add, remove
}

// bizOfLocked returns the biz state of phone, creating it. s.mu must be held.
func (s *Server) bizOfLocked(phone string) *bizAccount {
	if s.biz.accounts == nil {
		s.biz.accounts, s.biz.channels = map[string]*bizAccount{}, map[string]*channel{}
	}
	b := s.biz.accounts[phone]
	if b == nil {
		b = &bizAccount{nextLabel: 1, chatLabels: map[string][]string{}}
		s.biz.accounts[phone] = b
	}
	return b
}

// SetBusiness makes the account of phone a WhatsApp Business account (or
// a personal one).
func (s *Server) SetBusiness(phone string, business bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bizOfLocked(phone).business = business
}

// onBizLocked answers a page's biz request. s.mu must be held.
func (s *Server) onBizLocked(p *page, r *bizReq) (any, error) {
	d := p.dev
	if d == nil || p.phase != phaseMain {
		return nil, fmt.Errorf("offline: not connected to WhatsApp")
	}
	if r == nil {
		return nil, fmt.Errorf("invalid_request: empty biz request")
	}
	a := d.acct
	switch {
	case strings.HasPrefix(r.Op, "label"), r.Op == "palette":
		return s.labelOpLocked(a, r)
	case strings.HasPrefix(r.Op, "status"):
		return s.statusOpLocked(a, r)
	case strings.HasPrefix(r.Op, "nl_"):
		return s.channelOpLocked(a, r)
	}
	return nil, fmt.Errorf("invalid_request: unknown biz op %q", r.Op)
}

// routeSendLocked records a page's send: a status, a channel post, or a
// message. s.mu must be held.
func (s *Server) routeSendLocked(p *page, r *sendReq) (Message, error) {
	switch {
	case r != nil && r.To == statusChat:
		return s.postStatusLocked(p, r)
	case r != nil && strings.HasSuffix(r.To, "@newsletter"):
		return s.channelSendLocked(p, r)
	}
	return s.onSendLocked(p, r)
}

func (s *Server) labelOpLocked(a *account, r *bizReq) (any, error) {
	b := s.bizOfLocked(a.phone)
	if r.Op == "labels" && !b.business {
		return []Label{}, nil // getAllLabels does not ask
	}
	if !b.business {
		return nil, fmt.Errorf("is_not_business: This account is not a business version")
	}
	switch r.Op {
	case "palette":
		return LabelPalette, nil
	case "labels":
		return b.labelViews(), nil
	case "label_next_color":
		return b.nextColor(), nil
	case "label_add":
		l := &Label{ID: fmt.Sprint(b.nextLabel), Name: r.Name, ColorIndex: b.nextColor()}
		if r.Color != nil {
			l.ColorIndex = *r.Color
		}
		if strings.TrimSpace(l.Name) == "" || l.ColorIndex < 0 || l.ColorIndex >= len(LabelPalette) {
			return nil, fmt.Errorf("invalid_label: a label needs a name and a palette colour")
		}
		b.nextLabel++
		b.labels = append(b.labels, l)
		return b.view(l), nil
	case "label_edit":
		l := b.label(r.ID)
		if l == nil {
			return nil, fmt.Errorf("label_not_exist: Label with id %s not exist", r.ID)
		}
		if r.Name != "" {
			l.Name = r.Name
		}
		if r.Color != nil && *r.Color >= 0 && *r.Color < len(LabelPalette) {
			l.ColorIndex = *r.Color
		}
		return b.view(l), nil
	case "label_delete":
		l := b.label(r.ID)
		if l == nil {
			return false, nil
		}
		b.labels = slices.DeleteFunc(b.labels, func(x *Label) bool { return x == l })
		for chat, ids := range b.chatLabels {
			b.chatLabels[chat] = slices.DeleteFunc(ids, func(id string) bool { return id == l.ID })
		}
		return true, nil
	case "label_chats":
		for _, c := range r.Changes {
			if b.label(c.LabelID) == nil {
				return nil, fmt.Errorf("label_not_exist: Label with id %s not exist", c.LabelID)
			}
		}
		for _, chat := range r.Chats {
			for _, c := range r.Changes {
				ids := slices.DeleteFunc(b.chatLabels[chat], func(id string) bool { return id == c.LabelID })
				if c.Type == "add" {
					ids = append(ids, c.LabelID)
				}
				b.chatLabels[chat] = ids
			}
		}
		return true, nil
	}
	return nil, fmt.Errorf("invalid_request: unknown biz op %q", r.Op)
}

func (b *bizAccount) label(id string) *Label {
	for _, l := range b.labels {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// nextColor is the first palette colour no label has (LabelStore's
// getNextAvailableColor), or the first one when all are taken.
func (b *bizAccount) nextColor() int {
	for i := range LabelPalette {
		if !slices.ContainsFunc(b.labels, func(l *Label) bool { return l.ColorIndex == i }) {
			return i
		}
	}
	return 0
}

func (b *bizAccount) view(l *Label) Label {
	v := *l
	for _, ids := range b.chatLabels {
		if slices.Contains(ids, l.ID) {
			v.Count++
		}
	}
	return v
}

func (b *bizAccount) labelViews() []Label {
	out := make([]Label, 0, len(b.labels))
	for _, l := range b.labels {
		out = append(out, b.view(l))
	}
	return out
}

// LabelsInfo is GET /__sim/labels: an account's labels and the labels of
// each of its chats.
type LabelsInfo struct {
	Business bool                `json:"business"`
	Labels   []Label             `json:"labels"`
	Chats    map[string][]string `json:"chats"` // chat → label ids
}

// Labels returns the labels of the account of phone.
func (s *Server) Labels(phone string) (LabelsInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts[phone] == nil {
		return LabelsInfo{}, errorf(CodeAccountNotFound, "no simulated phone %s has linked a device", phone)
	}
	b := s.bizOfLocked(phone)
	chats := map[string][]string{}
	for c, ids := range b.chatLabels {
		if len(ids) > 0 {
			chats[c] = slices.Clone(ids)
		}
	}
	return LabelsInfo{Business: b.business, Labels: b.labelViews(), Chats: chats}, nil
}
