package wasim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The control API of groups: what the other members' phones do, so a test
// can make another member add, remove or promote us, write to the group,
// change it, or leave. Each call acts as the member phone; admin rules
// apply as on a page (403 not_admin).

// groupRoutes adds the group control calls to m.
func (s *Server) groupRoutes(m *http.ServeMux) {
	m.Handle("/__sim/groups", s.api(http.MethodGet, s.listGroups))
	m.Handle("/__sim/groups/create", s.api(http.MethodPost, s.ctlCreateGroup))
	m.Handle("/__sim/groups/privacy", s.api(http.MethodPost, s.groupPrivacy))
	m.Handle("/__sim/groups/join", s.api(http.MethodPost, s.ctlJoin))
	m.Handle("/__sim/groups/{group}/participants", s.api(http.MethodPost, s.ctlParticipants))
	m.Handle("/__sim/groups/{group}/messages", s.api(http.MethodPost, s.ctlGroupMessage))
	m.Handle("/__sim/groups/{group}/settings", s.api(http.MethodPost, s.ctlGroupSettings))
	m.Handle("/__sim/groups/{group}/history", s.api(http.MethodGet, s.groupHistory))
}

// memberLocked normalises a control call's phone into a jid and makes sure
// the phone exists as an account (a member need not have linked a device).
func (s *Server) memberLocked(phone string) (*account, error) {
	norm, ok := normalizePhone(phone)
	if !ok {
		return nil, fieldError("phone", "must be 6 to 15 digits")
	}
	return s.accountLocked(norm, ""), nil
}

// asMember runs fn under s.mu as the member phone of a control call.
func (s *Server) asMember(phone string, fn func(a *account) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.memberLocked(phone)
	if err != nil {
		return nil, err
	}
	return fn(a)
}

// inGroup is asMember in the group that r's path names.
func (s *Server) inGroup(r *http.Request, phone string, fn func(a *account, g *group) (any, error)) (any, error) {
	return s.asMember(phone, func(a *account) (any, error) {
		g, err := s.groupLocked(r.PathValue("group"))
		if err != nil {
			return nil, err
		}
		return fn(a, g)
	})
}

func jids(field string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for i, p := range in {
		j, err := userJid(fmt.Sprintf("%s[%d]", field, i), p)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// groupsResponse is the body of GET /__sim/groups.
type groupsResponse struct {
	Groups []GroupInfo `json:"groups"`
}

func (s *Server) listGroups(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups.init()
	out := []GroupInfo{}
	for _, g := range s.groups.byID {
		gi := g.info(g.owner)
		gi.Invite = g.invite
		out = append(out, gi)
	}
	return writeJSON(w, groupsResponse{Groups: out})
}

// createGroupRequest is the body of POST /__sim/groups/create.
type createGroupRequest struct {
	Phone        string   `json:"phone"`
	Subject      string   `json:"subject"`
	Participants []string `json:"participants"`
}

// createGroupResponse is what POST /__sim/groups/create answers.
type createGroupResponse struct {
	Group   GroupInfo   `json:"group"`
	Results []AddResult `json:"results"`
}

func (q createGroupRequest) check() error { return required("phone", q.Phone, "subject", q.Subject) }

func (s *Server) ctlCreateGroup(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(req createGroupRequest) (any, error) {
		ps, err := jids("participants", req.Participants)
		if err != nil {
			return nil, err
		}
		return s.asMember(req.Phone, func(a *account) (any, error) {
			g, res, err := s.createGroupLocked(a.wid(), req.Subject, ps)
			if err != nil {
				return nil, err
			}
			return createGroupResponse{Group: g.info(a.wid()), Results: res}, nil
		})
	})
}

// privacyRequest is the body of POST /__sim/groups/privacy: refuse_adds
// makes adds of phone produce an invite instead (WhatsApp's "who can add
// me to groups: my contacts").
type privacyRequest struct {
	Phone      string `json:"phone"`
	RefuseAdds bool   `json:"refuse_adds"`
}

// check leaves phone to userJid, which says what is off.
func (q privacyRequest) check() error { return nil }

func (s *Server) groupPrivacy(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(req privacyRequest) (privacyRequest, error) {
		j, err := userJid("phone", req.Phone)
		if err != nil {
			return req, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.groups.init()
		s.groups.refuseAdd[j] = req.RefuseAdds
		return req, nil
	})
}

// joinRequest is the body of POST /__sim/groups/join.
type joinRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

func (q joinRequest) check() error { return required("phone", q.Phone, "code", q.Code) }

func (s *Server) ctlJoin(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(req joinRequest) (any, error) {
		return s.asMember(req.Phone, func(a *account) (any, error) {
			g, pending, err := s.joinLocked(a.wid(), req.Code)
			if err != nil {
				return nil, err
			}
			return map[string]any{"group": g.info(a.wid()), "pending": pending}, nil
		})
	})
}

// participantsRequest is the body of POST /__sim/groups/{group}/participants:
// the member phone adds, removes, promotes or demotes participants, or
// leaves (action leave, no participants).
type participantsRequest struct {
	Phone        string   `json:"phone"`
	Action       string   `json:"action"`
	Participants []string `json:"participants"`
}

func (q participantsRequest) check() error { return required("phone", q.Phone, "action", q.Action) }

func (s *Server) ctlParticipants(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(req participantsRequest) (any, error) {
		switch req.Action {
		case "add", "remove", "promote", "demote", "approve", "reject":
			if len(req.Participants) == 0 {
				return nil, fieldError("participants", "must name at least one participant")
			}
		case "leave":
		default:
			return nil, fieldError("action", "must be add, remove, promote, demote, approve, reject or leave")
		}
		ps, err := jids("participants", req.Participants)
		if err != nil {
			return nil, err
		}
		return s.inGroup(r, req.Phone, func(a *account, g *group) (any, error) {
			var res []AddResult
			var err error
			if req.Action == "approve" || req.Action == "reject" {
				res, err = s.decideLocked(g, a.wid(), ps, req.Action == "approve")
			} else {
				res, err = s.groupActLocked(g, a.wid(), req.Action, ps)
			}
			if err != nil {
				return nil, err
			}
			return map[string]any{"group": g.info(a.wid()), "results": res}, nil
		})
	})
}

// groupMessageRequest is the body of POST /__sim/groups/{group}/messages:
// the member phone writes text to the group.
type groupMessageRequest struct {
	Phone string `json:"phone"`
	Text  string `json:"text"`
}

func (q groupMessageRequest) check() error { return required("phone", q.Phone, "text", q.Text) }

func (s *Server) ctlGroupMessage(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(req groupMessageRequest) (any, error) {
		return s.inGroup(r, req.Phone, func(a *account, g *group) (any, error) {
			if err := s.checkGroupSendLocked(a, g.id); err != nil {
				return nil, errorf(CodeConflict, "%s", err.Error())
			}
			key := newKey()
			m := &message{Message: Message{ID: "true_" + g.id + "_" + key, Key: key, ChatID: g.id, From: a.wid(), To: g.id, FromMe: true,
				Type: "chat", Body: req.Text, Timestamp: time.Now().Unix(), Ack: AckServer}}
			s.addLocked(a, m)
			s.routeGroupLocked(m)
			return m.view(), nil
		})
	})
}

// groupSettingsRequest is the body of POST /__sim/groups/{group}/settings:
// the member phone changes one setting (subject, description, picture,
// announce, restrict, ephemeral, approval, revoke_invite).
type groupSettingsRequest struct {
	Phone string `json:"phone"`
	What  string `json:"what"`
	Value string `json:"value"`
	Flag  bool   `json:"flag"`
	N     int    `json:"n"`
}

func (q groupSettingsRequest) check() error { return required("phone", q.Phone, "what", q.What) }

func (s *Server) ctlGroupSettings(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(req groupSettingsRequest) (any, error) {
		return s.inGroup(r, req.Phone, func(a *account, g *group) (any, error) {
			if err := s.setGroupLocked(g, a.wid(), strings.TrimSpace(req.What), req.Value, req.Flag, req.N); err != nil {
				return nil, err
			}
			return g.info(a.wid()), nil
		})
	})
}
