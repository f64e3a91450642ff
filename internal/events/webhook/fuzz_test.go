package webhook

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// FuzzWebhookBody feeds the webhook create/update decoder and its
// validation. Properties: no panic; rejections are 400/413 apperrs; an
// accepted header value never carries a line break (header injection).
func FuzzWebhookBody(f *testing.F) {
	for _, s := range []string{
		`{"url":"https://example.com/h"}`, `{"url":"https://example.com/h","sessions":["alice"],"types":["message.received"],"headers":{"X-Token":"abc"}}`,
		`{"url":"https://example.com/h","headers":{"X-A":"v\r\nX-B: 1"}}`, `{"url":"https://example.com/h","headers":{"Webhook-Id":"1"}}`,
		`{"url":"ftp://x"}`, `{"url":"https://u:p@example.com/"}`, `{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","url":"http://x"}`,
		`{"url":"https://example.com","sessions":["../x"]}`, `{"enabled":false}`, `{}`, ``, `{"url":` + strings.Repeat("[", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v1/webhooks", bytes.NewReader(body))
		in, err := decode(r)
		if err == nil {
			var rec record
			err = in.apply(&rec)
			for name, v := range rec.Headers {
				if err == nil && strings.ContainsAny(name+v, "\r\n\x00") {
					t.Fatalf("accepted header %q: %q", name, v)
				}
			}
		}
		if err == nil {
			return
		}
		e, ok := errors.AsType[*apperr.Error](err)
		if !ok || (e.Code != apperr.Invalid && e.Code != apperr.InvalidID && e.Code != apperr.TooLarge) {
			t.Fatalf("rejection is not a client error: %v", err)
		}
	})
}
