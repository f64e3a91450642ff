package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/docs/openapi"
	"github.com/easy-api/easy-api/docs/openapi/specgen"
	"github.com/easy-api/easy-api/internal/events"
)

const root = "../.."

// TestSpecIsFresh regenerates the spec and fails when the committed files
// differ: CI then fails whenever `make spec` would change them.
func TestSpecIsFresh(t *testing.T) {
	out := t.TempDir()
	if err := specgen.Generate(root, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range specgen.Files {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/openapi/%s is stale: run `make spec` and commit the result", name)
		}
	}
}

// TestSpecIsClientReady checks what client generators rely on: the
// document is valid OpenAPI 3, every $ref resolves, and every operation has
// a unique operationId, a summary, a tag, and (when secured) our scheme.
func TestSpecIsClientReady(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.V3)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			switch {
			case op.OperationID == "":
				t.Errorf("%s has no operationId", where)
			case seen[op.OperationID] != "":
				t.Errorf("%s and %s share operationId %s", where, seen[op.OperationID], op.OperationID)
			}
			seen[op.OperationID] = where
			if op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s needs a summary and a tag", where)
			}
			if op.Security == nil {
				t.Errorf("%s does not say whether it needs a key", where)
			}
			for _, req := range *op.Security {
				for name := range req {
					if doc.Components.SecuritySchemes[name] == nil {
						t.Errorf("%s uses undefined security scheme %s", where, name)
					}
				}
			}
		}
	}
	if len(seen) < 30 {
		t.Fatalf("only %d operations: is the spec generated?", len(seen))
	}
}

// TestSpecLints runs a standard OpenAPI linter, Redocly CLI (pinned in
// package.json, installed by `make assets`), with its recommended rules.
func TestSpecLints(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs node and the npm dev dependencies")
	}
	bin, err := filepath.Abs(filepath.Join(root, "node_modules/.bin/redocly"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run `make assets`", bin)
	}
	cmd := exec.Command(bin, "lint", "--config", "redocly.yaml", "--format", "stylish", "openapi.json")
	// No telemetry or update check: tests talk to nothing outside.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	// Warnings fail too (stylish lines read "line:col  warning  rule ...").
	if err != nil || regexp.MustCompile(`(?m)^\s*\d+:\d+\s+warning`).Match(out) {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
}

// TestEventsDocIsFresh fails when the events table of docs/events.md is not
// the one the event catalog generates.
func TestEventsDocIsFresh(t *testing.T) {
	want, err := specgen.EventsDoc(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, specgen.EventsDocPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run `make spec` and commit the result", specgen.EventsDocPath)
	}
}

// TestEveryEventTypeHasASchema: the catalog names every event type the bus
// accepts, once, and the spec defines each one's envelope with a named data
// schema whose required fields the example (the Go type's encoding) has.
func TestEveryEventTypeHasASchema(t *testing.T) {
	var types []string
	for _, p := range specgen.Payloads {
		types = append(types, p.Type)
	}
	if diff := cmp.Diff(events.Types, types); diff != "" {
		t.Fatalf("specgen.Payloads types (-events.Types +catalog):\n%s", diff)
	}
	doc, err := openapi3.NewLoader().LoadFromData(openapi.V3)
	if err != nil {
		t.Fatal(err)
	}
	hooks, _ := doc.Extensions["x-webhooks"].(map[string]any)
	for _, p := range specgen.Payloads {
		name := specgen.EventSchemaName(p.Type)
		env := doc.Components.Schemas[name]
		if env == nil || len(env.Value.AllOf) != 2 {
			t.Errorf("%s: no envelope schema %s", p.Type, name)
			continue
		}
		data := env.Value.AllOf[1].Value.Properties["data"]
		if data == nil || data.Ref == "" {
			t.Errorf("%s: data is not a named schema", p.Type)
			continue
		}
		example, _ := json.Marshal(p.Example)
		var v any
		_ = json.Unmarshal(example, &v)
		if err := data.Value.VisitJSON(v); err != nil {
			t.Errorf("%s: the example data does not match %s: %v", p.Type, data.Ref, err)
		}
		if hooks[p.Type] == nil {
			t.Errorf("%s: no x-webhooks entry", p.Type)
		}
	}
}
