// Package specgen generates easy-api's API description: swag (pinned in
// go.mod) reads the handlers' annotations into a Swagger 2 document, a few
// rules that annotations cannot express are applied (listed in fixV2 and
// fixV3), and kin-openapi's openapi2conv converts it to OpenAPI 3. `make
// spec` runs it through ../gen; a test regenerates into a temporary folder
// and fails when the committed files differ.
package specgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/swaggo/swag/gen"
	"sigs.k8s.io/yaml"
)

// Dirs are the packages whose annotations make the spec, relative to the
// module root; the first holds the general API info (api.go).
var Dirs = []string{"internal/api", "internal/cluster", "internal/apperr", "internal/events", "internal/events/webhook", "internal/session", "internal/apikey"}

// Files are the files Generate writes.
var Files = []string{"swagger.json", "swagger.yaml", "openapi.json"}

// Generate writes swagger.json, swagger.yaml and openapi.json for the module
// at root into out.
func Generate(root, out string) error {
	tmp, err := os.MkdirTemp("", "easy-api-swag-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dirs := make([]string, len(Dirs))
	for i, d := range Dirs {
		dirs[i] = filepath.Join(root, d)
	}
	err = gen.New().Build(&gen.Config{
		Debugger:           log.New(io.Discard, "", 0),
		SearchDir:          strings.Join(dirs, ","),
		MainAPIFile:        "api.go",
		OutputDir:          tmp,
		OutputTypes:        []string{"json"},
		PropNamingStrategy: "camelcase",
		ParseInternal:      true,
		ParseDepth:         100,
		ParseGoList:        true,
		OverridesFile:      filepath.Join(root, "docs/openapi/overrides.swaggo"),
		CollectionFormat:   "csv",
		Strict:             true,
	})
	if err != nil {
		return fmt.Errorf("swag: %w", err)
	}
	raw, err := os.ReadFile(filepath.Join(tmp, "swagger.json"))
	if err != nil {
		return err
	}
	var v2 map[string]any
	if err := json.Unmarshal(raw, &v2); err != nil {
		return err
	}
	fixV2(v2)
	if err := addEventSchemas(v2); err != nil {
		return err
	}
	v2JSON, err := marshal(v2)
	if err != nil {
		return err
	}
	v2YAML, err := yaml.JSONToYAML(v2JSON)
	if err != nil {
		return err
	}
	v3JSON, err := toV3(v2JSON)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"swagger.json": v2JSON, "swagger.yaml": v2YAML, "openapi.json": v3JSON} {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// toV3 converts the Swagger 2 document, applies fixV3 and checks the result
// with kin-openapi's validator.
func toV3(v2JSON []byte) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(v2JSON, &doc2); err != nil {
		return nil, fmt.Errorf("read swagger 2: %w", err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert to openapi 3: %w", err)
	}
	b, err := json.Marshal(doc3)
	if err != nil {
		return nil, err
	}
	var v3 map[string]any
	if err := json.Unmarshal(b, &v3); err != nil {
		return nil, err
	}
	fixV3(v3)
	addWebhooks(v3)
	out, err := marshal(v3)
	if err != nil {
		return nil, err
	}
	loaded, err := openapi3.NewLoader().LoadFromData(out)
	if err != nil {
		return nil, fmt.Errorf("load openapi 3: %w", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi 3 is invalid: %w", err)
	}
	return out, nil
}

// marshal writes v as indented JSON with a final newline; map keys sort, so
// the output is stable.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
