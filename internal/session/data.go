package session

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
// The snapshot streams into the data file on disk, which is returned open
// for reading: an export holds no more than buffers in memory.
func (m *Manager) ExportData(ctx context.Context, id string) (io.ReadCloser, error) {
	rec, s, err := m.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	prof := profile{dir: ProfileDir(m.cfg.DataPath, id)}
	if rec.Config.legacy() {
		st, _, _, _, _ := s.snapshot()
		if page := s.currentPage(); page != nil && st == StatusWorking {
			if err := m.saveLegacy(ctx, id, page, "export"); err != nil {
				return nil, err
			}
		}
		return m.storedDataFile(id)
	}
	if s.currentPage() != nil {
		st, _, _, _, _ := s.snapshot()
		if st != StatusWorking {
			return nil, &apperr.Error{Code: apperr.NotWorking, Detail: fmt.Sprintf("session %q is %s; export a linked session when WORKING or STOPPED", id, st)}
		}
		if err := m.saveLiveData(ctx, rec, prof.dir); err != nil {
			return nil, err
		}
		return m.storedDataFile(id)
	}
	lock, err := prof.lock()
	if err != nil {
		return nil, lockError(err)
	}
	defer lock.unlock()
	if prof.hasAuth() {
		if err := m.saveProfile(ctx, rec, prof.dir, false, "export"); err != nil {
			return nil, err
		}
	}
	return m.storedDataFile(id)
}

// saveLiveData saves the data file of a running profile, retrying while its
// storage changes under the copy.
func (m *Manager) saveLiveData(ctx context.Context, rec Record, dir string) error {
	for i := range snapshotTries {
		err := m.saveProfile(ctx, rec, dir, true, "export")
		if !errors.Is(err, errProfileBusy) {
			return err
		}
		if i < snapshotTries-1 {
			time.Sleep(snapshotPause) // give the browser's storage time to settle
		}
	}
	return apperr.Wrap(errProfileBusy, apperr.Unavailable, "could not take a consistent snapshot; try again")
}

// saveProfile writes the data file from the profile in dir: a copy of a
// stopped profile, or (live) a quiescent one of a running browser's, which
// fails with errProfileBusy while the storage changes under the copy.
func (m *Manager) saveProfile(ctx context.Context, rec Record, dir string, live bool, reason string) error {
	// Read before the copy: the copy holds every change up to it, so the
	// mark never claims more than the snapshot has.
	newest, err := newestChange(dir)
	if err != nil {
		return err
	}
	snap := writeSnapshot
	if live {
		snap = quiescentSnapshot
	}
	ev := DataEvent{Reason: reason, ProfileModified: &newest}
	return m.saveData(ctx, rec, func(w io.Writer) error { return snap(dir, w) }, ev)
}

// saveData writes the data file around a snapshot, streamed by snapshot.
func (m *Manager) saveData(ctx context.Context, rec Record, snapshot func(io.Writer) error, ev DataEvent) error {
	df := DataFile{Version: DataFileVersion, Session: rec.ID, Kind: KindMD, Created: m.now()}
	if rec.Me != nil {
		df.WID = rec.Me.ID
	}
	ev.Kind = df.Kind
	return m.saveDataFile(ctx, df.Session, ev, func(w io.Writer) error { return encodeDataFile(w, df, snapshot) })
}

// saveDataFile writes a data file atomically next to the profile through
// write, keeps a copy in the snapshot store and emits session.data (ev,
// completed with the file's size and hash). One write at a time per
// session, so that an older copy never lands in the store after a newer
// one. A failed write leaves the previous file intact and emits an error
// event (errProfileBusy, which the caller retries, and a canceled ctx are
// returned as they are).
func (m *Manager) saveDataFile(ctx context.Context, id string, ev DataEvent, write func(io.Writer) error) error {
	s := m.live(id)
	if s != nil {
		s.snapMu.Lock()
		defer s.snapMu.Unlock()
	}
	start := time.Now()
	sum, n := sha256.New(), &countWriter{}
	err := m.cfg.WriteFile(DataFilePath(m.cfg.DataPath, id), func(w io.Writer) error {
		return write(io.MultiWriter(ctxWriter{ctx, w}, sum, n))
	})
	if errors.Is(err, errProfileBusy) || ctx.Err() != nil && err != nil {
		return err
	}
	if err != nil {
		m.publish(ctx, id, EventData, DataEvent{Reason: "error", Kind: ev.Kind, Error: "writing the session data file failed: " + err.Error()})
		return apperr.Wrap(err, apperr.Unavailable, "writing the session data file failed; the previous one is kept")
	}
	stored := m.putSnapshot(ctx, id)
	if s != nil {
		s.markSnapshot(ev.ProfileModified, m.now(), stored)
	}
	if m.cfg.OnSnapshot != nil {
		m.cfg.OnSnapshot(id, ev.Reason, n.n, time.Since(start))
	}
	ev.Size, ev.SHA256 = n.n, hex.EncodeToString(sum.Sum(nil))
	m.publish(ctx, id, EventData, ev)
	return nil
}

// saveLegacy reads the four tokens from a running legacy page and saves them
// as the session's data file.
func (m *Manager) saveLegacy(ctx context.Context, id string, page Page, reason string) error {
	var tok *LegacyTokens
	if err := m.call(ctx, page, "legacyTokens", nil, &tok); err != nil {
		return err
	}
	if tok == nil || tok.WAToken1 == "" {
		return &apperr.Error{Code: apperr.Conflict, Detail: fmt.Sprintf("session %q holds no legacy tokens", id)}
	}
	rec, err := m.cfg.Registry.Get(ctx, id)
	if err != nil {
		return err
	}
	df := DataFile{Version: DataFileVersion, Session: id, Kind: KindLegacy, Created: m.now(), Legacy: tok}
	if rec.Me != nil {
		df.WID = rec.Me.ID
	}
	return m.saveDataFile(ctx, id, DataEvent{Reason: reason, Kind: df.Kind}, func(w io.Writer) error { return encodeDataFile(w, df, nil) })
}

// legacySeed returns the tokens to write into a fresh profile's localStorage
// when the session's data file is a legacy one, marking the profile as
// holding stored auth. The caller holds the profile lock.
func (m *Manager) legacySeed(id string, prof profile) map[string]string {
	if _, err := os.Stat(filepath.Join(prof.dir, "Default")); err == nil {
		return nil
	}
	f, err := openDataFile(m.cfg.DataPath, id)
	if err != nil || f == nil {
		return nil
	}
	df, err := decodeDataFile(f, nil)
	f.Close()
	if err != nil || checkDataFile(df, id) != nil || df.Kind != KindLegacy {
		return nil
	}
	if err := prof.markAuth(df.WID, m.now()); err != nil {
		m.log.Error().Err(err).Str("session", id).Msg("mark legacy auth")
	}
	t := df.Legacy
	return map[string]string{"WABrowserId": t.WABrowserID, "WASecretBundle": t.WASecretBundle, "WAToken1": t.WAToken1, "WAToken2": t.WAToken2}
}

// ImportData installs a session data file, read from body, into a stopped
// or new session and starts it. The file streams into a staging folder
// (the file itself and its profile, extracted) beside the profile, so no
// more than buffers of it are in memory. A bad file is a 400 with the
// reason and changes nothing; a running session is a 409.
func (m *Manager) ImportData(ctx context.Context, id string, body io.Reader) (View, error) {
	if err := ValidateID(id); err != nil {
		return View{}, err
	}
	st, err := m.stageData(id, body, true)
	if err != nil {
		return View{}, err
	}
	defer st.discard()
	df := st.df
	// The upload is staged outside the id's lock; installing holds it, so an
	// import cannot race a create, start or delete of the same id, and it
	// waits for a deleted namesake's burial, whose purge would wipe it.
	unlock, err := m.lockID(ctx, id)
	if err != nil {
		return View{}, err
	}
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()
	if err := m.awaitGrave(ctx, id); err != nil {
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
	if err := m.installData(ctx, id, st); err != nil {
		return View{}, err
	}
	locked = false
	unlock()
	return m.Start(ctx, id)
}

// awaitGrave waits until a deleted session of the same id is buried (its
// browser closed, its purge done), at most until ctx ends.
func (m *Manager) awaitGrave(ctx context.Context, id string) error {
	m.mu.Lock()
	gone := m.graves[id]
	m.mu.Unlock()
	if awaitClosed(ctx, gone) {
		return nil
	}
	return &apperr.Error{Code: apperr.Timeout, Detail: fmt.Sprintf("session %q is still being deleted", id), Err: ctx.Err()}
}

// stagedData is a data file read and checked but not installed: its
// profile extracted under dir/profile and, when spooled, the file itself
// at dir/data.json.
type stagedData struct {
	dir string
	df  DataFile
}

func (st *stagedData) profile() string { return filepath.Join(st.dir, "profile") }
func (st *stagedData) file() string    { return filepath.Join(st.dir, "data.json") }
func (st *stagedData) discard()        { os.RemoveAll(st.dir) }

// stageData reads a data file for session id from r into a fresh staging
// folder in the session data path (the profile's file system, so that
// installing is a rename). A bad file is an apperr Invalid.
func (m *Manager) stageData(id string, r io.Reader, spool bool) (_ *stagedData, err error) {
	dir, err := os.MkdirTemp(m.cfg.DataPath, ".stage-"+id+"-*")
	if err != nil {
		return nil, err
	}
	st := &stagedData{dir: dir}
	defer func() {
		if err != nil {
			st.discard()
		}
	}()
	if err := os.Mkdir(st.profile(), 0o700); err != nil {
		return nil, err
	}
	if spool {
		f, err := os.OpenFile(st.file(), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		bw := bufio.NewWriterSize(f, 64<<10)
		r = io.TeeReader(r, bw)
		defer func() {
			if ferr := bw.Flush(); err == nil && ferr != nil {
				err = ferr
			}
		}()
	}
	if st.df, err = decodeDataFile(r, func(snap io.Reader) error { return extractSnapshot(st.profile(), snap, nil) }); err != nil {
		return nil, err
	}
	return st, checkDataFile(st.df, id)
}

// installData moves a staged data file into the session's profile and data
// file, under the profile lock.
func (m *Manager) installData(ctx context.Context, id string, st *stagedData) error {
	prof := profile{dir: ProfileDir(m.cfg.DataPath, id)}
	lock, err := prof.lock()
	if err != nil {
		return lockError(err)
	}
	defer lock.unlock()
	if st.df.Kind == KindLegacy {
		// The tokens go into localStorage at the next launch (legacySeed).
		if err := prof.purge(); err != nil {
			return err
		}
	} else {
		if err := replaceProfile(prof.dir, st.profile()); err != nil {
			return err
		}
		if err := prof.markAuth(st.df.WID, m.now()); err != nil {
			return err
		}
	}
	return m.saveDataFile(ctx, id, DataEvent{Reason: "import", Kind: st.df.Kind}, func(w io.Writer) error {
		f, err := os.Open(st.file())
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}
