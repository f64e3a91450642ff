package wasim

import (
	"encoding/base64"
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
	phone := r.URL.Query().Get("phone")
	if err := required("phone", phone); err != nil {
		return err
	}
	info, err := s.Labels(phone)
	if err != nil {
		return err
	}
	return writeJSON(w, info)
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

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) error {
	var req statusRequest
	if err := decodeN(r, &req, s.cfg.MaxMediaBytes/3*4+maxBody); err != nil {
		return err
	}
	if err := required("phone", req.Phone); err != nil {
		return err
	}
	style := StatusStyle{Font: req.Font}
	if req.Font < 0 || req.Font > 5 {
		return fieldError("font", "must be 0 to 5 (wa-js TextFontStyle)")
	}
	if req.BackgroundColor != "" {
		rgb, err := strconv.ParseUint(strings.TrimPrefix(req.BackgroundColor, "#"), 16, 32)
		if err != nil || len(req.BackgroundColor) != 7 {
			return fieldError("background_color", "must be #rrggbb")
		}
		style.BackgroundColor = int64(0xff000000 | rgb)
	}
	var media *IncomingMedia
	if req.Media != nil {
		data, err := base64.StdEncoding.DecodeString(req.Media.Data)
		if err != nil || len(data) == 0 {
			return fieldError("media.data", "must be non-empty standard base64")
		}
		media = &IncomingMedia{Data: data, Mimetype: req.Media.Mimetype, Caption: req.Media.Caption}
	}
	st, err := s.PostStatus(req.Phone, req.Text, style, media)
	if err != nil {
		return err
	}
	return writeJSON(w, st)
}

func (s *Server) statusesInfo(w http.ResponseWriter, r *http.Request) error {
	phone := r.URL.Query().Get("phone")
	if err := required("phone", phone); err != nil {
		return err
	}
	return writeJSON(w, s.Statuses(phone))
}

// channelRequest is the body of POST /__sim/channels: the phone of phone
// creates a channel.
type channelRequest struct {
	Phone       string `json:"phone"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	var req channelRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	c, err := s.CreateChannel(req.Phone, req.Name, req.Description)
	if err != nil {
		return err
	}
	return writeJSON(w, c)
}

// channelPostRequest is the body of POST /__sim/channel-post: the owner of
// channel id posts text to it from the phone.
type channelPostRequest struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func (s *Server) channelPost(w http.ResponseWriter, r *http.Request) error {
	var req channelPostRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := required("id", req.ID); err != nil {
		return err
	}
	m, err := s.PostToChannel(req.ID, req.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, m)
}

func (s *Server) channelsInfo(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, map[string]any{"channels": s.Channels()})
}
