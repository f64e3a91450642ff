package e2e

import (
	"reflect"
	"testing"

	"github.com/easy-api/easy-api/docs/openapi/specgen"
)

// checkEventPayloads fails when an event a real session published carries
// data of another Go type than the one the event catalog (and so the
// OpenAPI schemas and docs/events.md) documents for its type.
func checkEventPayloads(t *testing.T, p *recordingPublisher) {
	t.Helper()
	want := map[string]reflect.Type{}
	for _, c := range specgen.Payloads {
		want[c.Type] = reflect.TypeOf(c.Example)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range p.events {
		got := reflect.TypeOf(e.Data)
		if got.Kind() == reflect.Pointer {
			got = got.Elem()
		}
		if w, ok := want[e.Type]; !ok || got != w {
			t.Errorf("%s event with data of type %v; the catalog documents %v", e.Type, got, w)
		}
		seen[e.Type] = true
	}
	if len(seen) < 5 {
		t.Errorf("only %d event types seen (%v): the check did not see much", len(seen), seen)
	}
}
