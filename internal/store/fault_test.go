package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/logtest"
	"github.com/easy-api/easy-api/internal/session"
)

// smallDisk is a file system of a few MB that a test can fill and free.
type smallDisk struct {
	Dir    string
	filler string
}

// newSmallDisk mounts a tmpfs of size bytes (this needs root, which `make
// test` has in CI and in the dev container) and unmounts it when the test
// ends.
func newSmallDisk(t testing.TB, size string) *smallDisk {
	t.Helper()
	if testing.Short() {
		t.Skip("mounts a tmpfs; runs in make test")
	}
	if os.Geteuid() != 0 {
		// Never a silent skip in CI: the chaos test must run there.
		t.Fatal("mounting a small tmpfs needs root: run make test as root (CI does), or go test -short to leave this test out")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	return &smallDisk{Dir: dir, filler: filepath.Join(dir, "filler")}
}

// Fill writes a file until the disk is full.
func (d *smallDisk) Fill(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(d.filler, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !strings.Contains(err.Error(), "no space left") {
				t.Fatalf("fill: %v", err)
			}
			break
		}
	}
	// The last partial block: fill it byte by byte in larger-then-smaller steps.
	for n := len(buf) / 2; n > 0; n /= 2 {
		for {
			if _, err := f.Write(buf[:n]); err != nil {
				break
			}
		}
	}
}

// Free removes the filler.
func (d *smallDisk) Free(t testing.TB) {
	t.Helper()
	if err := os.Remove(d.filler); err != nil {
		t.Fatal(err)
	}
}

// tryTimeout bounds one write of the fault test.
const tryTimeout = 5 * time.Second

// TestFullDiskRefusesFastAndHeals is the chaos test of issue 20: fill the
// store's disk, write, free it, and writes succeed again within 10 s with no
// restart of the process; data written before the fault and a durable
// consumer carry on.
func TestFullDiskRefusesFastAndHeals(t *testing.T) {
	disk := newSmallDisk(t, "24m")
	var logs logtest.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Open(ctx, Config{Dir: disk.Dir, Log: zerolog.New(&logs).Level(zerolog.InfoLevel)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	reg := s.Sessions()
	if err := reg.Create(ctx, session.Record{ID: "before"}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.JetStream().CreateStream(ctx, jetstream.StreamConfig{Name: "EV", Subjects: []string{"ev.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	cons, err := ev.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "d", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 16)
	cc, err := cons.Consume(func(m jetstream.Msg) { got <- string(m.Data()); _ = m.Ack() })
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()

	// Each write has its own deadline: one lost while the server restarts
	// cannot use up the test's context. A write stuck on the disk ends at
	// it with a context error, not storage_full: that is how "refused at
	// once" is told apart, with no clock read on a loaded machine.
	create := func(id string) error {
		ctx, cancel := context.WithTimeout(ctx, tryTimeout)
		defer cancel()
		return reg.Create(ctx, session.Record{ID: id})
	}

	disk.Fill(t)
	// Writes that still fit in pages the files already hold succeed; the
	// first one the disk refuses trips the fault.
	var accepted int
	for {
		start := time.Now()
		err := create(fmt.Sprintf("during%d", accepted))
		if err == nil {
			accepted++
			if accepted > 1000 {
				t.Fatal("1000 writes accepted on a full disk")
			}
			continue
		}
		if apperr.CodeOf(err) != apperr.StorageFull {
			t.Fatalf("write on a full disk: %v, want storage_full", err)
		}
		t.Logf("%d writes fitted; the first refused took %v: %v", accepted, time.Since(start).Round(time.Millisecond), err)
		break
	}
	// From then on every write is refused at once, saying what failed.
	for i := range 5 {
		id := fmt.Sprintf("refused%d", i)
		err := create(id)
		if apperr.CodeOf(err) != apperr.StorageFull {
			t.Fatalf("write %d on a full disk: %v, want storage_full within its %s", i, err, tryTimeout)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("create session %q", id)) {
			t.Errorf("error does not say what failed: %v", err)
		}
	}
	// Writes that do not go through the guard (plain JetStream calls) are
	// answered too, with the disk's error rather than a timeout, once the
	// server restarted refusing writes.
	for deadline := time.Now().Add(30 * time.Second); ; {
		pctx, pcancel := context.WithTimeout(ctx, tryTimeout)
		_, err := s.JetStream().Publish(pctx, "ev.x", []byte("during"))
		pcancel()
		if err == nil {
			t.Fatal("a plain publish on a full disk succeeded")
		}
		if isStorageErr(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("plain publishes on a full disk are not refused with the disk's error: %v", err)
		}
	}
	if err := s.Ready(); apperr.CodeOf(err) != apperr.StorageFull {
		t.Errorf("Ready on a full disk = %v, want storage_full", err)
	}
	gctx, gcancel := context.WithTimeout(ctx, tryTimeout)
	defer gcancel()
	if _, err := reg.Get(gctx, "before"); err != nil {
		t.Errorf("read on a full disk: %v", err)
	}

	disk.Free(t)
	freed := time.Now()
	for {
		err := create("after")
		if err == nil {
			break
		}
		if apperr.CodeOf(err) != apperr.StorageFull && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("write after freeing: %v", err)
		}
		if time.Since(freed) > 10*time.Second {
			t.Fatalf("writes still refused 10 s after space returned: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("writable %v after space returned", time.Since(freed).Round(time.Millisecond))
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after healing: %v", err)
	}
	recs, err := reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if len(ids) != accepted+2 || !slices.Contains(ids, "after") || !slices.Contains(ids, "before") {
		t.Errorf("records after healing = %v, want before, after and the %d accepted", ids, accepted)
	}
	if _, err := s.JetStream().Publish(ctx, "ev.x", []byte("after")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "after" {
			t.Errorf("consumer got %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the durable consumer did not carry on after healing")
	}
	if n := strings.Count(logs.String(), `"level":"error"`); n != 1 {
		t.Errorf("%d error lines, want 1 for the whole fault:\n%s", n, logs.String())
	}
	if strings.Count(logs.String(), "accepts writes again") != 1 {
		t.Errorf("no recovery line in the log:\n%s", logs.String())
	}
}

// TestWriteGuard covers the guard's mapping without a disk.
func TestWriteGuard(t *testing.T) {
	h := newHealth(zerolog.Nop())
	ctx := context.Background()
	other := errors.New("boom")
	if err := h.write(ctx, "op", func(context.Context) error { return other }); err != other {
		t.Errorf("other error = %v, want it unchanged", err)
	}
	// A write in flight when a fault trips elsewhere is cut at once.
	done := make(chan error, 1)
	go func() {
		done <- h.write(ctx, "put x", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	}()
	time.Sleep(10 * time.Millisecond)
	h.trip("write /x: no space left on device")
	select {
	case err := <-done:
		if apperr.CodeOf(err) != apperr.StorageFull || !strings.Contains(err.Error(), "put x") {
			t.Errorf("in-flight write = %v, want storage_full naming put x", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight write not cut by the fault")
	}
	called := false
	if err := h.write(ctx, "put y", func(context.Context) error { called = true; return nil }); apperr.CodeOf(err) != apperr.StorageFull || called {
		t.Errorf("write during fault = %v (ran: %v), want storage_full without running", err, called)
	}
	h.clear()
	if err := h.write(ctx, "put z", func(context.Context) error { return nil }); err != nil {
		t.Errorf("write after clear: %v", err)
	}
	if !isStorageErr(&jetstream.APIError{ErrorCode: 10023, Description: "insufficient resources"}) {
		t.Error("insufficient resources is not a storage error")
	}
}
