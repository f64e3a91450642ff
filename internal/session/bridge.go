package session

import "encoding/json"

// The bridge's wire types: what window.__easy sends from the page to Go
// (DESIGN §4). The ports that carry them are in ports.go.

// PageEvent is an event the bridge sent from the page (DESIGN §4): Type is one
// of the Bridge* constants and Data its JSON payload.
type PageEvent struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Bridge event types (page → Go).
const (
	BridgeBoot          = "boot"          // {url, wpp}
	BridgeState         = "state"         // BridgeStateData
	BridgeQR            = "qr"            // {code} or null
	BridgeQRIdle        = "qr_idle"       // {}
	BridgeAuthenticated = "authenticated" // {method: "qr" | "pairing"}
	BridgeReady         = "ready"         // Account
	BridgeLogout        = "logout"        // {reason}
	BridgeMessage       = "message"
	BridgeAck           = "ack"
	BridgeError         = "error"    // {message}
	BridgeConflict      = "conflict" // {}: another browser is live on this legacy account
	BridgePhone         = "phone"    // {online}: the legacy account's phone came or went
)

// BridgeStateData is the payload of a "state" bridge event.
type BridgeStateData struct {
	Phase         string `json:"phase"` // loading, qr, resuming, syncing, ready, blocked
	Authenticated bool   `json:"authenticated"`
	StreamMode    string `json:"stream_mode"`
	Percent       int    `json:"percent"`
	PhoneOnline   bool   `json:"phone_online"` // always true for multi-device
	Conflict      bool   `json:"conflict"`     // another browser is live on this legacy account
}

// Account is the host account of a linked session.
type Account struct {
	ID       string `json:"id"`        // e.g. 15551234567@c.us
	Phone    string `json:"phone"`     // e.g. 15551234567
	PushName string `json:"push_name"` // the name set on the phone
	Platform string `json:"platform,omitempty"`
	// MultiDevice is false for a legacy account (nil when unknown).
	MultiDevice *bool `json:"multi_device,omitempty"`
}
