package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/session"
)

// Sizes of the large-profile test: 50 files of 10 MB of noise (LevelDB
// files are compressed already, so gzip cannot shrink them either).
const (
	bigFiles     = 50
	bigFileBytes = 10 << 20
	rssAllowance = 100 << 20
)

// TestLargeProfileStreams exports and imports a 500 MB profile over HTTP:
// the server's peak RSS during each call stays within 100 MB of what it
// was before, and the imported profile is byte for byte the exported one.
func TestLargeProfileStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 3 GB to disk")
	}
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("needs Linux's /proc to measure peak RSS")
	}
	f := newFull(t, func(c *api.Config) { c.MaxDataBytes = 2 << 30 })
	// Link "big" the way a user would: import a small data file.
	f.must(200, req{method: "PUT", path: "/v1/sessions/big/data", key: adminKey, body: smallDataFile(t, "big")})
	want := growProfile(t, session.ProfileDir(f.dir, "big"))

	exported := filepath.Join(t.TempDir(), "big.data.json")
	peak := peakRSS(t, func() {
		res := f.stream("GET", "/v1/sessions/big/data", nil, 0)
		defer res.Body.Close()
		out, err := os.Create(exported)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if n, err := io.Copy(out, res.Body); res.StatusCode != 200 || err != nil {
			t.Fatalf("export: %s, %d bytes, %v", res.Status, n, err)
		}
	})
	st, _ := os.Stat(exported)
	t.Logf("export of %d MB: peak RSS +%d MB", st.Size()>>20, peak>>20)
	if peak > rssAllowance {
		t.Errorf("export raised peak RSS by %d MB, want under %d MB", peak>>20, rssAllowance>>20)
	}

	if err := os.RemoveAll(session.ProfileDir(f.dir, "big")); err != nil {
		t.Fatal(err)
	}
	peak = peakRSS(t, func() {
		in, err := os.Open(exported)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		res := f.stream("PUT", "/v1/sessions/big/data", in, st.Size())
		defer res.Body.Close()
		if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 {
			t.Fatalf("import: %s %s", res.Status, b)
		}
	})
	t.Logf("import of %d MB: peak RSS +%d MB", st.Size()>>20, peak>>20)
	if peak > rssAllowance {
		t.Errorf("import raised peak RSS by %d MB, want under %d MB", peak>>20, rssAllowance>>20)
	}
	for name, sum := range want {
		if got := fileSum(t, filepath.Join(session.ProfileDir(f.dir, "big"), name)); got != sum {
			t.Fatalf("%s after import: sha256 %s, want %s", name, got, sum)
		}
	}
}

// stream sends a request with a streamed body and returns the response
// unread.
func (f *full) stream(method, path string, body io.Reader, size int64) *http.Response {
	f.t.Helper()
	r, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	r.ContentLength = size
	r.Header.Set("X-Api-Key", adminKey)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := f.ts.Client().Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// smallDataFile is a valid data file for id with a one-file profile.
func smallDataFile(t *testing.T, id string) string {
	t.Helper()
	var snap bytes.Buffer
	zw := gzip.NewWriter(&snap)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "Default/IndexedDB/seed", Typeflag: tar.TypeReg, Size: 4, Mode: 0o600})
	tw.Write([]byte("seed"))
	tw.Close()
	zw.Close()
	sum := sha256.Sum256(snap.Bytes())
	b, _ := json.Marshal(session.DataFile{Version: session.DataFileVersion, Session: id, Kind: session.KindMD, WID: "15551234567@c.us",
		Profile: &session.ProfileBlob{Format: "tar+gzip", Size: snap.Len(), SHA256: hex.EncodeToString(sum[:]),
			Data: base64.StdEncoding.EncodeToString(snap.Bytes())}})
	return string(b)
}

// growProfile writes bigFiles files of noise into the profile's IndexedDB
// and returns their sha256 by profile-relative path.
func growProfile(t *testing.T, dir string) map[string]string {
	t.Helper()
	rel := filepath.Join("Default", "IndexedDB", "https_web.whatsapp.com_0.indexeddb.leveldb")
	if err := os.MkdirAll(filepath.Join(dir, rel), 0o700); err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1})
	chunk := make([]byte, 1<<20)
	sums := map[string]string{}
	for i := range bigFiles {
		name := filepath.Join(rel, fmt.Sprintf("%06d.ldb", i))
		out, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for range bigFileBytes / len(chunk) {
			rng.Read(chunk)
			h.Write(chunk)
			if _, err := out.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		sums[name] = hex.EncodeToString(h.Sum(nil))
	}
	return sums
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// peakRSS runs fn and returns how far the process's peak resident set rose
// above its resident set just before (Linux: writing 5 to clear_refs
// resets VmHWM to the current RSS).
func peakRSS(t *testing.T, fn func()) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	before := procStatus(t, "VmRSS")
	fn()
	return procStatus(t, "VmHWM") - before
}

// procStatus reads a kB field of /proc/self/status, in bytes.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}
