package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProblemOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Problem
	}{
		{"field error", fmt.Errorf("decode: %w", Field("config.qr_max", "must be >= 0")),
			Problem{Type: ProblemTypeBase + "invalid_request", Title: "Bad Request", Status: 400, Code: "invalid_request",
				Field: "config.qr_max", Detail: "config.qr_max: must be >= 0", RequestID: "rid"}},
		{"not working", E(NotWorking, "session %q is SCAN_QR_CODE", "alice"),
			Problem{Type: ProblemTypeBase + "session_not_working", Title: "Conflict", Status: 409, Code: "session_not_working",
				Detail: `session "alice" is SCAN_QR_CODE`, RequestID: "rid"}},
		{"a 503 keeps its detail", Wrap(errors.New("nats down"), Unavailable, "not ready"),
			Problem{Type: ProblemTypeBase + "unavailable", Title: "Service Unavailable", Status: 503, Code: "unavailable",
				Detail: "not ready", RequestID: "rid"}},
		{"a plain error is internal and hides its text", errors.New("open /secret: denied"),
			Problem{Type: ProblemTypeBase + "internal", Title: "Internal Server Error", Status: 500, Code: "internal",
				Detail: internalDetail, RequestID: "rid"}},
		{"an unmapped code is a 500", E("made_up", "who knows"),
			Problem{Type: ProblemTypeBase + "made_up", Title: "Internal Server Error", Status: 500, Code: "made_up",
				Detail: internalDetail, RequestID: "rid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ProblemOf(tt.err, "rid")); diff != "" {
				t.Errorf("ProblemOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusCoversEveryCode(t *testing.T) {
	want := map[Code]int{
		Invalid: 400, InvalidID: 400, NotFound: 404, SessionNotFound: 404, SessionExists: 409, Conflict: 409,
		NotScanQRCode: 409, NotRunning: 409, NotWorking: 409, Gone: 410, Timeout: 504, Unavailable: 503,
		Unauthorized: 401, Forbidden: 403, Internal: 500, TooLarge: 413, UnsupportedMedia: 415,
		MethodNotAllowed: 405, RateLimited: 429, StorageFull: 507, MessageNotFound: 404, ChatNotFound: 404, NotAllowed: 409,
		OwnerUnreachable: 503, ContactNotFound: 404, NotOnWhatsApp: 404,
		CallNotFound: 404, WPPFunctionNotFound: 404, WPPResultNotJSON: 422, WPPResultTooLarge: 422, WPPCallFailed: 422,
		NotBusinessAccount: 409, LabelNotFound: 404, ChannelNotFound: 404, StatusNotFound: 404,
		GroupNotFound: 404, NotGroupAdmin: 403, GroupFull: 409, InviteNotFound: 404,
	}
	if len(want) != len(statuses) {
		t.Errorf("the table maps %d codes, the test knows %d: add the new code to both", len(statuses), len(want))
	}
	for code, status := range want {
		if got := Status(code); got != status {
			t.Errorf("Status(%s) = %d, want %d", code, got, status)
		}
	}
}

func TestWriteProblem(t *testing.T) {
	rec := httptest.NewRecorder()
	p := WriteProblem(rec, E(TooLarge, "body is larger than 10 bytes"), "")
	if rec.Code != http.StatusRequestEntityTooLarge || p.Status != rec.Code {
		t.Fatalf("status %d, problem %+v", rec.Code, p)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type %q", got)
	}
	want := `{"type":"https://easy-api.dev/problems/body_too_large","title":"Request Entity Too Large","status":413,"detail":"body is larger than 10 bytes","code":"body_too_large"}` + "\n"
	if rec.Body.String() != want {
		t.Errorf("body\n%s\nwant\n%s", rec.Body, want)
	}
}
