package wasim

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Statuses (stories): a linked device posts one as a message to
// status@broadcast; it reaches the simulated accounts that have the poster
// as a contact, whose devices get it as a new message of status@broadcast
// (what wa-js reports as chat.new_message). A phone can post one too
// (POST /__sim/status). Statuses last 24 hours.

const (
	statusChat = "status@broadcast"
	statusTTL  = 24 * time.Hour
	msgStatus  = "status"
)

// StatusStyle is how a text status looks: wa-js's font (TextFontStyle,
// 0-5) and background colour (ARGB).
type StatusStyle struct {
	Font            int   `json:"font,omitempty"`
	BackgroundColor int64 `json:"background_color,omitempty"`
}

// Status is one status as the page and the control API see it; Author is
// who posted it.
type Status struct {
	Message
	StatusStyle
	Author  string `json:"author"`
	Deleted bool   `json:"deleted,omitempty"`
}

// postStatusLocked records a status a page posted and hands it to the
// poster's contacts. s.mu must be held.
func (s *Server) postStatusLocked(p *page, r *sendReq) (Message, error) {
	d := p.dev
	if d == nil || p.phase != phaseMain {
		return Message{}, fmt.Errorf("offline: not connected to WhatsApp")
	}
	a := d.acct
	switch {
	case !keyPattern2.MatchString(r.Key):
		return Message{}, fmt.Errorf("invalid_message: malformed key")
	case r.Type == "chat":
		if strings.TrimSpace(r.Body) == "" || utf8.RuneCountInString(r.Body) > 700 {
			return Message{}, fmt.Errorf("invalid_message: a text status is 1 to 700 characters")
		}
	case r.Type == "image" || r.Type == "video":
		if md := s.media[r.Media]; md == nil || !md.owners[a.phone] {
			return Message{}, fmt.Errorf("media_not_found: upload the media first")
		}
	default:
		return Message{}, fmt.Errorf("invalid_message: a status is text, an image or a video, not %s", r.Type)
	}
	st := &Status{Message: Message{ID: "true_" + statusChat + "_" + r.Key, Key: r.Key, ChatID: statusChat, From: a.wid(),
		To: statusChat, FromMe: true, Device: d.id, Type: r.Type, Body: r.Body, Caption: r.Caption, Mimetype: r.Mimetype,
		MediaID: r.Media, Timestamp: time.Now().Unix(), Ack: AckServer}, StatusStyle: r.StatusStyle, Author: a.wid()}
	if md := s.media[r.Media]; md != nil {
		st.Size = len(md.data)
	}
	s.shareStatusLocked(a, st, nil)
	return st.view().Message, nil
}

// shareStatusLocked records st as a's and hands it to the accounts of to
// (nil: every account that has a as a contact). s.mu must be held.
func (s *Server) shareStatusLocked(a *account, st *Status, to []*account) {
	s.bizOfLocked(a.phone).posted = append(s.bizOfLocked(a.phone).posted, st)
	a.byID[st.ID] = &message{Message: st.Message, acct: a} // getMessageById finds our statuses
	if to == nil {
		for _, o := range s.accounts {
			if _, ok := o.contacts[a.wid()]; ok && o != a {
				to = append(to, o)
			}
		}
	}
	for _, o := range to {
		in := *st
		// WhatsApp appends the poster to the key (…_<participant>); the
		// simulated MsgKey has no participant, and the key is unique anyway.
		in.ID, in.FromMe, in.Device, in.Author = "false_"+statusChat+"_"+st.Key, false, "", a.wid()
		if md := s.media[st.MediaID]; md != nil {
			md.owners[o.phone] = true
		}
		if _, ok := o.contacts[a.wid()]; !ok {
			o.contacts[a.wid()] = a.name
		}
		s.bizOfLocked(o.phone).received = append(s.bizOfLocked(o.phone).received, &in)
		v := in.view()
		s.toDevicesLocked(o, outMsg{T: msgStatus, Status: &v})
	}
}

func (st *Status) view() Status {
	v := *st
	v.Message = st.Message
	v.AckName, v.Kind = AckName(v.Ack), kindOf(v.Type)
	if v.MediaID != "" {
		v.MediaURL = "/__sim/media/" + v.MediaID
	}
	return v
}

// statusOpLocked answers the page's status requests. s.mu must be held.
func (s *Server) statusOpLocked(a *account, r *bizReq) (any, error) {
	b := s.bizOfLocked(a.phone)
	switch r.Op {
	case "statuses":
		out := []Status{}
		for _, st := range b.received {
			if !st.Deleted && time.Since(time.Unix(st.Timestamp, 0)) < statusTTL {
				out = append(out, st.view())
			}
		}
		return out, nil
	case "status_remove":
		i := slices.IndexFunc(b.posted, func(st *Status) bool { return st.ID == r.Msg && !st.Deleted })
		if i < 0 {
			return nil, fmt.Errorf("error_on_remove_status: Error on remove status with id %s", r.Msg)
		}
		b.posted[i].Deleted = true
		for _, o := range s.biz.accounts {
			for _, st := range o.received {
				if st.Key == b.posted[i].Key && st.Author == a.wid() {
					st.Deleted = true
				}
			}
		}
		return true, nil
	}
	return nil, fmt.Errorf("invalid_request: unknown biz op %q", r.Op)
}

// PostStatus is the phone of phone posting a status: text (with style) or
// media. It reaches every simulated account that has phone as a contact.
func (s *Server) PostStatus(phone, text string, style StatusStyle, media *IncomingMedia) (Status, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return Status{}, fieldError("phone", "must be 6 to 15 digits")
	}
	if media == nil && (strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > 700) {
		return Status{}, fieldError("text", "must be 1 to 700 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(norm, "")
	key := newKey()
	st := &Status{Message: Message{ID: "true_" + statusChat + "_" + key, Key: key, ChatID: statusChat, From: a.wid(),
		To: statusChat, FromMe: true, Type: "chat", Body: text, Timestamp: time.Now().Unix(), Ack: AckServer},
		StatusStyle: style, Author: a.wid()}
	if media != nil {
		md := s.storeMediaLocked(media.Data, media.Mimetype)
		st.Type, st.Body, st.Caption, st.Mimetype, st.MediaID, st.Size = mediaType(md.mimetype), "", media.Caption, md.mimetype, md.id, len(md.data)
		if st.Type != "image" && st.Type != "video" {
			return Status{}, fieldError("media", "a status is an image or a video, not %s", md.mimetype)
		}
	}
	s.shareStatusLocked(a, st, nil)
	return st.view(), nil
}

// StatusesInfo is GET /__sim/statuses: the statuses an account posted and
// those it received.
type StatusesInfo struct {
	Posted   []Status `json:"posted"`
	Received []Status `json:"received"`
}

// Statuses returns the statuses of the account of phone.
func (s *Server) Statuses(phone string) StatusesInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bizOfLocked(phone)
	out := StatusesInfo{Posted: []Status{}, Received: []Status{}}
	for _, st := range b.posted {
		out.Posted = append(out.Posted, st.view())
	}
	for _, st := range b.received {
		out.Received = append(out.Received, st.view())
	}
	return out
}
