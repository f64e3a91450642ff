package session

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// discardSnapshots is a snapshot store that reads what it is given and
// keeps nothing: the store's own cost is measured by internal/store.
type discardSnapshots struct{}

func (discardSnapshots) PutSnapshot(_ context.Context, _ string, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (discardSnapshots) GetSnapshot(context.Context, string) (io.ReadCloser, error) {
	return nil, fs.ErrNotExist
}
func (discardSnapshots) DeleteSnapshot(context.Context, string) error { return nil }

// writeRealisticProfile fills dir like the profile of a WhatsApp Web account
// in use for a while: IndexedDB as LevelDB tables (snappy-compressed, so
// noise is a fair stand-in) and its log, Local Storage, cookies — 30 MB in
// about 40 files. It returns the bytes written.
func writeRealisticProfile(tb testing.TB, dir string) int64 {
	tb.Helper()
	rng := rand.NewChaCha8([32]byte{19})
	idb := "Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.leveldb"
	files := map[string]int{
		"Local State": 4 << 10, idb + "/CURRENT": 16, idb + "/LOCK": 0, idb + "/LOG": 2 << 10,
		idb + "/MANIFEST-000001": 64 << 10, idb + "/000412.log": 4 << 20,
		"Default/Local Storage/leveldb/000005.ldb": 180 << 10, "Default/Local Storage/leveldb/000006.log": 40 << 10,
		"Default/Local Storage/leveldb/CURRENT": 16, "Default/Local Storage/leveldb/MANIFEST-000001": 1 << 10,
		"Default/Cookies": 20 << 10, "Default/Cookies-journal": 0,
	}
	for i := range 12 {
		files[fmt.Sprintf("%s/%06d.ldb", idb, 400+i)] = 2 << 20
	}
	for i := range 20 {
		files[fmt.Sprintf("Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.blob/1/00/%x", i)] = 8 << 10
	}
	var total int64
	for name, size := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			tb.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.CopyN(f, rng, int64(size)); err != nil {
			tb.Fatal(err)
		}
		f.Close()
		total += int64(size)
	}
	return total
}

// tarFloor is the floor: the same files of the snapshot set, in a tar
// with no compression, no consistency check and no data file around it.
func tarFloor(dir string, w io.Writer) error {
	tw := tar.NewWriter(w)
	err := walkSnapshot(dir, func(rel string, info fs.FileInfo) error {
		if info.IsDir() {
			return nil
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o600, Size: info.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// cost runs fn reps times and returns the mean wall and CPU (user + system
// of the whole process) time of one run.
func cost(tb testing.TB, reps int, fn func() error) (wall, cpu time.Duration) {
	tb.Helper()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	for range reps {
		if err := fn(); err != nil {
			tb.Fatal(err)
		}
	}
	wall = time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu = time.Duration(after.Utime.Nano() - before.Utime.Nano() + after.Stime.Nano() - before.Stime.Nano())
	return wall / time.Duration(reps), cpu / time.Duration(reps)
}

// BenchmarkSnapshotRefresh measures one refresh of a WORKING session's
// snapshot (quiescent copy, gzip, data file written atomically with fsync,
// read again for the store) of a realistic 30 MB profile, and one look at
// the profile (what the refresher does every poll), against the floor of
// a plain tar of the same files in the same run.
func BenchmarkSnapshotRefresh(b *testing.B) {
	const reps = 5
	for range b.N {
		dir := b.TempDir()
		prof := ProfileDir(dir, "bench")
		size := writeRealisticProfile(b, prof)
		m := NewManager(ManagerConfig{Registry: newMemRegistry(), Launcher: newFakeLauncher(), Snapshots: discardSnapshots{}, DataPath: dir})
		s := newSess(m, "bench")
		rec := Record{ID: "bench"}

		floorWall, floorCPU := cost(b, reps, func() error { return tarFloor(prof, io.Discard) })
		wall, cpu := cost(b, reps, func() error { return m.saveProfile(context.Background(), rec, prof, true, "refreshed") })
		lookWall, lookCPU := cost(b, 100, func() error { _, err := s.profileState(prof); return err })
		st, err := os.Stat(DataFilePath(dir, "bench"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(wall.Milliseconds()), "refresh-ms")
		b.ReportMetric(float64(cpu.Milliseconds()), "refresh-cpu-ms")
		fmt.Printf("snapshot refresh of a %d MB profile (data file %d MB): %v wall, %v CPU; floor (plain tar of the same files) %v wall, %v CPU; one look at the profile (each poll) %v wall, %v CPU\n",
			size>>20, st.Size()>>20, wall.Round(time.Millisecond), cpu.Round(time.Millisecond),
			floorWall.Round(time.Millisecond), floorCPU.Round(time.Millisecond), lookWall.Round(time.Microsecond), lookCPU.Round(time.Microsecond))
	}
}
