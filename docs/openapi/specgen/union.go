package specgen

import (
	"maps"
	"slices"
	"strings"
)

// Discriminated unions. Swagger 2 has no oneOf, so a request whose shape
// depends on a type field is one flat definition there: its type property
// carries x-discriminator=<schema name pattern with {Kind}>, every other
// property x-kinds (the type values it belongs to, * for all) and
// x-required (those that need it). In OpenAPI 3 the definition becomes a
// oneOf of one schema per type value with a discriminator, so generated
// clients get one typed variant per kind.

// unionsV3 rewrites every flat union among the OpenAPI 3 schemas.
func unionsV3(doc map[string]any) {
	schemas := obj(obj(doc, "components"), "schemas")
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		def := schemas[name].(map[string]any)
		props, ok := def["properties"].(map[string]any)
		if !ok {
			continue
		}
		for disc, p := range props {
			pattern, ok := p.(map[string]any)["x-discriminator"].(string)
			if ok {
				schemas[name] = union(schemas, props, disc, pattern, def["description"])
				break
			}
		}
	}
}

// union adds one schema per value of the discriminator property disc and
// returns the oneOf that replaces the flat definition.
func union(schemas, props map[string]any, disc, pattern string, description any) map[string]any {
	dp := props[disc].(map[string]any)
	var oneOf []any
	mapping := map[string]any{}
	for _, v := range dp["enum"].([]any) {
		kind := v.(string)
		name := strings.ReplaceAll(pattern, "{Kind}", strings.ToUpper(kind[:1])+kind[1:])
		variant := map[string]any{"type": "object", "properties": map[string]any{
			disc: map[string]any{"type": "string", "enum": []any{kind}, "example": kind},
		}}
		required := []any{disc}
		for _, pname := range slices.Sorted(maps.Keys(props)) {
			p := props[pname].(map[string]any)
			if pname == disc || !inKinds(p["x-kinds"], kind) {
				continue
			}
			if inKinds(p["x-required"], kind) {
				required = append(required, pname)
			}
			clean := maps.Clone(p)
			delete(clean, "x-kinds")
			delete(clean, "x-required")
			if all, ok := clean["allOf"].([]any); ok && len(all) == 1 && len(clean) == 1 {
				clean = all[0].(map[string]any) // swag's wrapper of a $ref that had extensions
			}
			variant["properties"].(map[string]any)[pname] = clean
		}
		variant["required"] = required
		schemas[name] = variant
		ref := "#/components/schemas/" + name
		oneOf = append(oneOf, map[string]any{"$ref": ref})
		mapping[kind] = ref
	}
	out := map[string]any{"oneOf": oneOf, "discriminator": map[string]any{"propertyName": disc, "mapping": mapping}}
	if description != nil {
		out["description"] = description
	}
	return out
}

func inKinds(v any, kind string) bool {
	s, _ := v.(string)
	return s != "" && (s == "*" || slices.Contains(strings.Split(s, "|"), kind))
}
