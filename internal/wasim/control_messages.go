package wasim

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// messageRequest is the body of POST /__sim/messages: someone (from) sends
// the account of phone a text, or media given as base64.
type messageRequest struct {
	Phone    string        `json:"phone"`
	From     string        `json:"from"`
	FromName string        `json:"from_name"`
	FromLID  string        `json:"from_lid"` // the sender writes from this LID (digits): chat <from_lid>@lid
	Type     string        `json:"type"`     // a wa-js type; default chat, or the media's
	Text     string        `json:"text"`
	Media    *messageMedia `json:"media"`
	Content
}

type messageMedia struct {
	Data     string `json:"data"` // base64
	Mimetype string `json:"mimetype"`
	Filename string `json:"filename"`
	Caption  string `json:"caption"`
}

// incoming decodes m's base64 data; a nil m is no media.
func (m *messageMedia) incoming() (*IncomingMedia, error) {
	if m == nil {
		return nil, nil
	}
	data, err := base64.StdEncoding.DecodeString(m.Data)
	if err != nil || len(data) == 0 {
		return nil, fieldError("media.data", "must be non-empty standard base64")
	}
	return &IncomingMedia{Data: data, Mimetype: m.Mimetype, Filename: m.Filename, Caption: m.Caption}, nil
}

// mediaBodyLimit bounds a control-API body that may carry base64 media.
func (s *Server) mediaBodyLimit() int64 { return s.cfg.MaxMediaBytes/3*4 + maxBody }

func (q messageRequest) check() error { return required("phone", q.Phone, "from", q.From) }

func (s *Server) messages(w http.ResponseWriter, r *http.Request) error {
	return handleJSONN(w, r, s.mediaBodyLimit(), func(req messageRequest) (Message, error) {
		media, err := req.Media.incoming()
		if err != nil {
			return Message{}, err
		}
		if req.Type == "" && req.Content.isZero() {
			return s.DeliverFrom(req.Phone, req.From, req.FromLID, req.FromName, req.Text, media)
		}
		if req.Type == "" && media != nil {
			req.Type = mediaType(media.Mimetype)
		}
		return s.DeliverKind(req.Phone, req.From, req.FromName, IncomingKind{Type: req.Type, Text: req.Text, Media: media, Content: req.Content})
	})
}

// outboxResponse is the body of GET /__sim/outbox.
type outboxResponse struct {
	Messages []Message `json:"messages"`
	Actions  []Action  `json:"actions"` // what the devices did to messages and chats
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request) error {
	return handlePhone(w, r, func(phone string) (outboxResponse, error) {
		msgs, err := s.Outbox(phone)
		if err != nil {
			return outboxResponse{}, err
		}
		acts, err := s.Actions(phone)
		return outboxResponse{Messages: msgs, Actions: acts}, err
	})
}

// ackRequest is the body of POST /__sim/ack.
type ackRequest struct {
	ID  string `json:"id"`
	Ack string `json:"ack"` // wa-js's ACK name (RECEIVED, READ, PLAYED, PEER, EXPIRED, ...), the API's (DEVICE, ERROR, ...) or a number
}

func (q ackRequest) check() error { return required("id", q.ID, "ack", q.Ack) }

func (s *Server) ack(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q ackRequest) (Message, error) {
		ack, ok := parseAck(strings.TrimSpace(q.Ack))
		if !ok {
			return Message{}, fieldError("ack", "must be wa-js's ACK: a number from -7 to 5 or its name (%s)", strings.Join(ackNames[:], ", "))
		}
		return s.SetAck(q.ID, ack)
	})
}

// revokeRequest is the body of POST /__sim/revoke.
type revokeRequest struct {
	Phone string `json:"phone"`
	ID    string `json:"id"`
}

func (q revokeRequest) check() error { return required("phone", q.Phone, "id", q.ID) }

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q revokeRequest) (Message, error) { return s.Revoke(q.Phone, q.ID) })
}
