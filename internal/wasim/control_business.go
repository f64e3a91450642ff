package wasim

import (
	"net/http"
	"strconv"
	"strings"
)

// The phone side of labels, statuses and channels: GET /__sim/labels,
// POST /__sim/status and GET /__sim/statuses, POST and GET /__sim/channels.

// businessRoutes adds the control routes of business.go, statuses.go and
// channels.go.
func (s *Server) businessRoutes(m *http.ServeMux) {
	m.Handle("/__sim/labels", s.api(http.MethodGet, s.labelsInfo))
	m.Handle("/__sim/status", s.api(http.MethodPost, s.postStatus))
	m.Handle("/__sim/statuses", s.api(http.MethodGet, s.statusesInfo))
	m.Handle("/__sim/channel-post", s.api(http.MethodPost, s.channelPost))
	list, create := s.api(http.MethodGet, s.channelsInfo), s.api(http.MethodPost, s.createChannel)
	m.Handle("/__sim/channels", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			create.ServeHTTP(w, r)
			return
		}
		list.ServeHTTP(w, r)
	}))
}

func (s *Server) labelsInfo(w http.ResponseWriter, r *http.Request) error {
	return handlePhone(w, r, s.Labels)
}

// statusRequest is the body of POST /__sim/status: the phone of phone
// posts a text status (with font 0-5 and background_color "#rrggbb") or a
// media one.
type statusRequest struct {
	Phone           string        `json:"phone"`
	Text            string        `json:"text"`
	Font            int           `json:"font"`
	BackgroundColor string        `json:"background_color"`
	Media           *messageMedia `json:"media"`
}

func (q statusRequest) check() error { return required("phone", q.Phone) }

// style is the text status's look, or the field that is off.
func (q statusRequest) style() (StatusStyle, error) {
	style := StatusStyle{Font: q.Font}
	if q.Font < 0 || q.Font > 5 {
		return style, fieldError("font", "must be 0 to 5 (wa-js TextFontStyle)")
	}
	if q.BackgroundColor != "" {
		rgb, err := strconv.ParseUint(strings.TrimPrefix(q.BackgroundColor, "#"), 16, 32)
		if err != nil || len(q.BackgroundColor) != 7 {
			return style, fieldError("background_color", "must be #rrggbb")
		}
		style.BackgroundColor = int64(0xff000000 | rgb)
	}
	return style, nil
}

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) error {
	return handleJSONN(w, r, s.mediaBodyLimit(), func(req statusRequest) (Status, error) {
		style, err := req.style()
		if err != nil {
			return Status{}, err
		}
		media, err := req.Media.incoming()
		if err != nil {
			return Status{}, err
		}
		return s.PostStatus(req.Phone, req.Text, style, media)
	})
}

func (s *Server) statusesInfo(w http.ResponseWriter, r *http.Request) error {
	return handlePhone(w, r, func(phone string) (StatusesInfo, error) { return s.Statuses(phone), nil })
}

// channelRequest is the body of POST /__sim/channels: the phone of phone
// creates a channel.
type channelRequest struct {
	Phone       string `json:"phone"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// check leaves the fields to CreateChannel, which names what is off.
func (q channelRequest) check() error { return nil }

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q channelRequest) (ChannelInfo, error) { return s.CreateChannel(q.Phone, q.Name, q.Description) })
}

// channelPostRequest is the body of POST /__sim/channel-post: the owner of
// channel id posts text to it from the phone.
type channelPostRequest struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func (q channelPostRequest) check() error { return required("id", q.ID) }

func (s *Server) channelPost(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q channelPostRequest) (Message, error) { return s.PostToChannel(q.ID, q.Text) })
}

func (s *Server) channelsInfo(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, map[string]any{"channels": s.Channels()})
}
