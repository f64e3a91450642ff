package session

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// DataFileVersion is the format version of <id>.data.json this server writes
// and reads.
const DataFileVersion = 1

// Kinds of session data.
const (
	KindMD     = "md"
	KindLegacy = "legacy"
)

// DataFile is the portable session data file <id>.data.json (DESIGN §6): all
// re-auth needs, in one file. For multi-device sessions Profile embeds a
// compressed snapshot of the auth-critical profile storage.
type DataFile struct {
	Version int           `json:"version"`
	Session string        `json:"session"`
	Kind    string        `json:"kind"`
	WID     string        `json:"wid,omitempty"`
	Created time.Time     `json:"created"`
	Legacy  *LegacyTokens `json:"legacy,omitempty"`
	Profile *ProfileBlob  `json:"profile,omitempty"`
}

// LegacyTokens are the localStorage tokens of a legacy (non multi-device)
// session.
type LegacyTokens struct {
	WABrowserID    string `json:"WABrowserId"`
	WASecretBundle string `json:"WASecretBundle"`
	WAToken1       string `json:"WAToken1"`
	WAToken2       string `json:"WAToken2"`
}

// ProfileBlob is an embedded profile snapshot: a gzip-compressed tar of the
// profile's auth-critical folders, base64-encoded, with its SHA-256. Data
// is streamed (decodeDataFile, encodeDataFile), never held here: a decoded
// ProfileBlob has it empty.
type ProfileBlob struct {
	Format string `json:"format"` // "tar+gzip"
	Size   int    `json:"size"`   // bytes before base64
	SHA256 string `json:"sha256"`
	Data   string `json:"data"` // base64
}

// DataEvent is the payload of a session.data event: what changed, never the
// secrets themselves.
type DataEvent struct {
	Reason string `json:"reason"` // linked, refreshed, stopped, export, import, logout, error
	Kind   string `json:"kind,omitempty"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Error  string `json:"error,omitempty"`
	// ProfileModified is, for a snapshot of a profile, when the newest file
	// in it last changed: the snapshot holds every change up to then.
	ProfileModified *time.Time `json:"profile_modified,omitempty" extensions:"x-nullable"`
}

// EventData is the type of session.data events.
const EventData = "session.data"

// DataFilePath returns where a session's data file lives.
func DataFilePath(dataPath, id string) string {
	return filepath.Join(dataPath, id+".data.json")
}

// checkDataFile checks a decoded data file's fields for session id.
func checkDataFile(df DataFile, id string) error {
	switch {
	case df.Version != DataFileVersion:
		return apperr.Field("version", "%d is not supported (this server reads version %d)", df.Version, DataFileVersion)
	case df.Session != id:
		return apperr.Field("session", "the file belongs to session %q, not %q", truncate(df.Session, 64), id)
	case df.Kind == KindMD && df.Profile == nil:
		return apperr.Field("profile", "a multi-device data file needs its profile snapshot")
	case df.Kind == KindLegacy && (df.Legacy == nil || df.Legacy.WAToken1 == "" || df.Legacy.WASecretBundle == ""):
		return apperr.Field("legacy", "a legacy data file needs its four tokens")
	case df.Kind != KindMD && df.Kind != KindLegacy:
		return apperr.Field("kind", "%q is not md or legacy", truncate(df.Kind, 20))
	}
	return nil
}

// writeFileAtomic writes path through write so that a crash at any point
// leaves either the old file or the new one: temp file in the same folder,
// fsync, rename, fsync of the folder. When write fails the old file stays.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// openDataFile opens a session's data file; a missing file is (nil, nil).
func openDataFile(dataPath, id string) (*os.File, error) {
	f, err := os.Open(DataFilePath(dataPath, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return f, err
}

// removeDataFile deletes a session's data file.
func removeDataFile(dataPath, id string) error {
	err := os.Remove(DataFilePath(dataPath, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
