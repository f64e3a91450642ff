package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// TestMoveMultiDeviceSession links a session on server A, exports its data
// file, stops A, imports the file on server B (another data path, another
// port) and sees it WORKING with no QR.
func TestMoveMultiDeviceSession(t *testing.T) {
	skipShort(t)
	sm, a := linkedServer(t, "mover", "15557770000")

	code, file := a.call("GET", "/v1/sessions/mover/data", nil)
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, file)
	}
	var df session.DataFile
	mustJSON(t, file, &df)
	if df.Version != session.DataFileVersion || df.Kind != session.KindMD || df.Session != "mover" || df.WID != "15557770000@c.us" || df.Profile == nil {
		t.Fatalf("data file = %+v", df)
	}
	if v := a.get("mover"); v.Status != session.StatusWorking {
		t.Fatalf("export stopped the session: %s", v.Status)
	}
	// Only one copy may be live: stop A first.
	a.call("POST", "/v1/sessions/mover/stop", nil)

	bdir := testDir(t)
	b := startServer(t, bdir, sm, serverOpts{})
	raw := file
	if code, body := b.call("PUT", "/v1/sessions/mover/data", raw); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
	v := b.wait("mover", session.StatusWorking)
	assertResumed(t, v)
	if historyHas(v, session.StatusScanQRCode) {
		t.Fatalf("a QR was shown after import: %+v", v.History)
	}
	if _, err := os.Stat(filepath.Join(bdir, "mover.data.json")); err != nil {
		t.Fatalf("B has no data file: %v", err)
	}

	// Importing into the running session is refused, and the target is untouched.
	if code, _ := b.call("PUT", "/v1/sessions/mover/data", raw); code != http.StatusConflict {
		t.Fatalf("import into running = %d, want 409", code)
	}
}

func TestImportRejectsBadFiles(t *testing.T) {
	skipShort(t)
	_, a := linkedServer(t, "src", "15557770001")
	_, file := a.call("GET", "/v1/sessions/src/data", nil)
	var good map[string]any
	mustJSON(t, file, &good)

	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		mustJSON(t, file, &m)
		m["session"] = "target" // as if exported from a session named target
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name  string
		body  []byte
		field string
	}{
		{"truncated", file[:len(file)/2], "body"},
		{"wrong version", mutate(func(m map[string]any) { m["version"] = 99 }), "version"},
		{"other session", mutate(func(m map[string]any) { m["session"] = "someone-else" }), "session"},
		{"corrupted snapshot", mutate(func(m map[string]any) {
			p := m["profile"].(map[string]any)
			d := []byte(p["data"].(string))
			d[10] ^= 1
			p["data"] = string(d)
		}), "profile.data"},
		{"not base64", mutate(func(m map[string]any) { m["profile"].(map[string]any)["data"] = "!!" }), "profile.data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := a.call("PUT", "/v1/sessions/target/data", tc.body)
			var p map[string]any
			mustJSON(t, body, &p)
			if code != http.StatusBadRequest || p["field"] != tc.field {
				t.Fatalf("import = %d %v, want 400 on %s", code, p, tc.field)
			}
			if code, _ := a.call("GET", "/v1/sessions/target", nil); code != http.StatusNotFound {
				t.Fatalf("a rejected import created the session (%d)", code)
			}
			if _, err := os.Stat(filepath.Join(a.dir, "IGNORE_target")); !os.IsNotExist(err) {
				t.Fatal("a rejected import touched the disk")
			}
		})
	}
}

// TestDataFileFollowsAuth: the data file appears once a fresh link settles
// and is deleted when the phone logs the session out.
func TestDataFileFollowsAuth(t *testing.T) {
	skipShort(t)
	sm, srv := linkedServer(t, "df", "15557770002")
	path := filepath.Join(srv.dir, "df.data.json")
	waitFor(t, 20*time.Second, "data file written after the link", func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		_, err = session.ParseDataFile(b, "df")
		return err == nil
	})
	sm.control(t, "POST", "/__sim/logout", map[string]string{"phone": "15557770002"})
	srv.wait("df", session.StatusScanQRCode)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("data file kept after logout: %v", err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}
