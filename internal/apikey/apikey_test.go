package apikey

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/easy-api/easy-api/internal/apperr"
	"github.com/easy-api/easy-api/internal/store"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"))
}

func openKeys(t *testing.T, dir string) *Keys {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k, err := Open(ctx, st.JetStream())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k := openKeys(t, dir)
	c, err := k.Create(ctx, "crm", []string{"alice", "bob", "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Key, keyPrefix) || !strings.HasPrefix(c.ID, idPrefix) {
		t.Fatalf("created %+v", c)
	}
	if diff := cmp.Diff([]string{"alice", "bob"}, c.Sessions); diff != "" {
		t.Fatalf("sessions (-want +got):\n%s", diff)
	}
	got, err := k.Lookup(ctx, c.Key)
	if err != nil || got.ID != c.ID {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	// A key differing in its secret only, or in shape, is unknown.
	last := "A"
	if strings.HasSuffix(c.Key, last) {
		last = "B" // the secret is random: make sure the key really changes
	}
	for _, bad := range []string{c.Key[:len(c.Key)-1] + last, c.Key + "x", "", "eak_", strings.Replace(c.Key, "eak_", "xyz_", 1), "eak_" + strings.Repeat("_", 60)} {
		if _, err := k.Lookup(ctx, bad); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("Lookup(%q) = %v, want ErrUnknownKey", bad, err)
		}
	}
	list, err := k.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("List = %+v, %v", list, err)
	}
	// Only the hash is stored: the secret appears nowhere on disk.
	if found := grepDir(t, dir, c.Key[len(keyPrefix)+idLen+1:]); found != "" {
		t.Fatalf("the secret is stored in %s", found)
	}
	if err := k.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Lookup(ctx, c.Key); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("revoked key: %v", err)
	}
	if err := k.Delete(ctx, c.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("second delete: %v", err)
	}
}

func TestCreateRejects(t *testing.T) {
	k := openKeys(t, t.TempDir())
	many := make([]string, MaxSessions+1)
	for i := range many {
		many[i] = "s" + strings.Repeat("x", i%10)
	}
	for _, tc := range []struct {
		name, keyName string
		sessions      []string
		field         string
	}{
		{"no sessions", "", nil, "sessions"},
		{"traversal", "", []string{"../etc"}, "sessions"},
		{"too many", "", many, "sessions"},
		{"long name", strings.Repeat("n", MaxNameLen+1), []string{"a"}, "name"},
		{"control in name", "a\r\nX-Evil: 1", []string{"a"}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := k.Create(context.Background(), tc.keyName, tc.sessions)
			e, ok := errors.AsType[*apperr.Error](err)
			if !ok || e.Field != tc.field {
				t.Fatalf("err = %v, want a problem naming %s", err, tc.field)
			}
		})
	}
}

func TestMatchAndPrincipal(t *testing.T) {
	if !Match("secret", "secret") || Match("secret", "secreT") || Match("", "secret") {
		t.Fatal("Match is wrong")
	}
	p := Principal{Sessions: []string{"alice"}}
	if !p.Allows("alice") || p.Allows("bob") || !(Principal{Admin: true}).Allows("bob") {
		t.Fatal("Allows is wrong")
	}
}

// grepDir returns a file under dir whose bytes contain s, or "".
func grepDir(t *testing.T, dir, s string) string {
	t.Helper()
	var found string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(s)) {
			found = path
		}
		return nil
	})
	return found
}
