package apikey

import (
	"strings"
	"testing"
)

// FuzzParseKey: any string either is not a key, or names a well-formed
// key id; nothing panics.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"", "eak_", "eak_abcdefghijklmnop_" + strings.Repeat("A", 43), "eak_" + strings.Repeat("_", 60), "key_x", "Bearer x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if id, ok := parse(key); ok && !validID(id) {
			t.Fatalf("parse(%q) = %q, not a key id", key, id)
		}
	})
}

// FuzzKeyDefinition: accepted definitions have 1-100 unique valid ids and a
// printable name.
func FuzzKeyDefinition(f *testing.F) {
	f.Add("crm", "alice,bob")
	f.Add("", "")
	f.Add("a\r\nb", "../x")
	f.Fuzz(func(t *testing.T, name, sessions string) {
		out, err := validate(name, strings.Split(sessions, ","))
		if err != nil {
			return
		}
		if len(out) == 0 || len(out) > MaxSessions || strings.ContainsAny(name, "\r\n") {
			t.Fatalf("accepted %q %v", name, out)
		}
	})
}
