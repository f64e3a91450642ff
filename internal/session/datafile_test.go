package session

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// TestAtomicWriteSurvivesKill kills a process in the middle of rewriting a
// data file again and again; the file must always parse as one complete
// version.
func TestAtomicWriteSurvivesKill(t *testing.T) {
	if path := os.Getenv("EASY_API_ATOMIC_WRITER"); path != "" {
		for i := 0; ; i++ {
			b, _ := json.Marshal(map[string]any{"n": i, "pad": strings.Repeat("x", 1<<20)})
			if err := writeFileAtomic(path, writeBytes(b)); err != nil {
				os.Exit(3)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "s.data.json")
	if err := writeFileAtomic(path, writeBytes([]byte(`{"n":-1}`))); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAtomicWriteSurvivesKill$")
		cmd.Env = append(os.Environ(), "EASY_API_ATOMIC_WRITER="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill once the writer has replaced the file at least once.
		deadline := time.Now().Add(20 * time.Second)
		for {
			b, _ := os.ReadFile(path)
			if !bytes.Equal(b, []byte(`{"n":-1}`)) || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		b, err := os.ReadFile(path)
		var v struct{ N int }
		if err != nil || json.Unmarshal(b, &v) != nil {
			t.Fatalf("round %d: file broken after SIGKILL (%d bytes, %v)", round, len(b), err)
		}
	}
}

func TestSaveDataFailureKeepsOldFileAndEmitsError(t *testing.T) {
	h := newHarness(t, func(c *ManagerConfig) {
		c.WriteFile = func(string, func(io.Writer) error) error { return syscall.ENOSPC }
	})
	path := DataFilePath(h.dir, "full")
	if err := os.WriteFile(path, []byte(`old`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := h.m.saveData(context.Background(), Record{ID: "full"}, writeBytes([]byte("snap")), DataEvent{Reason: "linked"})
	if apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("saveData = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("old data file replaced: %q", b)
	}
	for {
		select {
		case ev := <-h.pub.ch:
			if d, ok := ev.Data.(DataEvent); ok && ev.Type == EventData && d.Reason == "error" && strings.Contains(d.Error, "no space") {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no session.data error event")
		}
	}
}

// writeBytes is a write function writing b.
func writeBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(b); return err }
}

// profileSnapshot is the snapshot of a profile whose Local Storage holds
// one file with content.
func profileSnapshot(t testing.TB, content string) []byte {
	t.Helper()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "Default", "Local Storage"), 0o700)
	os.WriteFile(filepath.Join(src, "Default", "Local Storage", "x"), []byte(content), 0o600)
	var snap bytes.Buffer
	if err := writeSnapshot(src, &snap); err != nil {
		t.Fatal(err)
	}
	return snap.Bytes()
}

// dataFile encodes a data file around the snapshot snap (nil: none).
func dataFile(t testing.TB, df DataFile, snap []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var write func(io.Writer) error
	if snap != nil {
		write = writeBytes(snap)
	}
	if err := encodeDataFile(&buf, df, write); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGz(t testing.TB, entries map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestParseDataFileRejectsHostileSnapshots(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries map[string]string
		ok      bool
	}{
		{"allowed", map[string]string{"Default/IndexedDB/x.ldb": "a", "Local State": "{}"}, true},
		{"traversal", map[string]string{"Default/IndexedDB/../../../etc/passwd": "x"}, false},
		{"traversal back into the set", map[string]string{"Default/IndexedDB/../Preferences": "x"}, false},
		{"absolute", map[string]string{"/etc/passwd": "x"}, false},
		{"outside the set", map[string]string{"Default/Preferences": "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := dataFile(t, DataFile{Version: DataFileVersion, Session: "s", Kind: KindMD}, tarGz(t, tc.entries))
			_, err := ParseDataFile(b, "s")
			if (err == nil) != tc.ok {
				t.Fatalf("ParseDataFile = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(src, "Default", "IndexedDB", "db"), 0o700)
	os.WriteFile(filepath.Join(src, "Default", "IndexedDB", "db", "000003.log"), []byte("creds"), 0o600)
	os.WriteFile(filepath.Join(src, "Default", "Preferences"), []byte("not carried"), 0o600)
	os.WriteFile(filepath.Join(dst, "stale"), []byte("x"), 0o600)
	var snap bytes.Buffer
	if err := quiescentSnapshot(src, &snap); err != nil {
		t.Fatal(err)
	}
	staged := t.TempDir()
	if err := extractSnapshot(staged, &snap, nil); err != nil {
		t.Fatal(err)
	}
	if err := replaceProfile(dst, staged); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "Default", "IndexedDB", "db", "000003.log")); string(b) != "creds" {
		t.Fatalf("restored = %q", b)
	}
	for _, gone := range []string{"stale", "Default/Preferences"} {
		if _, err := os.Stat(filepath.Join(dst, gone)); !os.IsNotExist(err) {
			t.Errorf("%s present after restore", gone)
		}
	}
}

// TestRefusedDataFileIsNotRestoredAgain: a data file whose auth WhatsApp
// never confirms is forgotten at reauth_failed, so the relaunch shows a QR
// instead of restoring the same stale data in a loop.
func TestRefusedDataFileIsNotRestoredAgain(t *testing.T) {
	h := newHarness(t, nil)
	b := dataFile(t, DataFile{Version: DataFileVersion, Session: "stale", Kind: KindMD, WID: "1@c.us"}, profileSnapshot(t, "stale"))
	if _, err := h.m.ImportData(context.Background(), "stale", bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	h.wait("stale", StatusResuming)
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "c"}) // WhatsApp refuses the stored auth
	h.wait("stale", StatusScanQRCode)
	if _, err := os.Stat(DataFilePath(h.dir, "stale")); !os.IsNotExist(err) {
		t.Fatalf("refused data file kept: %v", err)
	}
}
