package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// SecretPrefix starts every webhook secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// Secret sizes accepted, in decoded bytes (the specification's bounds).
const (
	minSecretBytes = 24
	maxSecretBytes = 64
	newSecretBytes = 32
)

// NewSecret returns a fresh random secret "whsec_<base64 of 32 bytes>".
func NewSecret() string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(randBytes(newSecretBytes))
}

// parseSecret returns the HMAC key of a "whsec_<base64>" secret.
func parseSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, apperr.Field("secret", "must start with %q", SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, apperr.Field("secret", "the part after %q is not base64", SecretPrefix)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, apperr.Field("secret", "must decode to %d to %d bytes, got %d", minSecretBytes, maxSecretBytes, len(key))
	}
	return key, nil
}

// Sign returns the webhook-signature header value "v1,<base64 HMAC-SHA256>"
// of the message msgID sent at ts with body, keyed with secret
// ("whsec_<base64>").
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := parseSecret(secret)
	if err != nil {
		return "", err
	}
	return sign(key, msgID, strconv.FormatInt(ts.Unix(), 10), body), nil
}

func sign(key []byte, msgID, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// newID returns a webhook id "wh_<20 base32 chars>", valid as a KV key and a
// consumer name.
func newID() string { return "wh_" + idEncoding.EncodeToString(randBytes(12))[:20] }

// globalID is the id of the global webhook (--webhook) for url, in newID's
// form: the same on every node, so that nodes starting at once create one.
func globalID(url string) string {
	sum := sha256.Sum256([]byte("easy-api global webhook\x00" + url))
	return "wh_" + idEncoding.EncodeToString(sum[:12])[:20]
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
