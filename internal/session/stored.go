package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// putSnapshot streams the data file on disk to the snapshot store and
// reports whether the store holds it now (true when there is no store).
func (m *Manager) putSnapshot(ctx context.Context, id string) bool {
	if m.cfg.Snapshots == nil {
		return true
	}
	if s := m.live(id); s != nil && !s.leaseValid() {
		return true // another node may run it: never overwrite its snapshot
	}
	f, err := openDataFile(m.cfg.DataPath, id)
	if err == nil && f != nil {
		err = m.cfg.Snapshots.PutSnapshot(ctx, id, f)
		f.Close()
	}
	if err != nil {
		m.log.Warn().Err(err).Str("session", id).Msg("store snapshot")
		return false
	}
	return true
}

// restoreIfEmpty restores a profile from the session data file (or, when
// there is none on disk, from the snapshot store) when the profile folder
// holds no browser data yet. The caller holds the profile lock. It
// returns an error when the stored data could not be read (the store did
// not answer): in a cluster the launch waits for it rather than show a QR.
func (m *Manager) restoreIfEmpty(ctx context.Context, id string, prof profile) error {
	if _, err := os.Stat(filepath.Join(prof.dir, "Default")); err == nil || prof.hasAuth() {
		return nil
	}
	src, err := m.storedData(ctx, id)
	if err != nil || src == nil {
		if err != nil {
			m.log.Warn().Err(err).Str("session", id).Msg("read session data")
		}
		return err
	}
	st, err := m.stageData(id, src, false)
	src.Close()
	if err != nil {
		m.log.Warn().Err(err).Str("session", id).Msg("session data file unusable; starting without it")
		if _, bad := errors.AsType[*apperr.Error](err); !bad {
			return err // not the file's fault: reading it failed
		}
		return nil
	}
	defer st.discard()
	if st.df.Kind == KindLegacy {
		return nil // seeded into localStorage at launch
	}
	if err := replaceProfile(prof.dir, st.profile()); err != nil {
		m.log.Error().Err(err).Str("session", id).Msg("restore profile")
		return nil
	}
	if err := prof.markAuth(st.df.WID, m.now()); err != nil {
		m.log.Error().Err(err).Str("session", id).Msg("restore profile")
	}
	m.log.Info().Str("session", id).Msg("profile restored from session data")
	return nil
}

// storedDataFile opens the data file on disk, or answers a conflict when the
// session has none (never linked).
func (m *Manager) storedDataFile(id string) (io.ReadCloser, error) {
	f, err := openDataFile(m.cfg.DataPath, id)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, &apperr.Error{Code: apperr.Conflict, Detail: fmt.Sprintf("session %q has no stored auth to export; link it first", id)}
	}
	return f, nil
}

// forgetData deletes a session's data file and stored snapshot: after a
// logout, or when WhatsApp refused them (reauth_failed), so they are never
// restored again.
func (m *Manager) forgetData(ctx context.Context, id, reason string) {
	if s := m.live(id); s != nil {
		s.snapMu.Lock()
		defer s.snapMu.Unlock()
		s.markSnapshot(nil, time.Time{}, true)
	}
	if err := removeDataFile(m.cfg.DataPath, id); err != nil {
		m.log.Warn().Err(err).Str("session", id).Msg("remove session data file")
	}
	if m.cfg.Snapshots != nil {
		if err := m.cfg.Snapshots.DeleteSnapshot(ctx, id); err != nil && !errors.Is(err, apperr.ErrNotFound) {
			m.log.Warn().Err(err).Str("session", id).Msg("delete snapshot")
		}
	}
	m.publish(ctx, id, EventData, DataEvent{Reason: reason})
}

// snapshotStopped writes the data file from a profile whose browser has just
// closed (a consistent copy). The caller holds the profile lock.
func (m *Manager) snapshotStopped(ctx context.Context, id string, prof profile) {
	if !prof.hasAuth() {
		return
	}
	rec, err := m.cfg.Registry.Get(ctx, id)
	if err != nil {
		return
	}
	_ = m.saveProfile(ctx, rec, prof.dir, false, "stopped")
}

// storedData opens the session's data file, else its copy in the snapshot
// store; (nil, nil) when there is neither.
func (m *Manager) storedData(ctx context.Context, id string) (io.ReadCloser, error) {
	f, err := openDataFile(m.cfg.DataPath, id)
	if err != nil || f != nil {
		return f, err
	}
	if m.cfg.Snapshots == nil {
		return nil, nil
	}
	rc, err := m.cfg.Snapshots.GetSnapshot(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	return rc, err
}
