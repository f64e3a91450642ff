package session

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/apperr"
)

// rawTar builds a tar+gzip of hdrs exactly as given (bodies are "x" times
// Size).
func rawTar(t testing.TB, hdrs ...*tar.Header) []byte {
	t.Helper()
	return gz(plainTar(t, hdrs...))
}

func plainTar(t testing.TB, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func reg(name string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Size: 1, Mode: 0o600}
}
func dir(name string) *tar.Header { return &tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o700} }

// extractWorld is a staging folder next to an "outside" folder holding one
// file, the target of the archives' attempts to get out.
type extractWorld struct{ parent, stage, outside string }

func newExtractWorld(t testing.TB) extractWorld {
	t.Helper()
	parent := t.TempDir()
	w := extractWorld{parent: parent, stage: filepath.Join(parent, "stage", "profile"), outside: filepath.Join(parent, "outside")}
	for _, d := range []string{w.stage, w.outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(w.outside, "keep"), []byte("untouched"), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// check fails unless outside holds only its file, unchanged, and the stage
// only folders and regular files of the snapshot set.
func (w extractWorld) check(t testing.TB) {
	t.Helper()
	err := filepath.WalkDir(w.parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.parent, p)
		switch {
		case rel == "." || rel == "stage" || rel == "outside" || rel == filepath.Join("stage", "profile"):
		case rel == filepath.Join("outside", "keep"):
			if b, _ := os.ReadFile(p); string(b) != "untouched" {
				t.Errorf("outside/keep now holds %q", b)
			}
		case strings.HasPrefix(rel, filepath.Join("stage", "profile")+string(filepath.Separator)):
			name := filepath.ToSlash(strings.TrimPrefix(rel, filepath.Join("stage", "profile")+string(filepath.Separator)))
			parentOfSet := d.IsDir() && slices.ContainsFunc(snapshotPaths, func(s string) bool { return strings.HasPrefix(s, name+"/") })
			if !d.IsDir() && !d.Type().IsRegular() || snapshotEntry(name) == "" && !parentOfSet {
				t.Errorf("stage holds %s (%v)", name, d.Type())
			}
		default:
			t.Errorf("written outside the stage: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHostileSnapshotsAreRefused: archives that try to write outside the
// profile, or to plant links and devices in it, are refused as a bad
// profile.data, and nothing lands outside.
func TestHostileSnapshotsAreRefused(t *testing.T) {
	symlink := func(name, to string) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to, Mode: 0o777}
	}
	for _, tc := range []struct {
		name string
		hdrs []*tar.Header
	}{
		{"absolute path", []*tar.Header{reg("/tmp/easy-api-escape")}},
		{"parent", []*tar.Header{reg("../../outside/keep")}},
		{"parent inside a set path", []*tar.Header{reg("Default/IndexedDB/../../../outside/keep")}},
		{"parent back into the profile", []*tar.Header{reg("Default/IndexedDB/../Preferences")}},
		{"symlink out", []*tar.Header{symlink("Default/IndexedDB", "../../../outside"), reg("Default/IndexedDB/keep")}},
		{"symlink to an absolute path", []*tar.Header{symlink("Default/IndexedDB/l", "/etc/passwd")}},
		{"hard link out", []*tar.Header{{Name: "Default/IndexedDB/h", Typeflag: tar.TypeLink, Linkname: "../../../outside/keep"}}},
		{"hard link inside", []*tar.Header{reg("Default/IndexedDB/a"), {Name: "Default/IndexedDB/b", Typeflag: tar.TypeLink, Linkname: "Default/IndexedDB/a"}}},
		{"character device", []*tar.Header{{Name: "Default/IndexedDB/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}},
		{"block device", []*tar.Header{{Name: "Default/IndexedDB/sda", Typeflag: tar.TypeBlock, Devmajor: 8}}},
		{"fifo", []*tar.Header{{Name: "Default/IndexedDB/p", Typeflag: tar.TypeFifo}}},
		{"outside the snapshot set", []*tar.Header{reg("Default/Preferences")}},
		{"the same file twice", []*tar.Header{reg("Default/IndexedDB/x"), reg("Default/IndexedDB/x")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newExtractWorld(t)
			err := extractSnapshot(w.stage, bytes.NewReader(rawTar(t, tc.hdrs...)), nil)
			if err == nil {
				t.Fatal("extracted")
			}
			if tc.name != "the same file twice" && apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("error %v, want a bad profile.data", err)
			}
			w.check(t)
		})
	}
}

// TestSwappedInSymlinkIsNotFollowed: something on the machine replaces a
// folder the archive created with a symlink out, between two entries; the
// next entry must not follow it.
func TestSwappedInSymlinkIsNotFollowed(t *testing.T) {
	for _, tc := range []struct {
		name string
		swap func(w extractWorld) error
		next *tar.Header
	}{
		{"folder swapped for a link to a folder outside", func(w extractWorld) error {
			p := filepath.Join(w.stage, "Default", "IndexedDB")
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			return os.Symlink(w.outside, p)
		}, reg("Default/IndexedDB/keep")},
		{"folder swapped for a relative link out", func(w extractWorld) error {
			p := filepath.Join(w.stage, "Default", "IndexedDB")
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			return os.Symlink("../../../outside", p)
		}, dir("Default/IndexedDB/db/")},
		{"link planted where the next file goes", func(w extractWorld) error {
			return os.Symlink(filepath.Join(w.outside, "keep"), filepath.Join(w.stage, "Default", "IndexedDB", "keep"))
		}, reg("Default/IndexedDB/keep")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newExtractWorld(t)
			swapped := false
			err := extractSnapshot(w.stage, bytes.NewReader(rawTar(t, dir("Default/IndexedDB/"), tc.next)), func(string) {
				if !swapped {
					swapped = true
					if err := tc.swap(w); err != nil {
						t.Fatal(err)
					}
				}
			})
			if err == nil {
				t.Fatal("extracted through the swapped-in link")
			}
			if b, _ := os.ReadFile(filepath.Join(w.outside, "keep")); string(b) != "untouched" {
				t.Fatalf("outside/keep now holds %q", b)
			}
			if entries, _ := os.ReadDir(w.outside); len(entries) != 1 {
				t.Fatalf("outside holds %d entries", len(entries))
			}
		})
	}
}

// TestHostileImportChangesNothing: through the manager, a hostile data file
// is a 400, the session's profile and data file are as before, and no
// staging folder is left behind.
func TestHostileImportChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	prof := ProfileDir(h.dir, "keep")
	os.MkdirAll(filepath.Join(prof, "Default", "IndexedDB"), 0o700)
	os.WriteFile(filepath.Join(prof, "Default", "IndexedDB", "creds"), []byte("current"), 0o600)
	os.WriteFile(DataFilePath(h.dir, "keep"), []byte("current file"), 0o600)
	hostile := rawTar(t, reg("Default/IndexedDB/ok"), &tar.Header{Name: "Default/IndexedDB/l", Typeflag: tar.TypeSymlink, Linkname: "/etc"})
	b := dataFile(t, DataFile{Version: DataFileVersion, Session: "keep", Kind: KindMD}, hostile)
	_, err := h.m.ImportData(context.Background(), "keep", bytes.NewReader(b))
	if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(err.Error(), "not a regular file or folder") {
		t.Fatalf("import = %v, want a 400 on profile.data", err)
	}
	if got, _ := os.ReadFile(filepath.Join(prof, "Default", "IndexedDB", "creds")); string(got) != "current" {
		t.Errorf("profile changed: %q", got)
	}
	if got, _ := os.ReadFile(DataFilePath(h.dir, "keep")); string(got) != "current file" {
		t.Errorf("data file changed: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(h.dir, ".stage-*")); len(left) > 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

// FuzzExtractSnapshot: whatever the tar archive (gzip-wrapped by the
// harness, so the fuzzer works on tar itself), extraction writes nothing
// outside the stage and leaves only folders and files of the snapshot set.
func FuzzExtractSnapshot(f *testing.F) {
	f.Add(plainTar(f, dir("Default/IndexedDB/"), reg("Default/IndexedDB/x.ldb"), reg("Local State")))
	f.Add(plainTar(f, reg("../../outside/keep")))
	f.Add(plainTar(f, reg("/etc/passwd")))
	f.Add(plainTar(f, &tar.Header{Name: "Default/IndexedDB", Typeflag: tar.TypeSymlink, Linkname: "../../../outside"}, reg("Default/IndexedDB/keep")))
	f.Add(plainTar(f, &tar.Header{Name: "Default/IndexedDB/h", Typeflag: tar.TypeLink, Linkname: "../../../outside/keep"}))
	f.Add(plainTar(f, &tar.Header{Name: "Default/IndexedDB/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}))
	f.Add(plainTar(f, reg("Default/IndexedDB/x"), reg("Default/IndexedDB/x")))
	f.Add(plainTar(f, &tar.Header{Name: "Default/IndexedDB/big", Typeflag: tar.TypeReg, Size: 3, Format: tar.FormatPAX,
		PAXRecords: map[string]string{"path": "../../outside/keep"}}))
	f.Fuzz(func(t *testing.T, archive []byte) {
		w := newExtractWorld(t)
		err := extractSnapshot(w.stage, bytes.NewReader(gz(archive)), nil)
		if err != nil && apperr.CodeOf(err) != apperr.Invalid && !errors.Is(err, fs.ErrExist) {
			t.Fatalf("extract = %v, want a bad profile.data", err)
		}
		w.check(t)
	})
}
