package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/easy-api/easy-api/internal/apperr"
)

// markerName is the file in a profile folder that says the profile held a
// linked session at its last WORKING: its presence means "stored auth".
const markerName = ".easy-api-auth"

// ProfileDir returns the IGNORE folder of a session under dataPath. id must be
// valid (ValidateID), which keeps the result inside dataPath.
func ProfileDir(dataPath, id string) string {
	return filepath.Join(dataPath, "IGNORE_"+id)
}

// profile is one session's IGNORE folder.
type profile struct {
	dir string
}

// authMarker is what the marker file holds.
type authMarker struct {
	WID string    `json:"wid"`
	At  time.Time `json:"at"`
}

// hasAuth reports whether the profile holds stored auth (rule 1 of DESIGN §3).
func (p profile) hasAuth() bool {
	_, err := os.Stat(filepath.Join(p.dir, markerName))
	return err == nil
}

// markAuth writes the marker atomically, stamped with at (the manager's clock).
func (p profile) markAuth(wid string, at time.Time) error {
	b, _ := json.Marshal(authMarker{WID: wid, At: at.UTC()})
	tmp := filepath.Join(p.dir, markerName+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write auth marker: %w", err)
	}
	return os.Rename(tmp, filepath.Join(p.dir, markerName))
}

// clearAuth removes the marker.
func (p profile) clearAuth() error {
	err := os.Remove(filepath.Join(p.dir, markerName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// purge empties the profile folder but keeps the folder itself, whose file
// descriptor carries the lock.
func (p profile) purge() error {
	entries, err := os.ReadDir(p.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("purge profile: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(p.dir, e.Name())); err != nil {
			return fmt.Errorf("purge profile: %w", err)
		}
	}
	return nil
}

// profileLock is an exclusive flock held on the profile folder itself, so two
// servers (or two runners) can never drive one profile.
type profileLock struct {
	f *os.File
}

// errProfileLocked says another process holds the profile.
var errProfileLocked = errors.New("profile is in use by another easy-api process")

// lock creates the folder when missing and takes the lock without waiting.
func (p profile) lock() (*profileLock, error) {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create profile folder: %w", err)
	}
	f, err := os.Open(p.dir)
	if err != nil {
		return nil, fmt.Errorf("open profile folder: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", p.dir, errProfileLocked)
		}
		return nil, fmt.Errorf("lock profile folder: %w", err)
	}
	return &profileLock{f: f}, nil
}

// unlock releases the lock; safe on nil.
func (l *profileLock) unlock() {
	if l == nil || l.f == nil {
		return
	}
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
	l.f = nil
}

// lockError maps a failed profile lock: held by another process is a
// conflict the client can act on; anything else is a server error.
func lockError(err error) error {
	if errors.Is(err, errProfileLocked) {
		return apperr.Wrap(err, apperr.Conflict, "the session's profile is in use by another easy-api process")
	}
	return err
}
