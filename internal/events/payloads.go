package events

import "time"

// WebhookDisabledData is the data of a webhook.disabled event.
type WebhookDisabledData struct {
	WebhookID    string    `json:"webhook_id" example:"wh_3kq9d0v7x2m4p8r1t6yb"`
	URL          string    `json:"url" example:"https://example.com/hooks/whatsapp"` // without query or fragment
	Reason       string    `json:"reason" example:"every delivery failed since 2026-11-25T06:00:00Z (last error: HTTP 500)"`
	FailingSince time.Time `json:"failing_since" example:"2026-11-25T06:00:00Z"`
}

// KeyRevokedData is the data of a key.revoked event: every stream opened
// with that key ends when it is fanned out.
type KeyRevokedData struct {
	KeyID string `json:"key_id" example:"key_m5xq2c7rjz4w8k3a"`
}
