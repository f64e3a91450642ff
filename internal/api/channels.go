package api

import (
	"context"
	"net/http"

	"github.com/easy-api/easy-api/internal/session"
)

// Channels (WhatsApp's newsletters): /v1/sessions/{id}/channels. Sending
// to a channel is POST .../messages with its …@newsletter id as chat_id.

// ChannelActions are the channel routes' needs; a channel the session does
// not know is channel_not_found.
type ChannelActions interface {
	CreateChannel(ctx context.Context, id string, in session.ChannelInput) (session.Channel, error)
	EditChannel(ctx context.Context, id, channel string, in session.ChannelInput) (session.Channel, error)
	DeleteChannel(ctx context.Context, id, channel string) error
	FollowChannel(ctx context.Context, id, channel string, follow bool) error
	MuteChannel(ctx context.Context, id, channel string, mute bool) (session.Channel, error)
	SearchChannels(ctx context.Context, id, query string, limit int, cursor string) (session.ChannelSearch, error)
}

// ChannelRequest is the body of POST .../channels and PATCH
// .../channels/{channel}.
type ChannelRequest struct {
	Name          string        `json:"name,omitempty" example:"Store news"`
	Description   *string       `json:"description,omitempty" example:"Offers and opening hours"`
	Picture       *MediaRequest `json:"picture,omitempty"`                        // JPEG or PNG
	RemovePicture bool          `json:"remove_picture,omitempty" example:"false"` // PATCH only
} // @name ChannelRequest

// channelInput is a ChannelRequest as the domain takes it, its picture
// fetched or decoded.
func (s *Server) channelInput(ctx context.Context, req ChannelRequest) (session.ChannelInput, error) {
	in := session.ChannelInput{Name: req.Name, Description: req.Description, RemovePicture: req.RemovePicture}
	if req.Picture != nil {
		pic, err := s.readMedia(ctx, req.Picture)
		if err != nil {
			return in, renameField(err, "media", "picture")
		}
		in.Picture = &pic
	}
	return in, nil
}

// channelTarget reads the session id and channel id of a channel route.
func channelTarget(r *http.Request) (target, error) {
	return itemTarget(r, "channel", valid(session.ValidateChannelID))
}

// createChannel godoc
//
//	@Summary		Create a channel
//	@ID				createChannel
//	@Description	A channel (newsletter) we own. Post to it with POST .../messages and chat_id set to its id; it takes text, image, video, sticker and poll messages.
//	@Tags			channels
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"session id"
//	@Param			body	body		ChannelRequest	true	"name (required), description, picture"
//	@Success		201		{object}	session.Channel
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/channels [post]
func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	return handleCreated(w, r, sessionTarget, func(ctx context.Context, t target, req ChannelRequest) (session.Channel, error) {
		in, err := s.channelInput(ctx, req)
		if err != nil {
			return session.Channel{}, err
		}
		return s.cfg.Sessions.CreateChannel(ctx, t.id, in)
	})
}

// editChannel godoc
//
//	@Summary		Edit a channel we own
//	@ID				editChannel
//	@Description	Name, description, picture (or remove_picture). wa-js 4.6.0 re-sets the picture on every edit: an edit without picture removes it.
//	@Tags			channels
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"session id"
//	@Param			channel	path		string			true	"channel id (…@newsletter)"
//	@Param			body	body		ChannelRequest	true	"what to change"
//	@Success		200		{object}	session.Channel
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"no such session or channel (channel_not_found)"
//	@Failure		409		{object}	Problem	"session not WORKING; not the channel's owner (not_allowed)"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/channels/{channel} [patch]
func (s *Server) editChannel(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, channelTarget, func(ctx context.Context, t target, req ChannelRequest) (session.Channel, error) {
		in, err := s.channelInput(ctx, req)
		if err != nil {
			return session.Channel{}, err
		}
		return s.cfg.Sessions.EditChannel(ctx, t.id, t.item, in)
	})
}

// deleteChannel godoc
//
//	@Summary	Delete a channel we own
//	@ID			deleteChannel
//	@Tags		channels
//	@Param		id		path	string	true	"session id"
//	@Param		channel	path	string	true	"channel id (…@newsletter)"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING; WhatsApp did not delete it: not ours, or gone (not_allowed)"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/channels/{channel} [delete]
func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, channelTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.DeleteChannel(ctx, t.id, t.item)
	})
}

// followChannel godoc
//
//	@Summary		Follow a channel
//	@ID				followChannel
//	@Description	Its posts then arrive as message.received events.
//	@Tags			channels
//	@Param			id		path	string	true	"session id"
//	@Param			channel	path	string	true	"channel id (…@newsletter)"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"session not WORKING; WhatsApp refused (not_allowed: unknown, closed, full or not available here)"
//	@Failure		504	{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/channels/{channel}/follow [put]
func (s *Server) followChannel(w http.ResponseWriter, r *http.Request) error {
	return s.follow(w, r, true)
}

// unfollowChannel godoc
//
//	@Summary	Unfollow a channel
//	@ID			unfollowChannel
//	@Tags		channels
//	@Param		id		path	string	true	"session id"
//	@Param		channel	path	string	true	"channel id (…@newsletter)"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/channels/{channel}/follow [delete]
func (s *Server) unfollowChannel(w http.ResponseWriter, r *http.Request) error {
	return s.follow(w, r, false)
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request, follow bool) error {
	return handle(w, r, channelTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		return noResult{}, s.cfg.Sessions.FollowChannel(ctx, t.id, t.item, follow)
	})
}

// muteChannel godoc
//
//	@Summary	Mute a channel we follow
//	@ID			muteChannel
//	@Tags		channels
//	@Param		id		path	string	true	"session id"
//	@Param		channel	path	string	true	"channel id (…@newsletter)"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session, or a channel we neither own nor follow (channel_not_found)"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/channels/{channel}/mute [put]
func (s *Server) muteChannel(w http.ResponseWriter, r *http.Request) error {
	return s.mute(w, r, true)
}

// unmuteChannel godoc
//
//	@Summary	Unmute a channel
//	@ID			unmuteChannel
//	@Tags		channels
//	@Param		id		path	string	true	"session id"
//	@Param		channel	path	string	true	"channel id (…@newsletter)"
//	@Success	204
//	@Failure	400	{object}	Problem
//	@Failure	404	{object}	Problem	"no such session, or a channel we neither own nor follow (channel_not_found)"
//	@Failure	409	{object}	Problem	"session not WORKING"
//	@Failure	504	{object}	Problem
//	@Security	ApiKeyAuth
//	@Router		/v1/sessions/{id}/channels/{channel}/mute [delete]
func (s *Server) unmuteChannel(w http.ResponseWriter, r *http.Request) error {
	return s.mute(w, r, false)
}

func (s *Server) mute(w http.ResponseWriter, r *http.Request, mute bool) error {
	return handle(w, r, channelTarget, func(ctx context.Context, t target, _ noBody) (noResult, error) {
		_, err := s.cfg.Sessions.MuteChannel(ctx, t.id, t.item, mute)
		return noResult{}, err
	})
}

// searchChannels godoc
//
//	@Summary		Search the channel directory
//	@ID				searchChannels
//	@Description	Channels whose name or description matches q, a page at a time: pass next_cursor as cursor for the next page.
//	@Tags			channels
//	@Produce		json
//	@Param			id		path		string	true	"session id"
//	@Param			q		query		string	true	"words to look for"
//	@Param			limit	query		int		false	"1 to 50, default 20"
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	session.ChannelSearch
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		409		{object}	Problem	"session not WORKING"
//	@Failure		504		{object}	Problem
//	@Security		ApiKeyAuth
//	@Router			/v1/sessions/{id}/channels [get]
func (s *Server) searchChannels(w http.ResponseWriter, r *http.Request) error {
	return handle(w, r, sessionTarget, func(ctx context.Context, t target, _ noBody) (session.ChannelSearch, error) {
		q := r.URL.Query()
		limit, err := queryLimit(q, 20, session.MaxChannelSearch)
		if err != nil {
			return session.ChannelSearch{}, err
		}
		return s.cfg.Sessions.SearchChannels(ctx, t.id, q.Get("q"), limit, q.Get("cursor"))
	})
}
