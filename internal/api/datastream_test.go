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
	"net/http/httptest"
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

// Sizes of the profile tests: files of 10 MB of noise (LevelDB files are
// compressed already, so gzip cannot shrink them either). The test streams
// 50 MB to check the bytes; the benchmark streams 500 MB to measure memory.
const (
	bigFileBytes = 10 << 20
	testFiles    = 5
	benchFiles   = 50
	rssAllowance = 100 << 20
)

// TestProfileStreamsRoundTrip exports a 50 MB profile over HTTP, wipes it and
// imports the file back: the profile is byte for byte the exported one.
// Memory during the calls is measured by BenchmarkLargeProfile (make bench).
func TestProfileStreamsRoundTrip(t *testing.T) {
	f := newFull(t, func(c *api.Config) { c.MaxDataBytes = 2 << 30 })
	exported, want := exportImport(t, f, testFiles, nil)
	if exported < testFiles*bigFileBytes {
		t.Fatalf("exported %d bytes for a profile of %d", exported, testFiles*bigFileBytes)
	}
	for name, sum := range want {
		if got := fileSum(t, filepath.Join(session.ProfileDir(f.dir, "big"), name)); got != sum {
			t.Fatalf("%s after import: sha256 %s, want %s", name, got, sum)
		}
	}
}

// BenchmarkLargeProfile exports and imports a 500 MB profile and reports how
// far the process's peak RSS rose during each call, against the floor of a
// bare HTTP download and upload of the same file in the same run. The issue's
// target is a rise under 100 MB.
func BenchmarkLargeProfile(b *testing.B) {
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		b.Skip("needs Linux's /proc to measure peak RSS")
	}
	for range b.N {
		f := newFull(b, func(c *api.Config) { c.MaxDataBytes = 2 << 30 })
		var peaks [2]int64
		size, _ := exportImport(b, f, benchFiles, &peaks)
		floor := bareCopyPeaks(b, f.dir, size)
		b.ReportMetric(float64(peaks[0]>>20), "export-MB")
		b.ReportMetric(float64(peaks[1]>>20), "import-MB")
		fmt.Printf("large profile (%d MB file): peak RSS rise export +%d MB, import +%d MB; floor (bare HTTP copy of the same file) download +%d MB, upload +%d MB; target +%d MB\n",
			size>>20, peaks[0]>>20, peaks[1]>>20, floor[0]>>20, floor[1]>>20, rssAllowance>>20)
	}
}

// exportImport links "big" with a small data file, grows its profile by
// files of noise, exports it to a file, wipes the profile and imports the
// file back. It returns the file's size and the grown files' sums; with
// peaks it also measures each call's peak RSS rise.
func exportImport(tb testing.TB, f *full, files int, peaks *[2]int64) (int64, map[string]string) {
	tb.Helper()
	f.must(200, req{method: "PUT", path: "/v1/sessions/big/data", key: adminKey, body: smallDataFile(tb, "big")})
	want := growProfile(tb, session.ProfileDir(f.dir, "big"), files)
	measure := func(i int, fn func()) {
		if peaks == nil {
			fn()
			return
		}
		peaks[i] = peakRSS(tb, fn)
	}
	exported := filepath.Join(tb.TempDir(), "big.data.json")
	measure(0, func() {
		res := f.stream("GET", "/v1/sessions/big/data", nil, 0)
		defer res.Body.Close()
		out, err := os.Create(exported)
		if err != nil {
			tb.Fatal(err)
		}
		defer out.Close()
		if n, err := io.Copy(out, res.Body); res.StatusCode != 200 || err != nil {
			tb.Fatalf("export: %s, %d bytes, %v", res.Status, n, err)
		}
	})
	st, err := os.Stat(exported)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.RemoveAll(session.ProfileDir(f.dir, "big")); err != nil {
		tb.Fatal(err)
	}
	measure(1, func() {
		in, err := os.Open(exported)
		if err != nil {
			tb.Fatal(err)
		}
		defer in.Close()
		res := f.stream("PUT", "/v1/sessions/big/data", in, st.Size())
		defer res.Body.Close()
		if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 {
			tb.Fatalf("import: %s %s", res.Status, b)
		}
	})
	return st.Size(), want
}

// bareCopyPeaks serves a file of size bytes from a plain handler and posts
// it to one that writes it to disk, returning each copy's peak RSS rise.
func bareCopyPeaks(tb testing.TB, dir string, size int64) [2]int64 {
	tb.Helper()
	src := filepath.Join(tb.TempDir(), "bare")
	out, err := os.Create(src)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.CopyN(out, rand.NewChaCha8([32]byte{2}), size); err != nil {
		tb.Fatal(err)
	}
	out.Close()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			http.ServeFile(w, r, src)
			return
		}
		dst, err := os.Create(filepath.Join(dir, "bare-upload"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer dst.Close()
		io.Copy(dst, r.Body)
	}))
	defer ts.Close()
	var peaks [2]int64
	peaks[0] = peakRSS(tb, func() {
		res, err := http.Get(ts.URL)
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	})
	peaks[1] = peakRSS(tb, func() {
		in, err := os.Open(src)
		if err != nil {
			tb.Fatal(err)
		}
		defer in.Close()
		res, err := http.Post(ts.URL, "application/octet-stream", in)
		if err != nil {
			tb.Fatal(err)
		}
		res.Body.Close()
	})
	return peaks
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
func smallDataFile(t testing.TB, id string) string {
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

// growProfile writes files files of noise into the profile's IndexedDB
// and returns their sha256 by profile-relative path.
func growProfile(t testing.TB, dir string, files int) map[string]string {
	t.Helper()
	rel := filepath.Join("Default", "IndexedDB", "https_web.whatsapp.com_0.indexeddb.leveldb")
	if err := os.MkdirAll(filepath.Join(dir, rel), 0o700); err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1})
	chunk := make([]byte, 1<<20)
	sums := map[string]string{}
	for i := range files {
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

func fileSum(t testing.TB, path string) string {
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
func peakRSS(t testing.TB, fn func()) int64 {
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
func procStatus(t testing.TB, field string) int64 {
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
