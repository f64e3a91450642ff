package wasim

import (
	"net/http"
)

// routes is every route of the simulator, as a table.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()

	// The fake web.whatsapp.com.
	m.HandleFunc("GET /{$}", s.serveIndex)
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	m.HandleFunc("GET /__page/ws", s.servePageWS)
	m.HandleFunc("GET /__page/qr.png", s.serveQRImage)
	m.Handle("GET /__page/assets/", s.serveAssets())
	m.HandleFunc("POST /__page/media", s.servePageUpload)
	m.HandleFunc("GET /__page/media/{id}", s.servePageDownload)
	m.HandleFunc("GET /__page/blank", s.serveBlank)

	// The phone/control API (DESIGN §5).
	m.Handle("/__sim/healthz", s.api(http.MethodGet, s.healthz))
	m.Handle("/__sim/qr", s.api(http.MethodGet, s.qr))
	m.Handle("/__sim/scan", s.api(http.MethodPost, s.scan))
	m.Handle("/__sim/pair", s.api(http.MethodPost, s.pair))
	m.Handle("/__sim/logout", s.api(http.MethodPost, s.logout))
	m.Handle("/__sim/rotate", s.api(http.MethodPost, s.rotate))
	m.Handle("/__sim/devices", s.api(http.MethodGet, s.devices))
	m.Handle("/__sim/messages", s.api(http.MethodPost, s.messages))
	m.Handle("/__sim/outbox", s.api(http.MethodGet, s.outbox))
	m.Handle("/__sim/ack", s.api(http.MethodPost, s.ack))
	m.Handle("/__sim/revoke", s.api(http.MethodPost, s.revoke))
	m.Handle("/__sim/reaction", s.api(http.MethodPost, s.reaction))
	m.Handle("/__sim/edit", s.api(http.MethodPost, s.edit))
	m.Handle("/__sim/vote", s.api(http.MethodPost, s.vote))
	m.Handle("/__sim/presence", s.api(http.MethodPost, s.presence))
	m.Handle("/__sim/media/{id}", s.api(http.MethodGet, s.mediaFile))
	m.Handle("/__sim/phone-online", s.api(http.MethodPost, s.phoneOnline))
	m.Handle("/__sim/users", s.api(http.MethodPost, s.postUser))
	m.Handle("/__sim/contacts", s.api(http.MethodPost, s.postContact))
	m.Handle("/__sim/chat", s.api(http.MethodPost, s.postChat))
	m.Handle("/__sim/call", s.api(http.MethodPost, s.call))
	m.Handle("/__sim/profile", s.api(http.MethodGet, s.profile))
	s.businessRoutes(m)
	s.groupRoutes(m)
	m.HandleFunc("/__sim/", func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errorf(codeRouteNotFound, "no simulator route %s", r.URL.Path))
	})
	return m
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	n := len(s.pages)
	s.mu.Unlock()
	return writeJSON(w, map[string]any{"status": "ok", "pages": n})
}

// qrResponse is the body of GET /__sim/qr.
type qrResponse struct {
	Pages []QRCode `json:"pages"`
}

func (s *Server) qr(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, qrResponse{Pages: s.QRCodes()})
}

// scanRequest is the body of POST /__sim/scan.
type scanRequest struct {
	Code   string `json:"code"`
	Phone  string `json:"phone"`
	Name   string `json:"name"`
	Legacy bool   `json:"legacy"`
	// Business makes the account a WhatsApp Business one (labels).
	Business bool `json:"business"`
}

func (q scanRequest) check() error { return required("code", q.Code, "phone", q.Phone) }

func (s *Server) scan(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q scanRequest) (Linked, error) {
		scan := s.Scan
		if q.Legacy {
			scan = s.ScanLegacy
		}
		l, err := scan(q.Code, q.Phone, q.Name)
		if err == nil {
			s.SetBusiness(l.Phone, q.Business)
		}
		return l, err
	})
}

// pairRequest is the body of POST /__sim/pair.
type pairRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (q pairRequest) check() error { return required("code", q.Code) }

func (s *Server) pair(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q pairRequest) (Linked, error) { return s.Pair(q.Code, q.Name) })
}

// logoutRequest is the body of POST /__sim/logout.
type logoutRequest struct {
	Phone string `json:"phone"`
}

func (q logoutRequest) check() error { return required("phone", q.Phone) }

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q logoutRequest) (LogoutResult, error) { return s.Logout(q.Phone) })
}

// devicesResponse is the body of GET /__sim/devices.
type devicesResponse struct {
	Accounts []AccountInfo `json:"accounts"`
}

func (s *Server) devices(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, devicesResponse{Accounts: s.Accounts()})
}

// phoneOnlineRequest is the body of POST /__sim/phone-online; online is
// required (a missing one is a 400, not "offline").
type phoneOnlineRequest struct {
	Phone  string `json:"phone"`
	Online *bool  `json:"online"`
}

func (q phoneOnlineRequest) check() error {
	if err := required("phone", q.Phone); err != nil {
		return err
	}
	if q.Online == nil {
		return fieldError("online", "is required (true or false)")
	}
	return nil
}

func (s *Server) phoneOnline(w http.ResponseWriter, r *http.Request) error {
	return handleJSON(w, r, func(q phoneOnlineRequest) (PhoneState, error) { return s.SetPhoneOnline(q.Phone, *q.Online) })
}
