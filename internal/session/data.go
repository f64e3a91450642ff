package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// snapshotTries and snapshotPause bound a snapshot of a live profile.
const (
	snapshotTries = 5
	snapshotPause = 200 * time.Millisecond
)

// ExportData returns the session data file of a linked session, taking a
// fresh snapshot safely: directly from a stopped profile, or from a running
// one when its storage holds still while copied (the session keeps running).
func (m *Manager) ExportData(ctx context.Context, id string) ([]byte, error) {
	rec, s, err := m.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	prof := profile{dir: ProfileDir(m.cfg.DataPath, id)}
	if rec.Config.legacy() {
		st, _, _, _, _ := s.snapshot()
		if page := s.currentPage(); page != nil && st == StatusWorking {
			return m.saveLegacy(ctx, id, page, "export")
		}
		return m.storedDataFile(ctx, id)
	}
	var snap []byte
	if s.currentPage() != nil {
		st, _, _, _, _ := s.snapshot()
		if st != StatusWorking {
			return nil, &apperr.Error{Code: apperr.NotWorking, Detail: fmt.Sprintf("session %q is %s; export a linked session when WORKING or STOPPED", id, st)}
		}
		if snap, err = quiescentSnapshot(prof.dir, snapshotTries, snapshotPause); err != nil {
			return nil, apperr.Wrap(err, apperr.Unavailable, "could not take a consistent snapshot; try again")
		}
	} else {
		lock, err := prof.lock()
		if err != nil {
			return nil, lockError(err)
		}
		if !prof.hasAuth() {
			lock.unlock()
			return m.storedDataFile(ctx, id)
		}
		snap, err = snapshotProfile(prof.dir)
		lock.unlock()
		if err != nil {
			return nil, err
		}
	}
	b, err := m.saveData(ctx, rec, snap, "export")
	if err != nil {
		return nil, err
	}
	return b, nil
}

// storedDataFile returns the data file on disk of a session whose profile
// holds no auth (e.g. imported, not started yet), or a conflict.
func (m *Manager) storedDataFile(_ context.Context, id string) ([]byte, error) {
	b, err := readDataFile(m.cfg.DataPath, id)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, &apperr.Error{Code: apperr.Conflict, Detail: fmt.Sprintf("session %q has no stored auth to export; link it first", id)}
	}
	return b, nil
}

// saveData builds the data file around a snapshot and saves it.
func (m *Manager) saveData(ctx context.Context, rec Record, snap []byte, reason string) ([]byte, error) {
	df := DataFile{Version: DataFileVersion, Session: rec.ID, Kind: KindMD, Created: m.now(), Profile: newProfileBlob(snap)}
	if rec.Me != nil {
		df.WID = rec.Me.ID
	}
	return m.saveDataFile(ctx, df, reason)
}

// saveDataFile writes a data file atomically next to the profile, keeps a
// copy in the snapshot store and emits session.data. A failed write leaves
// the previous file intact and emits an error event.
func (m *Manager) saveDataFile(ctx context.Context, df DataFile, reason string) ([]byte, error) {
	b, err := json.Marshal(df)
	if err != nil {
		return nil, err
	}
	if err := m.cfg.WriteFile(DataFilePath(m.cfg.DataPath, df.Session), b); err != nil {
		m.publish(ctx, df.Session, EventData, DataEvent{Reason: "error", Kind: df.Kind, Error: "writing the session data file failed: " + err.Error()})
		return nil, apperr.Wrap(err, apperr.Unavailable, "writing the session data file failed; the previous one is kept")
	}
	if m.cfg.Snapshots != nil {
		if err := m.cfg.Snapshots.PutSnapshot(ctx, df.Session, b); err != nil {
			m.log.Warn().Err(err).Str("session", df.Session).Msg("store snapshot")
		}
	}
	m.publish(ctx, df.Session, EventData, DataEvent{Reason: reason, Kind: df.Kind, Size: int64(len(b)), SHA256: sha256hex(b)})
	return b, nil
}

// saveLegacy reads the four tokens from a running legacy page and saves them
// as the session's data file.
func (m *Manager) saveLegacy(ctx context.Context, id string, page Page, reason string) ([]byte, error) {
	var tok *LegacyTokens
	if err := m.call(ctx, page, "legacyTokens", nil, &tok); err != nil {
		return nil, err
	}
	if tok == nil || tok.WAToken1 == "" {
		return nil, &apperr.Error{Code: apperr.Conflict, Detail: fmt.Sprintf("session %q holds no legacy tokens", id)}
	}
	rec, err := m.cfg.Registry.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	df := DataFile{Version: DataFileVersion, Session: id, Kind: KindLegacy, Created: m.now(), Legacy: tok}
	if rec.Me != nil {
		df.WID = rec.Me.ID
	}
	return m.saveDataFile(ctx, df, reason)
}

// legacySeed returns the tokens to write into a fresh profile's localStorage
// when the session's data file is a legacy one, marking the profile as
// holding stored auth. The caller holds the profile lock.
func (m *Manager) legacySeed(id string, prof profile) map[string]string {
	if _, err := os.Stat(filepath.Join(prof.dir, "Default")); err == nil {
		return nil
	}
	b, err := readDataFile(m.cfg.DataPath, id)
	if err != nil || b == nil {
		return nil
	}
	df, err := ParseDataFile(b, id)
	if err != nil || df.Kind != KindLegacy {
		return nil
	}
	if err := prof.markAuth(df.WID); err != nil {
		m.log.Error().Err(err).Str("session", id).Msg("mark legacy auth")
	}
	t := df.Legacy
	return map[string]string{"WABrowserId": t.WABrowserID, "WASecretBundle": t.WASecretBundle, "WAToken1": t.WAToken1, "WAToken2": t.WAToken2}
}

// ImportData installs a session data file into a stopped or new session and
// starts it. A bad file is a 400 with the reason and changes nothing; a
// running session is a 409.
func (m *Manager) ImportData(ctx context.Context, id string, body []byte) (View, error) {
	if err := ValidateID(id); err != nil {
		return View{}, err
	}
	df, err := ParseDataFile(body, id)
	if err != nil {
		return View{}, err
	}
	rec, err := m.cfg.Registry.Get(ctx, id)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		now := m.now()
		rec = Record{ID: id, CreatedAt: now, UpdatedAt: now}
		md := df.Kind == KindMD
		rec.Config.MultiDevice = &md
		if err := m.cfg.Registry.Create(ctx, rec); err != nil {
			return View{}, err
		}
	case err != nil:
		return View{}, err
	}
	s := m.ensure(id)
	if st, _, _, _, _ := s.snapshot(); st.Running() {
		return View{}, &apperr.Error{Code: apperr.Conflict, Detail: fmt.Sprintf("session %q is %s; stop it before importing", id, st)}
	}
	if md := df.Kind == KindMD; rec.Config.MultiDevice == nil || *rec.Config.MultiDevice != md {
		if _, err := m.cfg.Registry.Update(ctx, id, func(r *Record) error { r.Config.MultiDevice = &md; return nil }); err != nil {
			return View{}, err
		}
	}
	if err := m.installData(ctx, id, df, body); err != nil {
		return View{}, err
	}
	return m.Start(ctx, id)
}

// installData writes a validated data file into the session's profile, under
// the profile lock.
func (m *Manager) installData(ctx context.Context, id string, df DataFile, body []byte) error {
	prof := profile{dir: ProfileDir(m.cfg.DataPath, id)}
	lock, err := prof.lock()
	if err != nil {
		return lockError(err)
	}
	defer lock.unlock()
	if df.Kind == KindLegacy {
		// The tokens go into localStorage at the next launch (legacySeed).
		if err := prof.purge(); err != nil {
			return err
		}
	} else {
		snap, err := df.Profile.bytes()
		if err != nil {
			return err
		}
		if err := restoreProfile(prof.dir, snap); err != nil {
			return err
		}
		if err := prof.markAuth(df.WID); err != nil {
			return err
		}
	}
	if err := m.cfg.WriteFile(DataFilePath(m.cfg.DataPath, id), body); err != nil {
		return err
	}
	if m.cfg.Snapshots != nil {
		if err := m.cfg.Snapshots.PutSnapshot(ctx, id, body); err != nil {
			m.log.Warn().Err(err).Str("session", id).Msg("store snapshot")
		}
	}
	m.publish(ctx, id, EventData, DataEvent{Reason: "import", Kind: df.Kind, Size: int64(len(body)), SHA256: sha256hex(body)})
	return nil
}

// restoreIfEmpty restores a profile from the session data file (or, when
// there is none on disk, from the snapshot store) when the profile folder
// holds no browser data yet. The caller holds the profile lock.
func (m *Manager) restoreIfEmpty(ctx context.Context, id string, prof profile) {
	if _, err := os.Stat(filepath.Join(prof.dir, "Default")); err == nil || prof.hasAuth() {
		return
	}
	b, err := readDataFile(m.cfg.DataPath, id)
	if err == nil && b == nil && m.cfg.Snapshots != nil {
		b, err = m.cfg.Snapshots.GetSnapshot(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			return
		}
	}
	if err != nil || b == nil {
		if err != nil {
			m.log.Warn().Err(err).Str("session", id).Msg("read session data")
		}
		return
	}
	df, err := ParseDataFile(b, id)
	if err == nil && df.Kind == KindLegacy {
		return // seeded into localStorage at launch
	}
	if err != nil || df.Profile == nil {
		m.log.Warn().Err(err).Str("session", id).Msg("session data file unusable; starting without it")
		return
	}
	snap, _ := df.Profile.bytes()
	if err := restoreProfile(prof.dir, snap); err != nil {
		m.log.Error().Err(err).Str("session", id).Msg("restore profile")
		return
	}
	if err := prof.markAuth(df.WID); err != nil {
		m.log.Error().Err(err).Str("session", id).Msg("restore profile")
	}
	m.log.Info().Str("session", id).Msg("profile restored from session data")
}

// forgetData deletes a session's data file and stored snapshot: after a
// logout, or when WhatsApp refused them (reauth_failed), so they are never
// restored again.
func (m *Manager) forgetData(ctx context.Context, id, reason string) {
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
	snap, err := snapshotProfile(prof.dir)
	if err != nil {
		m.publish(ctx, id, EventData, DataEvent{Reason: "error", Error: err.Error()})
		return
	}
	_, _ = m.saveData(ctx, rec, snap, "stopped")
}
