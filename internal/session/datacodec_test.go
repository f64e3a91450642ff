package session

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// TestDataFileCodec: what encodeDataFile writes decodes to the same file
// and snapshot; files written by other encoders (any key order, "\/"
// escapes, the profile before the rest) decode too; broken ones are a 400
// naming the field.
func TestDataFileCodec(t *testing.T) {
	snap := tarGz(t, map[string]string{"Default/IndexedDB/x.ldb": strings.Repeat("creds", 1000)})
	df := DataFile{Version: DataFileVersion, Session: "s", Kind: KindMD, WID: "1@c.us", Created: time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)}
	var got bytes.Buffer
	back, err := decodeDataFile(bytes.NewReader(dataFile(t, df, snap)), func(r io.Reader) error { _, err := io.Copy(&got, r); return err })
	if err != nil || !bytes.Equal(got.Bytes(), snap) || back.WID != df.WID || !back.Created.Equal(df.Created) || back.Profile.Size != len(snap) {
		t.Fatalf("round trip: %v, %d bytes, %+v", err, got.Len(), back)
	}

	b64 := base64.StdEncoding.EncodeToString(snap)
	sum := sha256.Sum256(snap)
	profile := func(data string, size int, digest string) string {
		return fmt.Sprintf(`{"format":"tar+gzip","size":%d,"sha256":%q,"data":"%s"}`, size, digest, data)
	}
	good := profile(b64, len(snap), hex.EncodeToString(sum[:]))
	for _, tc := range []struct {
		name, body, field string
	}{
		{"profile first", `{"profile":` + good + `,"version":1,"session":"s","kind":"md"}`, ""},
		{"escaped slashes", `{"version":1,"session":"s","kind":"md","profile":` + profile(strings.ReplaceAll(b64, "/", `\/`), len(snap), hex.EncodeToString(sum[:])) + `}`, ""},
		{"unknown fields kept out", `{"version":1,"session":"s","kind":"md","note":{"a":[1,2]},"profile":` + good + `}`, ""},
		{"other escape", `{"version":1,"session":"s","kind":"md","profile":` + profile(`\u0041`+b64, len(snap), hex.EncodeToString(sum[:])) + `}`, "profile.data"},
		{"wrong size", `{"version":1,"session":"s","kind":"md","profile":` + profile(b64, len(snap)+1, hex.EncodeToString(sum[:])) + `}`, "profile.data"},
		{"wrong digest", `{"version":1,"session":"s","kind":"md","profile":` + profile(b64, len(snap), strings.Repeat("0", 64)) + `}`, "profile.data"},
		{"not base64", `{"version":1,"session":"s","kind":"md","profile":` + profile("!!!!", 3, "x") + `}`, "profile.data"},
		{"data twice", `{"version":1,"session":"s","kind":"md","profile":{"data":"","data":""}}`, "profile.data"},
		{"truncated in the data", `{"version":1,"session":"s","kind":"md","profile":{"format":"tar+gzip","data":"` + b64[:100], "body"},
		{"trailing data", `{"version":1,"session":"s","kind":"md","profile":` + good + `} {}`, "body"},
		{"not an object", `[]`, "body"},
		{"other session", `{"version":1,"session":"t","kind":"md","profile":` + good + `}`, "session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDataFile([]byte(tc.body), "s")
			if tc.field == "" {
				if err != nil {
					t.Fatalf("ParseDataFile = %v", err)
				}
				return
			}
			e, ok := err.(*apperr.Error)
			if !ok || e.Code != apperr.Invalid || e.Field != tc.field {
				t.Fatalf("ParseDataFile = %#v, want a 400 on %s", err, tc.field)
			}
		})
	}
}

// TestTruncatedImportIsTheFilesFault: a file cut inside its snapshot is a
// 400 on body when extracted too (not the extractor's 500).
func TestTruncatedImportIsTheFilesFault(t *testing.T) {
	h := newHarness(t, nil)
	snap := tarGz(t, map[string]string{"Default/IndexedDB/x.ldb": strings.Repeat("creds and more creds", 5000)})
	b := dataFile(t, DataFile{Version: DataFileVersion, Session: "cut", Kind: KindMD}, snap)
	for _, at := range []int{len(b) / 3, len(b) / 2, len(b) - 200} {
		_, err := h.m.ImportData(t.Context(), "cut", bytes.NewReader(b[:at]))
		if e, ok := err.(*apperr.Error); !ok || e.Code != apperr.Invalid || e.Field != "body" {
			t.Errorf("cut at %d of %d: %#v, want a 400 on body", at, len(b), err)
		}
	}
}
