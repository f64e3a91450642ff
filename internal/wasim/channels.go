package wasim

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Channels (WhatsApp's newsletters): created by a linked device or a phone
// (POST /__sim/channels), followed, muted, searched by name and
// description, and posted to by their owner only, with the kinds WhatsApp
// allows there. A post reaches every follower's linked devices.

// channel is one channel; the Server's mutex guards it.
type channel struct {
	ID, Name, Description, Invite string
	Owner                         string // phone
	Picture                       int    // bytes of the picture; 0: none
	Created                       int64
	Deleted                       bool
	followers, muted              map[string]bool // by phone
	posts                         []Message
}

// channelKinds are the message types a channel takes.
var channelKinds = []string{"chat", "image", "video", "sticker", "poll_creation"}

// ChannelInfo is a channel in GET /__sim/channels.
type ChannelInfo struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Invite      string    `json:"invite"`
	Owner       string    `json:"owner"`
	Picture     bool      `json:"picture"`
	Deleted     bool      `json:"deleted"`
	Followers   []string  `json:"followers"`
	Muted       []string  `json:"muted"`
	Posts       []Message `json:"posts"`
}

// created is wa-js's ResultCreateNewsletter.
type created struct {
	IDJid       string  `json:"idJid"`
	InviteCode  string  `json:"inviteCode"`
	InviteLink  string  `json:"inviteLink"`
	Name        string  `json:"name"`
	State       string  `json:"state"`
	Subscribers int     `json:"subscribersCount"`
	Description *string `json:"description"`
	Timestamp   int64   `json:"timestamp"`
}

func (c *channel) result() created {
	var desc *string
	if c.Description != "" {
		desc = &c.Description
	}
	return created{IDJid: c.ID, InviteCode: c.Invite, InviteLink: "https://whatsapp.com/channel/" + c.Invite, Name: c.Name,
		State: "ACTIVE", Subscribers: len(c.followers), Description: desc, Timestamp: c.Created}
}

// newChannelLocked creates a channel owned by a. s.mu must be held.
func (s *Server) newChannelLocked(a *account, name, desc string) *channel {
	s.bizOfLocked(a.phone)
	c := &channel{ID: fmt.Sprintf("120363%012d@newsletter", len(s.biz.order)+1), Name: name, Description: desc,
		Invite: "0029Va" + randomString(12, base64.RawURLEncoding), Owner: a.phone, Created: time.Now().Unix(),
		followers: map[string]bool{}, muted: map[string]bool{}}
	s.biz.channels[c.ID] = c
	s.biz.order = append(s.biz.order, c)
	return c
}

// channelOpLocked answers the page's channel requests. s.mu must be held.
func (s *Server) channelOpLocked(a *account, r *bizReq) (any, error) {
	s.bizOfLocked(a.phone)
	c := s.biz.channels[r.ID]
	if c != nil && c.Deleted {
		c = nil
	}
	switch r.Op {
	case "nl_create":
		if strings.TrimSpace(r.Name) == "" {
			return nil, fmt.Errorf("invalid_name: a channel needs a name")
		}
		desc := ""
		if r.Description != nil {
			desc = *r.Description
		}
		c = s.newChannelLocked(a, r.Name, desc)
		c.Picture = len(r.Picture)
		return c.result(), nil
	case "nl_mine":
		out := []created{}
		for _, c := range s.biz.order {
			if !c.Deleted && (c.Owner == a.phone || c.followers[a.phone]) {
				out = append(out, c.result())
			}
		}
		return out, nil
	case "nl_search":
		return s.searchLocked(r), nil
	case "nl_destroy":
		if c == nil || c.Owner != a.phone {
			return false, nil
		}
		c.Deleted = true
		return true, nil
	}
	if c == nil {
		return nil, fmt.Errorf("chat_not_found: Chat not found for %s", r.ID)
	}
	switch r.Op {
	case "nl_edit":
		if c.Owner != a.phone {
			return nil, fmt.Errorf("not_authorized: only the channel's owner or admins can edit it")
		}
		if r.Name != "" {
			c.Name = r.Name
		}
		if r.Description != nil {
			c.Description = *r.Description
		}
		if r.Picture != "" {
			c.Picture = len(r.Picture)
		} else if r.NoPicture {
			c.Picture = 0
		}
		return c.result(), nil
	case "nl_follow":
		c.followers[a.phone] = true
		return c.result(), nil
	case "nl_unfollow":
		delete(c.followers, a.phone)
		delete(c.muted, a.phone)
		return true, nil
	case "nl_mute":
		if c.Owner != a.phone && !c.followers[a.phone] {
			return nil, fmt.Errorf("chat_not_found: Chat not found for %s", r.ID)
		}
		c.muted[a.phone] = r.Mute
		return map[string]any{"muted": r.Mute}, nil
	}
	return nil, fmt.Errorf("invalid_request: unknown biz op %q", r.Op)
}

// searchLocked is the channel directory: channels whose name or
// description holds the query, a page at a time (the cursor is the
// offset).
func (s *Server) searchLocked(r *bizReq) map[string]any {
	q := strings.ToLower(strings.TrimSpace(r.Query))
	limit := r.Limit
	if limit <= 0 {
		limit = 20
	}
	from, _ := strconv.Atoi(r.Cursor)
	var hits []map[string]any
	for _, c := range s.biz.order {
		if !c.Deleted && (strings.Contains(strings.ToLower(c.Name), q) || strings.Contains(strings.ToLower(c.Description), q)) {
			hits = append(hits, map[string]any{"idJid": c.ID, "name": c.Name, "description": c.Description, "picture": "",
				"subscribersCount": len(c.followers), "verification": "UNVERIFIED", "handle": nil, "inviteCode": c.Invite,
				"creationTime": c.Created})
		}
	}
	from = min(max(from, 0), len(hits))
	end := min(from+limit, len(hits))
	page := map[string]any{"hasNextPage": end < len(hits)}
	if end < len(hits) {
		page["endCursor"] = strconv.Itoa(end)
	}
	return map[string]any{"newsletters": append([]map[string]any{}, hits[from:end]...), "pageInfo": page}
}

// channelSendLocked records a post of the channel's owner and hands it to
// the followers. s.mu must be held.
func (s *Server) channelSendLocked(p *page, r *sendReq) (Message, error) {
	d := p.dev
	if d == nil || p.phase != phaseMain {
		return Message{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	a := d.acct
	s.bizOfLocked(a.phone)
	c := s.biz.channels[r.To]
	switch {
	case c == nil || c.Deleted:
		return Message{}, fmt.Errorf("chat_not_found: Chat not found for %s", r.To)
	case c.Owner != a.phone:
		return Message{}, fmt.Errorf("not_authorized: only the channel's admins can post")
	case !slices.Contains(channelKinds, r.Type):
		return Message{}, fmt.Errorf("invalid_message: a channel does not take %s messages", r.Type)
	case !keyPattern2.MatchString(r.Key):
		return Message{}, fmt.Errorf("invalid_message: malformed key")
	}
	m := Message{ID: "true_" + c.ID + "_" + r.Key, Key: r.Key, ChatID: c.ID, From: a.wid(), To: c.ID, FromMe: true,
		Device: d.id, Type: r.Type, Body: r.Body, Caption: r.Caption, Mimetype: r.Mimetype, Filename: r.Filename,
		MediaID: r.Media, Timestamp: time.Now().Unix(), Ack: AckServer, Content: r.Content}
	if md := s.media[r.Media]; md != nil {
		m.Size = len(md.data)
	}
	a.byID[m.ID] = &message{Message: m, acct: a}
	s.postLocked(c, m)
	v := (&message{Message: m}).view()
	return v, nil
}

// postLocked records m in c and hands it to every follower. s.mu must be
// held.
func (s *Server) postLocked(c *channel, m Message) {
	c.posts = append(c.posts, m)
	for phone := range c.followers {
		if f := s.accounts[phone]; f != nil {
			s.incomingLocked(f, c.ID, c.Name, m)
		}
	}
}

// PostToChannel is the owner of channel id posting a text from the phone;
// every follower's devices get it.
func (s *Server) PostToChannel(id, text string) (Message, error) {
	if strings.TrimSpace(text) == "" {
		return Message{}, fieldError("text", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.biz.channels[id]
	if c == nil || c.Deleted {
		return Message{}, errorf(CodeNotFound, "no channel %s", id)
	}
	key := newKey()
	m := Message{ID: "true_" + c.ID + "_" + key, Key: key, ChatID: c.ID, From: c.Owner + "@c.us", To: c.ID, FromMe: true,
		Type: "chat", Body: text, Timestamp: time.Now().Unix(), Ack: AckServer}
	s.postLocked(c, m)
	return (&message{Message: m}).view(), nil
}

// CreateChannel is the phone of phone creating a channel it owns.
func (s *Server) CreateChannel(phone, name, desc string) (ChannelInfo, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return ChannelInfo{}, fieldError("phone", "must be 6 to 15 digits")
	}
	if strings.TrimSpace(name) == "" {
		return ChannelInfo{}, fieldError("name", "is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newChannelLocked(s.accountLocked(norm, ""), name, desc).info(), nil
}

// Channels lists every channel, deleted ones included, in creation order.
func (s *Server) Channels() []ChannelInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []ChannelInfo{}
	for _, c := range s.biz.order {
		out = append(out, c.info())
	}
	return out
}

func (c *channel) info() ChannelInfo {
	set := func(m map[string]bool) []string {
		out := []string{}
		for k, v := range m {
			if v {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	return ChannelInfo{ID: c.ID, Name: c.Name, Description: c.Description, Invite: c.Invite, Owner: c.Owner,
		Picture: c.Picture > 0, Deleted: c.Deleted, Followers: set(c.followers), Muted: set(c.muted),
		Posts: append([]Message{}, c.posts...)}
}
