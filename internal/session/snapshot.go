package session

import (
	"archive/tar"
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

// writeSnapshot writes a tar+gzip of the snapshot set of dir to w, one
// file at a time. A file that shrinks while it is copied is errProfileBusy
// (a live profile: the caller retries); one that grows is cut at its size
// when walked, and the quiescence check catches it.
func writeSnapshot(dir string, w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed) // LevelDB files are compressed already
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	err = walkSnapshot(dir, func(rel string, info fs.FileInfo) error {
		hdr := &tar.Header{Name: rel, Mode: 0o600, ModTime: info.ModTime(), Format: tar.FormatPAX}
		if info.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, rel+"/", 0o700
			return tw.WriteHeader(hdr)
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil // vanished while walking a live profile
		}
		if err != nil {
			return err
		}
		defer f.Close()
		hdr.Typeflag, hdr.Size = tar.TypeReg, info.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.CopyN(tw, f, info.Size()); errors.Is(err, io.EOF) {
			return fmt.Errorf("%s shrank while it was copied: %w", rel, errProfileBusy)
		} else if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("snapshot profile: %w", err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// quiescentSnapshot is writeSnapshot for a profile a live browser may be
// writing: it fails with errProfileBusy when any file of the set changed
// while it was copied, and the caller discards the copy and retries.
func quiescentSnapshot(dir string, w io.Writer) error {
	before, err := profileFingerprint(dir)
	if err != nil {
		return err
	}
	if err := writeSnapshot(dir, w); err != nil {
		return err
	}
	after, err := profileFingerprint(dir)
	if err != nil {
		return err
	}
	if !before.equal(after) {
		return errProfileBusy
	}
	return nil
}

// errProfileBusy says the profile changed while it was copied.
var errProfileBusy = errors.New("profile storage kept changing while it was copied")

// snapshotEntry returns the cleaned name of a tar entry when it is a local
// path (filepath.IsLocal) inside the snapshot set, else "".
func snapshotEntry(name string) string {
	name = path.Clean(strings.TrimSuffix(name, "/"))
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return ""
	}
	if !slices.ContainsFunc(snapshotPaths, func(p string) bool { return name == p || strings.HasPrefix(name, p+"/") }) {
		return ""
	}
	return name
}

// walkTar reads a snapshot stream, checks every entry (a local path in the
// snapshot set, a regular file or a folder, within maxSnapshotBytes in
// all) and calls fn with its cleaned name. Any other entry — absolute,
// "..", a symlink, a hard link, a device — ends the walk with an apperr
// Invalid on profile.data.
func walkTar(r io.Reader, fn func(name string, hdr *tar.Header, body io.Reader) error) error {
	zr, err := gzip.NewReader(r)
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
		name := snapshotEntry(hdr.Name)
		if name == "" {
			return apperr.Field("profile.data", "entry %q is outside the profile parts a snapshot may hold", truncate(hdr.Name, 80))
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir {
			return apperr.Field("profile.data", "entry %q is not a regular file or folder", truncate(hdr.Name, 80))
		}
		if total += hdr.Size; total > maxSnapshotBytes {
			return apperr.Field("profile.data", "unpacks to more than %d bytes", maxSnapshotBytes)
		}
		if err := fn(name, hdr, tr); err != nil {
			return err
		}
	}
}

// validateSnapshot checks a snapshot stream without writing anything.
func validateSnapshot(r io.Reader) error {
	return walkTar(r, func(_ string, _ *tar.Header, body io.Reader) error {
		if _, err := io.Copy(io.Discard, body); err != nil {
			return apperr.Field("profile.data", "is truncated: %v", err)
		}
		return nil
	})
}

// extractSnapshot unpacks a snapshot stream into dir, a fresh folder that
// nothing else should write. Every entry is created through an os.Root of
// dir, so that no entry can leave it whatever its name — nor whatever
// appears on disk between entries (a symlink swapped in is not followed
// out). afterEntry, when set, runs after each entry (tests swap things in).
func extractSnapshot(dir string, r io.Reader, afterEntry func(name string)) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return walkTar(r, func(name string, hdr *tar.Header, body io.Reader) error {
		if err := extractEntry(root, name, hdr, body); err != nil {
			if _, ok := errors.AsType[*apperr.Error](err); ok {
				return err
			}
			return fmt.Errorf("restore profile: %w", err)
		}
		if afterEntry != nil {
			afterEntry(name)
		}
		return nil
	})
}

func extractEntry(root *os.Root, name string, hdr *tar.Header, body io.Reader) error {
	if hdr.Typeflag == tar.TypeDir {
		return root.MkdirAll(name, 0o700)
	}
	if parent := path.Dir(name); parent != "." {
		if err := root.MkdirAll(parent, 0o700); err != nil {
			return err
		}
	}
	// O_EXCL: a name met twice, or a link put where the file goes, fails.
	f, err := root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	src := &sourceReader{r: body}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		if src.err != nil { // the archive's fault, not the disk's
			return apperr.Field("profile.data", "is corrupted or truncated: %v", src.err)
		}
		return err
	}
	return f.Close()
}

// sourceReader remembers a read error, to tell a bad archive from a
// failing disk.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}

// replaceProfile empties dir (the caller holds its lock) and moves the
// entries of staged, an extracted snapshot on the same file system, into
// it. Only folders and regular files are moved.
func replaceProfile(dir, staged string) error {
	if err := (profile{dir: dir}).purge(); err != nil {
		return err
	}
	entries, err := os.ReadDir(staged)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() && !e.Type().IsRegular() {
			return fmt.Errorf("restore profile: %s is neither a folder nor a file", e.Name())
		}
		if err := os.Rename(filepath.Join(staged, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("restore profile: %w", err)
		}
	}
	return nil
}
