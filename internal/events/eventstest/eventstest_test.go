package eventstest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// TestWrapAnswersAsProduction checks that the test adapter answers each
// error with the status and problem body production gives it, the 4xx the
// events and webhook handlers return included.
func TestWrapAnswersAsProduction(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   apperr.Code
		wantDetail string
	}{
		{"too large", apperr.E(apperr.TooLarge, "a webhook body is at most 65536 bytes"), 413, apperr.TooLarge, "a webhook body is at most 65536 bytes"},
		{"unsupported media", apperr.E(apperr.UnsupportedMedia, "send application/json"), 415, apperr.UnsupportedMedia, "send application/json"},
		{"rate limited", apperr.E(apperr.RateLimited, "slow down"), 429, apperr.RateLimited, "slow down"},
		{"timeout", apperr.E(apperr.Timeout, "the page did not answer"), 504, apperr.Timeout, "the page did not answer"},
		{"gone", apperr.E(apperr.Gone, "resync"), 410, apperr.Gone, "resync"},
		{"field", apperr.Field("limit", "want 1 to 1000"), 400, apperr.Invalid, "limit: want 1 to 1000"},
		{"plain error hides its cause", errors.New("nats: secret detail"), 500, apperr.Internal, "internal error; the server log has the details under this request id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Wrap(func(http.ResponseWriter, *http.Request) error { return tt.err })(rec, httptest.NewRequest("GET", "/", nil))
			var p apperr.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tt.wantStatus || p.Status != tt.wantStatus || p.Code != string(tt.wantCode) || p.Detail != tt.wantDetail {
				t.Errorf("got %d %+v, want %d %s %q", rec.Code, p, tt.wantStatus, tt.wantCode, tt.wantDetail)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
