package wasim

import (
	"fmt"
	"slices"
	"strings"
)

// Content is what a message holds beyond text and media, in the names of
// wa-js's MsgModel where it has them: the message it quotes, whom it
// mentions, and the body of the kinds that are not text or a file. Page
// sends and the control API both use it.
type Content struct {
	Quoted    string    `json:"quoted_id,omitempty"` // the quoted message, as the holder of this history sees it
	Mentions  []string  `json:"mentions,omitempty"`  // mentionedJidList
	ViewOnce  bool      `json:"view_once,omitempty"` // isViewOnce
	GIF       bool      `json:"gif,omitempty"`       // isGif
	Forwarded bool      `json:"forwarded,omitempty"` // isForwarded
	Location  *Location `json:"location,omitempty"`  // type location: lat, lng, loc, clientUrl
	VCards    []VCard   `json:"vcards,omitempty"`    // type vcard (one) or multi_vcard
	Poll      *Poll     `json:"poll,omitempty"`      // type poll_creation
}

func (c *Content) isZero() bool {
	return c.Quoted == "" && len(c.Mentions) == 0 && !c.ViewOnce && !c.GIF && !c.Forwarded && c.Location == nil &&
		len(c.VCards) == 0 && c.Poll == nil
}

// Location is a location message's place.
type Location struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Name    string  `json:"name,omitempty"`
	Address string  `json:"address,omitempty"`
	URL     string  `json:"url,omitempty"`
}

// VCard is one contact card: wa-js's {displayName, vcard}.
type VCard struct {
	DisplayName string `json:"displayName"`
	VCard       string `json:"vcard"`
}

// Poll is a poll_creation's question and options; SelectableCount 0 lets a
// voter pick any number.
type Poll struct {
	Name            string   `json:"name"`
	Options         []string `json:"options"`
	SelectableCount int      `json:"selectable_count"`
}

// State is what happened to a message after it was sent, as the holder of
// this history sees it.
type State struct {
	Reactions map[string]string `json:"reactions,omitempty"` // reactor's jid → emoji
	Edits     []string          `json:"edits,omitempty"`     // earlier texts, oldest first; Body is the latest
	Starred   bool              `json:"starred,omitempty"`
	Pinned    string            `json:"pinned,omitempty"` // the pin's duration (OneDay, SevenDays, ...) while pinned
	Played    bool              `json:"played,omitempty"`
	Votes     map[string][]int  `json:"votes,omitempty"` // poll: voter's jid → option indexes
}

// contentTypes are the message types beyond chat and media a page may send.
var contentTypes = map[string]bool{"location": true, "vcard": true, "multi_vcard": true, "poll_creation": true}

// validateContentLocked checks the parts of a send beyond text and media
// as WhatsApp's server would. s.mu must be held.
func (s *Server) validateContentLocked(a *account, r *sendReq) error {
	c := r.Content
	if c.Quoted != "" && a.byID[c.Quoted] == nil {
		return fmt.Errorf("msg_not_found: Message %s not found", c.Quoted)
	}
	for _, m := range c.Mentions {
		if !chatPattern.MatchString(m) || strings.HasSuffix(m, "@g.us") {
			return fmt.Errorf("invalid_message: mention %q is not a user", m)
		}
	}
	switch r.Type {
	case "location":
		l := c.Location
		if l == nil || l.Lat < -90 || l.Lat > 90 || l.Lng < -180 || l.Lng > 180 {
			return fmt.Errorf("invalid_message: a location needs lat -90..90 and lng -180..180")
		}
	case "vcard", "multi_vcard":
		if len(c.VCards) == 0 || (r.Type == "vcard") != (len(c.VCards) == 1) {
			return fmt.Errorf("invalid_message: vcard takes one card, multi_vcard several")
		}
		for _, v := range c.VCards {
			if !strings.HasPrefix(v.VCard, "BEGIN:VCARD") || !strings.HasSuffix(strings.TrimSpace(v.VCard), "END:VCARD") {
				return fmt.Errorf("invalid_message: malformed vCard")
			}
		}
	case "poll_creation":
		p := c.Poll
		if p == nil || strings.TrimSpace(p.Name) == "" || len(p.Options) < 2 || len(p.Options) > 12 ||
			p.SelectableCount < 0 || p.SelectableCount > len(p.Options) {
			return fmt.Errorf("invalid_message: a poll needs a name and 2 to 12 options")
		}
	}
	return nil
}

// kindOf names a message's type as easy-api's API does, for the control
// API's readers.
func kindOf(typ string) string {
	switch typ {
	case "chat":
		return "text"
	case "ptt":
		return "voice"
	case "ptv":
		return "video"
	case "vcard", "multi_vcard":
		return "contacts"
	case "poll_creation":
		return "poll"
	}
	return typ
}

// vote records voter's choice on poll m, checking the indexes. s.mu must
// be held.
func (m *message) vote(voter string, options []int) error {
	if m.Type != "poll_creation" || m.Poll == nil {
		return fmt.Errorf("%s is not a poll", m.ID)
	}
	n := len(m.Poll.Options)
	if max := m.Poll.SelectableCount; max > 0 && len(options) > max {
		return fmt.Errorf("the poll allows %d options, not %d", max, len(options))
	}
	for _, o := range options {
		if o < 0 || o >= n {
			return fmt.Errorf("option %d is not one of the poll's 0..%d", o, n-1)
		}
	}
	if m.Votes == nil {
		m.Votes = map[string][]int{}
	}
	m.Votes[voter] = slices.Compact(slices.Sorted(slices.Values(options)))
	return nil
}
