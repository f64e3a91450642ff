package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/jsonbody"
	"github.com/easy-api/easy-api/internal/session"
)

// The fuzz targets feed every JSON body decoder of the API, and the id and
// path parsing, with arbitrary bytes. Properties: no panic, and every
// rejection is an *apperr.Error that maps to a 4xx. `make test` runs their
// seeds as ordinary tests; `make fuzz` explores.

// decodeBody runs decodeJSON on body as a request within limit would.
func decodeBody(body []byte, ctype string, dst any) error {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<20)
	return decodeJSON(r, dst)
}

// mustBeClientError fails unless err is nil or a 4xx apperr.
func mustBeClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok {
		t.Fatalf("not an apperr: %v", err)
	}
	if status := apperr.Status(e.Code); status < 400 || status > 499 {
		t.Fatalf("code %s maps to %d, want a 4xx: %v", e.Code, status, err)
	}
}

// fuzzBody fuzzes the decoding of a T body sent as ctype from bodySeeds:
// a body that does not decode must be a client error; one that does goes
// to check.
func fuzzBody[T any](f *testing.F, ctype string, check func(t *testing.T, v T)) {
	for _, s := range bodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v T
		if err := decodeBody(body, ctype, &v); err != nil {
			mustBeClientError(t, err)
			return
		}
		check(t, v)
	})
}

// bodySeeds are shared by the body targets.
var bodySeeds = []string{
	``, `{}`, `null`, `[]`, `"x"`, `{"id":"alice"}`, `{"id":"alice","start":false,"config":{"qr_timeout":"30s","qr_max":2}}`,
	`{"id":"../x"}`, `{"id":7}`, `{"config":{"auth_timeout":-1}}`, `{"config":{"max_memory":"300MB"}}`, `{"id":"a"}{"id":"b"}`,
	`{"phone":"+1 555 123 4567"}`, `{"phone":"abc"}`, `{"chat_id":"15551234567","text":"hi"}`,
	`{"chat_id":"x@g.us","media":{"data":"data:image/png;base64,iVBORw0KGgo=","caption":"c"}}`, `{"chat_id":"1","media":{"data":"%%%"}}`,
	`{"chat_id":"1","media":{"url":"ftp://x"}}`, `{"sessions":["alice"],"name":"crm"}`, `{"sessions":[]}`, `{"sessions":"alice"}`,
	`{"a":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`, "\xff\xfe{}", `{"id":"\u0000"}`, `{"id":1e999}`,
}

func FuzzCreateSessionBody(f *testing.F) {
	fuzzBody(f, "application/json", func(t *testing.T, req CreateSessionRequest) {
		mustBeClientError(t, session.ValidateID(req.ID))
		mustBeClientError(t, req.Config.Validate())
	})
}

func FuzzPatchSessionBody(f *testing.F) {
	fuzzBody(f, "", func(t *testing.T, patch json.RawMessage) {
		var c session.Config
		dec := json.NewDecoder(bytes.NewReader(patch))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			mustBeClientError(t, jsonbody.Error(err))
			return
		}
		mustBeClientError(t, c.Validate())
	})
}

func FuzzPairingCodeBody(f *testing.F) {
	fuzzBody(f, "application/json; charset=utf-8", func(t *testing.T, req PairingCodeRequest) {
		p, err := session.NormalizePhone(req.Phone)
		mustBeClientError(t, err)
		if err == nil && strings.Trim(p, "0123456789") != "" {
			t.Fatalf("phone %q normalized to %q", req.Phone, p)
		}
	})
}

func FuzzSendMessageBody(f *testing.F) {
	fuzzBody(f, "application/json", func(t *testing.T, req SendMessageRequest) {
		_, err := session.NormalizeChatID("chat_id", req.ChatID)
		mustBeClientError(t, err)
		if req.Media != nil && req.Media.Data != "" {
			data, _, err := decodeData(req.Media.Data, 1<<10)
			mustBeClientError(t, err)
			if len(data) > 1<<10 {
				t.Fatalf("decoded %d bytes past the 1 KiB limit", len(data))
			}
		}
	})
}

func FuzzCreateKeyBody(f *testing.F) {
	fuzzBody(f, "application/json", func(t *testing.T, req CreateKeyRequest) {
		for _, id := range req.Sessions {
			mustBeClientError(t, session.ValidateID(id))
		}
	})
}

// FuzzImportData feeds the session data file parser (PUT .../data).
func FuzzImportData(f *testing.F) {
	f.Add([]byte(`{"version":1,"session":"alice","kind":"md","wid":"1@c.us","created":"2026-11-26T06:00:00Z"}`))
	f.Add([]byte(`{"version":1,"session":"alice","kind":"legacy","legacy":{"WABrowserId":"x","WASecretBundle":"y","WAToken1":"a","WAToken2":"b"}}`))
	f.Add([]byte(`{"version":1,"session":"alice","kind":"md","profile":{"format":"tar+gzip","data":"H4sIAAAAAAAAAwMAAAAAAAAAAAA=","size":0,"sha256":"x"}}`))
	f.Add([]byte(`{"version":99,"session":"bob"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := session.ParseDataFile(body, "alice"); err != nil {
			mustBeClientError(t, err)
		}
	})
}

// FuzzSessionID: an id that passes validation is safe to put in a path.
func FuzzSessionID(f *testing.F) {
	for _, s := range []string{"alice", "a", "A-b_9", "", ".", "..", "../x", "a/b", `a\b`, "a\x00", "-a", "_a", strings.Repeat("a", 64), strings.Repeat("a", 65), "ä", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := session.ValidateID(id)
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		dir := filepath.Join("/data", "IGNORE_"+id)
		if filepath.Dir(dir) != "/data" || strings.ContainsAny(id, `/\.`+"\x00") || id[0] == '-' {
			t.Fatalf("accepted id %q is not path-safe (%s)", id, dir)
		}
	})
}
