package session

import "time"

// View is the session resource clients see.
type View struct {
	ID      string       `json:"id"`
	Status  Status       `json:"status"`
	Reason  Reason       `json:"reason,omitempty"`
	Error   string       `json:"error,omitempty"`
	Attempt int          `json:"attempt"`
	History []Transition `json:"history"`
	// Config holds the overrides the session's clients set, exactly as set.
	Config Config `json:"config"`
	// EffectiveConfig is what the running or next launch uses: each field
	// is the override when set, else the server's current default.
	EffectiveConfig EffectiveConfig `json:"effective_config"`
	Me              *Account        `json:"me"`
	Resources       Resources       `json:"resources"`
	// PhoneOnline is, for a running legacy session, whether its phone is
	// connected (WhatsApp legacy needs it); absent otherwise.
	PhoneOnline *bool `json:"phone_online,omitempty"`
	// Node is, in a cluster, the node that holds the session's lease (runs
	// its browser); empty on a single node or while no node holds it.
	Node      string    `json:"node,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Resources are a session's latest resource figures (zero when stopped).
type Resources struct {
	PSSBytes      int64   `json:"pss_bytes"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	Processes     int     `json:"processes"`
	UptimeSeconds float64 `json:"uptime_seconds"` // since the current browser launched
	Restarts      int     `json:"restarts"`       // relaunches since the session was started
}

// QR is the code a session in SCAN_QR_CODE currently shows.
type QR struct {
	Code      string    `json:"code"`
	Index     int       `json:"index"`
	ExpiresAt time.Time `json:"expires_at"`
}

// resources returns the live figures.
func (s *sess) resources(now time.Time) Resources {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Resources{Restarts: s.restarts}
	if !s.launched.IsZero() {
		r.PSSBytes, r.CPUSeconds, r.Processes = s.usage.PSSBytes, s.usage.CPUSeconds, s.usage.Processes
		r.UptimeSeconds = now.Sub(s.launched).Seconds()
	}
	return r
}

// phoneOnline is the phone_online field of a running legacy session.
func (s *sess) phoneOnline(rec Record) *bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.page == nil || !rec.Config.legacy() {
		return nil
	}
	on := !s.phoneOff
	return &on
}
