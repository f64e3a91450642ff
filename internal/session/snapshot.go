package session

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// snapshotPaths are the parts of a Chromium profile that re-auth needs,
// relative to the profile folder. Found by experiment with the simulator
// (IndexedDB and Local Storage carry the device credentials) and by reading
// which folders whatsapp-web.js's RemoteAuth keeps; caches, GPU data and the
// service worker are left out.
var snapshotPaths = []string{
	"Local State",
	"Default/IndexedDB",
	"Default/Local Storage",
	"Default/WebStorage",
	"Default/Cookies",
	"Default/Cookies-journal",
}

// maxSnapshotBytes bounds the uncompressed size of a restored snapshot.
const maxSnapshotBytes = 1 << 30

// fingerprint is what a quiescence check compares: size and mtime of every
// file in the snapshot set.
type fingerprint map[string][2]int64

func profileFingerprint(dir string) (fingerprint, error) {
	fp := fingerprint{}
	err := walkSnapshot(dir, func(rel string, info fs.FileInfo) error {
		fp[rel] = [2]int64{info.Size(), info.ModTime().UnixNano()}
		return nil
	})
	return fp, err
}

func (a fingerprint) equal(b fingerprint) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// walkSnapshot calls fn for every regular file and folder of the snapshot set,
// in a stable order.
func walkSnapshot(dir string, fn func(rel string, info fs.FileInfo) error) error {
	for _, p := range snapshotPaths {
		root := filepath.Join(dir, filepath.FromSlash(p))
		if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		err := filepath.Walk(root, func(full string, info fs.FileInfo, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // vanished while walking a live profile
				}
				return err
			}
			if !info.Mode().IsRegular() && !info.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(dir, full)
			if err != nil {
				return err
			}
			return fn(filepath.ToSlash(rel), info)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// snapshotProfile returns a tar+gzip of the snapshot set of dir.
func snapshotProfile(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err := walkSnapshot(dir, func(rel string, info fs.FileInfo) error {
		hdr := &tar.Header{Name: rel, Mode: 0o600, ModTime: info.ModTime(), Format: tar.FormatPAX}
		if info.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, rel+"/", 0o700
			return tw.WriteHeader(hdr)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(b))
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot profile: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// quiescentSnapshot snapshots a profile a live browser may be writing: it
// keeps the copy only when no file of the set changed while it was taken.
func quiescentSnapshot(dir string, tries int, pause time.Duration) ([]byte, error) {
	for i := range tries {
		before, err := profileFingerprint(dir)
		if err != nil {
			return nil, err
		}
		snap, err := snapshotProfile(dir)
		if err != nil {
			return nil, err
		}
		after, err := profileFingerprint(dir)
		if err != nil {
			return nil, err
		}
		if before.equal(after) {
			return snap, nil
		}
		if i < tries-1 {
			time.Sleep(pause) // give the browser's storage time to settle
		}
	}
	return nil, errProfileBusy
}

// errProfileBusy says the profile kept changing during every snapshot try.
var errProfileBusy = errors.New("profile storage kept changing while it was copied")

// snapshotEntryAllowed reports whether a tar entry name is a clean relative
// path inside the snapshot set.
func snapshotEntryAllowed(name string) bool {
	name = strings.TrimSuffix(name, "/")
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || strings.Contains(name, "\\") {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." || seg == "." {
			return false
		}
	}
	return slices.ContainsFunc(snapshotPaths, func(p string) bool { return name == p || strings.HasPrefix(name, p+"/") })
}

// walkTar validates every entry of a snapshot and calls fn for each one.
func walkTar(snap []byte, fn func(hdr *tar.Header, r io.Reader) error) error {
	zr, err := gzip.NewReader(bytes.NewReader(snap))
	if err != nil {
		return apperr.Field("profile.data", "is not gzip data: %v", err)
	}
	tr := tar.NewReader(zr)
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return apperr.Field("profile.data", "is not a valid tar archive: %v", err)
		}
		if !snapshotEntryAllowed(hdr.Name) {
			return apperr.Field("profile.data", "entry %q is outside the profile parts a snapshot may hold", truncate(hdr.Name, 80))
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir {
			return apperr.Field("profile.data", "entry %q is not a regular file or folder", truncate(hdr.Name, 80))
		}
		if total += hdr.Size; total > maxSnapshotBytes {
			return apperr.Field("profile.data", "unpacks to more than %d bytes", maxSnapshotBytes)
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
	}
}

// validateSnapshot checks a snapshot without writing anything.
func validateSnapshot(snap []byte) error {
	return walkTar(snap, func(_ *tar.Header, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		if err != nil {
			return apperr.Field("profile.data", "is truncated: %v", err)
		}
		return nil
	})
}

// restoreProfile empties dir (the caller holds its lock) and unpacks the
// snapshot into it. It unpacks into a sibling folder first, so a bad archive
// leaves dir untouched.
func restoreProfile(dir string, snap []byte) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".restore-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	err = walkTar(snap, func(hdr *tar.Header, r io.Reader) error {
		target := filepath.Join(tmp, filepath.FromSlash(strings.TrimSuffix(hdr.Name, "/")))
		if hdr.Typeflag == tar.TypeDir {
			return os.MkdirAll(target, 0o700)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return err
	}
	if err := (profile{dir: dir}).purge(); err != nil {
		return err
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("restore profile: %w", err)
		}
	}
	return nil
}
