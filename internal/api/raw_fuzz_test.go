package api

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
)

// FuzzRawCall feeds POST .../wpp's decoding and validation with any
// function name and arguments. Properties: no panic; a refusal is a 4xx
// naming a field; and what passes is a name of the form namespace.member,
// in a listed namespace, never a prototype member, with at most 16
// arguments of valid JSON — nothing else can reach the page.
func FuzzRawCall(f *testing.F) {
	for _, seed := range []struct{ name, args string }{
		{"chat.getNotes", `["15551234567@c.us"]`},
		{"chat.list", `[{"onlyUsers":true}]`},
		{"profile.getMyStatus", `[]`},
		{"chat.constructor", `[]`},
		{"chat.__proto__", `[]`},
		{"__proto__.polluted", `[]`},
		{"window.eval", `["alert(1)"]`},
		{"conn.logout", `null`},
		{"chat.sendTextMessage", `["1@c.us", "hi", {"createChat": true}, 1e400]`},
		{"Chat.list", `[]`},
		{"chat.", `[]`},
		{"chat.list.x", `[]`},
		{"chat.list\n", `[]`},
		{"chat.lis t", `[]`},
		{"group.getAllGroups", `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]`},
		{"labels.getAllLabels", `"not an array"`},
		{"status.sendTextStatus", `[{"a":` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `}]`},
	} {
		f.Add(seed.name, seed.args)
	}
	name := regexp.MustCompile(`^[a-z]+\.[A-Za-z0-9]+$`)
	f.Fuzz(func(t *testing.T, function, args string) {
		fn, _ := json.Marshal(function)
		body := []byte(`{"function":` + string(fn) + `,"args":` + args + `}`)
		var req WPPCallRequest
		err := decodeBody(body, "application/json", &req)
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		c, err := req.call()
		mustBeClientError(t, err)
		if err != nil {
			return
		}
		ns, member, _ := strings.Cut(c.Function, ".")
		switch {
		case !name.MatchString(c.Function):
			t.Fatalf("%q passed the name check", c.Function)
		case !slices.Contains(session.RawNamespaces, ns):
			t.Fatalf("namespace %q passed", ns)
		case member == "constructor" || member == "prototype" || member == "hasOwnProperty" || member == "toString":
			t.Fatalf("prototype member %q passed", member)
		case len(c.Args) > session.RawMaxArgs:
			t.Fatalf("%d arguments passed", len(c.Args))
		}
		for i, a := range c.Args {
			if !json.Valid(a) {
				t.Fatalf("args[%d] = %q is not JSON", i, a)
			}
		}
	})
}
