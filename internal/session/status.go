package session

import "time"

// Status is where a session is in its lifecycle (DESIGN §3).
type Status string

// The statuses a session can be in.
const (
	StatusStopped    Status = "STOPPED"
	StatusStarting   Status = "STARTING"
	StatusResuming   Status = "RESUMING"
	StatusScanQRCode Status = "SCAN_QR_CODE"
	StatusSyncing    Status = "SYNCING"
	StatusWorking    Status = "WORKING"
	StatusRestarting Status = "RESTARTING"
	StatusFailed     Status = "FAILED"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusStopped, StatusStarting, StatusResuming, StatusScanQRCode,
	StatusSyncing, StatusWorking, StatusRestarting, StatusFailed}

// Running reports whether a session in this status owns a browser (or is
// about to launch one).
func (s Status) Running() bool {
	return s != StatusStopped && s != StatusFailed
}

// Reason says why a transition happened.
type Reason string

// The reasons of DESIGN §3.
const (
	ReasonAPI             Reason = "api"
	ReasonBoot            Reason = "boot"
	ReasonReauthOK        Reason = "reauth_ok"
	ReasonReauthFailed    Reason = "reauth_failed"
	ReasonScanned         Reason = "scanned"
	ReasonPaired          Reason = "paired"
	ReasonLoggedOut       Reason = "logged_out"
	ReasonQRTimeout       Reason = "qr_timeout"
	ReasonBrowserExited   Reason = "browser_exited"
	ReasonRendererCrashed Reason = "renderer_crashed"
	ReasonUnresponsive    Reason = "unresponsive"
	ReasonMemoryLimit     Reason = "memory_limit"
	ReasonConflict        Reason = "conflict"
	ReasonRestartBudget   Reason = "restart_budget"
	ReasonLaunchFailed    Reason = "launch_failed"
	ReasonLoadFailed      Reason = "load_failed"
	ReasonNoDisplay       Reason = "no_display"
	ReasonShutdown        Reason = "shutdown"
	ReasonRecycle         Reason = "recycle"       // --recycle-after: a planned relaunch of a long-lived browser
	ReasonPhoneOffline    Reason = "phone_offline" // legacy: the phone went offline (status stays)
	ReasonPhoneOnline     Reason = "phone_online"  // legacy: the phone is back
	// ReasonFailover: in a cluster, the session moved to this node (its
	// node died, was drained or lost quorum) and re-auths here.
	ReasonFailover Reason = "failover"
	// ReasonAccountBlocked: WhatsApp will not serve this account or network
	// (stream mode TOS_BLOCK, SMB_TOS_BLOCK or PROXYBLOCK); the session is FAILED.
	ReasonAccountBlocked Reason = "account_blocked"
	// ReasonUpdateRequired: WhatsApp Web is outdated (stream mode
	// DEPRECATED_VERSION or conn.needs_update); the session is FAILED.
	ReasonUpdateRequired Reason = "update_required"
)

// Transition is one entry of a session's history.
type Transition struct {
	Status Status    `json:"status"`
	Reason Reason    `json:"reason"`
	At     time.Time `json:"at"`
}

// historyLen is how many transitions a session remembers.
const historyLen = 5

// StatusEvent is the payload of a session.status event.
type StatusEvent struct {
	Status   Status       `json:"status"`
	Previous Status       `json:"previous"`
	Reason   Reason       `json:"reason"`
	Detail   string       `json:"detail,omitempty"`
	Attempt  int          `json:"attempt"`
	History  []Transition `json:"history"`
}

// QREvent is the payload of a session.qr event.
type QREvent struct {
	Code      string    `json:"code"`
	Index     int       `json:"index"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PairingCodeEvent is the payload of a session.pairing_code event: a new
// code to type on the phone (State "active"; WhatsApp replaces a code every
// few minutes), or the end of the pairing flow (State "expired" or "error",
// Code empty, Detail saying what to do).
type PairingCodeEvent struct {
	Code   string `json:"code"`
	Phone  string `json:"phone"`
	State  string `json:"state,omitempty" enums:"active,expired,error"`
	Detail string `json:"detail,omitempty"`
}

// ProgressEvent is the payload of a session.progress event.
type ProgressEvent struct {
	Stage   string `json:"stage"`
	Percent int    `json:"percent"`
}

// Event types the session package publishes.
const (
	EventStatus      = "session.status"
	EventQR          = "session.qr"
	EventPairingCode = "session.pairing_code"
	EventProgress    = "session.progress"
)
