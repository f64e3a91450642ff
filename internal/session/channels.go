package session

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/easy-api/easy-api/internal/apperr"
)

// Channels (WhatsApp's newsletters, wa-js WPP.newsletter): create, edit,
// delete, follow and unfollow, mute, search the directory; sending to one
// is Send to its …@newsletter id, with the kinds WhatsApp allows there.

// Limits WhatsApp puts on a channel.
const (
	MaxChannelNameLen = 100
	MaxChannelDescLen = 2048
	MaxChannelSearch  = 50
)

// channelJID is a channel's id.
var channelJID = regexp.MustCompile(`^[0-9]{6,24}@newsletter$`)

// ChannelKinds are the kinds of message a channel takes: WhatsApp channels
// have no documents, audio, contact cards or locations.
var ChannelKinds = []string{KindText, KindImage, KindVideo, KindSticker, KindPoll}

// Channel is one channel (newsletter).
type Channel struct {
	ID           string `json:"id" example:"120363041234567890@newsletter"`
	Name         string `json:"name" example:"Store news"`
	Description  string `json:"description,omitempty" example:"Offers and opening hours"`
	InviteCode   string `json:"invite_code,omitempty" example:"0029VaAbCdEfGhIjKlMn0a1b"`
	InviteLink   string `json:"invite_link,omitempty" example:"https://whatsapp.com/channel/0029VaAbCdEfGhIjKlMn0a1b"`
	State        string `json:"state,omitempty" example:"ACTIVE"`
	Subscribers  int    `json:"subscribers"`
	Verification string `json:"verification,omitempty" example:"VERIFIED"` // search results
	Created      int64  `json:"created,omitempty"`                         // unix seconds
	Muted        *bool  `json:"muted,omitempty"`                           // after a mute
} // @name Channel

// ChannelSearch is a page of the channel directory.
type ChannelSearch struct {
	Channels   []Channel `json:"channels"`
	NextCursor string    `json:"next_cursor,omitempty"` // pass as cursor for the next page
} // @name ChannelSearch

// ChannelInput is what a channel is created or edited with; empty fields
// are left alone on edit. Picture is a JPEG or PNG.
type ChannelInput struct {
	Name          string
	Description   *string
	Picture       *Media
	RemovePicture bool
}

func (in ChannelInput) args(create bool) (map[string]any, error) {
	args := map[string]any{}
	name := strings.TrimSpace(in.Name)
	if err := checkInputName(name, create, MaxChannelNameLen); err != nil {
		return nil, err
	}
	switch {
	case in.Description != nil && utf8.RuneCountInString(*in.Description) > MaxChannelDescLen:
		return nil, apperr.Field("description", "has more than %d characters", MaxChannelDescLen)
	case in.Picture != nil && in.RemovePicture:
		return nil, apperr.Field("picture", "give a picture or remove_picture, not both")
	case !create && name == "" && in.Description == nil && in.Picture == nil && !in.RemovePicture:
		return nil, apperr.Field("name", "give a name, description or picture to change")
	}
	if name != "" {
		args["name"] = name
	}
	if in.Description != nil {
		args["description"] = *in.Description
	}
	if p := in.Picture; p != nil {
		if p.Mimetype != "image/jpeg" && p.Mimetype != "image/png" {
			return nil, apperr.Field("picture", "is %s; a channel picture is a JPEG or PNG", p.Mimetype)
		}
		args["picture"] = "data:" + p.Mimetype + ";base64," + base64.StdEncoding.EncodeToString(p.Data)
	}
	if in.RemovePicture {
		args["remove_picture"] = true
	}
	return args, nil
}

// ValidateChannelID checks a channel id; field names it in the error.
func ValidateChannelID(field, id string) error {
	if !channelJID.MatchString(id) {
		return apperr.Field(field, "%q is not a channel id such as 120363041234567890@newsletter", truncate(id, 60))
	}
	return nil
}

// channelCall is pageCall about one channel: a channel the page does not
// know is channel_not_found.
func (m *Manager) channelCall(ctx context.Context, id, channel, what, method string, args map[string]any, result any) error {
	if err := ValidateChannelID("channel", channel); err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	args["id"] = channel
	err := m.pageCall(ctx, id, what, method, args, result)
	return recode(err, apperr.ChatNotFound, apperr.ChannelNotFound)
}

// CreateChannel creates a channel we own.
func (m *Manager) CreateChannel(ctx context.Context, id string, in ChannelInput) (Channel, error) {
	args, err := in.args(true)
	if err != nil {
		return Channel{}, err
	}
	var c Channel
	err = m.pageCall(ctx, id, "creating a channel", "createChannel", args, &c)
	return c, err
}

// EditChannel changes a channel's name, description or picture.
func (m *Manager) EditChannel(ctx context.Context, id, channel string, in ChannelInput) (Channel, error) {
	args, err := in.args(false)
	if err != nil {
		return Channel{}, err
	}
	var c Channel
	err = m.channelCall(ctx, id, channel, "editing a channel", "editChannel", args, &c)
	return c, err
}

// DeleteChannel deletes a channel we own.
func (m *Manager) DeleteChannel(ctx context.Context, id, channel string) error {
	return m.channelCall(ctx, id, channel, "deleting a channel", "deleteChannel", nil, nil)
}

// FollowChannel follows (or, follow false, unfollows) a channel.
func (m *Manager) FollowChannel(ctx context.Context, id, channel string, follow bool) error {
	return m.channelCall(ctx, id, channel, "following a channel", "followChannel", map[string]any{"follow": follow}, nil)
}

// MuteChannel mutes (or unmutes) a channel we follow.
func (m *Manager) MuteChannel(ctx context.Context, id, channel string, mute bool) (Channel, error) {
	var c Channel
	err := m.channelCall(ctx, id, channel, "muting a channel", "muteChannel", map[string]any{"mute": mute}, &c)
	return c, err
}

// SearchChannels searches WhatsApp's channel directory.
func (m *Manager) SearchChannels(ctx context.Context, id, query string, limit int, cursor string) (ChannelSearch, error) {
	switch {
	case strings.TrimSpace(query) == "":
		return ChannelSearch{}, apperr.Field("q", "is required: words to look for")
	case limit < 0 || limit > MaxChannelSearch:
		return ChannelSearch{}, apperr.Field("limit", "must be from 1 to %d", MaxChannelSearch)
	}
	out := ChannelSearch{}
	err := m.pageCall(ctx, id, "searching channels", "searchChannels",
		map[string]any{"query": strings.TrimSpace(query), "limit": limit, "cursor": cursor}, &out)
	if out.Channels == nil {
		out.Channels = []Channel{}
	}
	return out, err
}

// channelRules refuses, for a send to a channel, what WhatsApp does not
// allow there, naming the body's field.
func (out Outgoing) channelRules() error {
	switch {
	case indexOf(ChannelKinds, out.Kind) < 0:
		return apperr.Field("type", "a channel takes %s messages, not %s", strings.Join(ChannelKinds, ", "), out.Kind)
	case out.ReplyTo != "":
		return apperr.Field("reply_to", "channel messages cannot quote a message")
	case len(out.Mentions) > 0:
		return apperr.Field("mentions", "channel messages cannot mention people")
	case out.ViewOnce:
		return apperr.Field("view_once", "channel messages cannot be view once")
	}
	return nil
}
