package specgen

import (
	"maps"
	"slices"
	"strings"
)

// nullable lists properties that the server writes as JSON null (pointer
// fields without omitempty), by definition name. swag cannot see that from
// the Go types; the response-validating tests catch a missing entry.
var nullable = map[string][]string{
	"session.View":    {"me"},
	"events.Page":     {"next"},
	"webhook.Webhook": {"headers"},
}

// problemRef is the schema of every error answer.
const problemRef = "#/definitions/Problem"

// common are the error answers that middleware gives on any route, so they
// are added to every operation rather than repeated in each annotation.
var common = []struct {
	status, description string
	applies             func(op map[string]any) bool
}{
	{"401", "missing, wrong or revoked API key", secured},
	{"413", "body larger than the route's limit", hasBody},
	{"415", "Content-Type is not application/json", hasBody},
	{"429", "too many failed authentications from this client address; see Retry-After", secured},
	{"500", "internal error; the problem's request_id is in the server log", func(map[string]any) bool { return true }},
}

// fixV2 applies the rules annotations cannot express to the Swagger 2
// document: nullable properties and the common error answers.
func fixV2(doc map[string]any) {
	defs := obj(doc, "definitions")
	for name, props := range nullable {
		properties := obj(obj(defs, name), "properties")
		for _, p := range props {
			s := obj(properties, p)
			if ref, ok := s["$ref"]; ok {
				// A $ref takes no siblings: wrap it.
				delete(s, "$ref")
				s["type"] = "object"
				s["allOf"] = []any{map[string]any{"$ref": ref}}
			}
			s["x-nullable"] = true
		}
	}
	forEachOperation(doc, func(_, _ string, op map[string]any) {
		responses := obj(op, "responses")
		for _, c := range common {
			if _, ok := responses[c.status]; !ok && c.applies(op) {
				responses[c.status] = map[string]any{"description": c.description, "schema": map[string]any{"$ref": problemRef}}
			}
		}
	})
}

// fixV3 applies the rules of the OpenAPI 3 document: errors are
// application/problem+json, binary answers are binary strings, operations
// without security say so explicitly (security: []), and flat unions become
// oneOfs (union.go).
func fixV3(doc map[string]any) {
	unionsV3(doc)
	forEachOperation(doc, func(_, _ string, op map[string]any) {
		if _, ok := op["security"]; !ok {
			op["security"] = []any{}
		}
		for _, r := range obj(op, "responses") {
			content := obj(r.(map[string]any), "content")
			for mt, v := range content {
				schema := obj(v.(map[string]any), "schema")
				if schema["$ref"] == "#/components/schemas/Problem" {
					clear(content)
					content["application/problem+json"] = map[string]any{"schema": schema}
					break
				}
				switch {
				case mt == "text/plain":
					v.(map[string]any)["schema"] = map[string]any{"type": "string"}
				case mt != "application/json" && !strings.HasPrefix(mt, "text/"):
					v.(map[string]any)["schema"] = map[string]any{"type": "string", "format": "binary"}
				}
			}
		}
	})
}

// secured reports whether an operation needs a key.
func secured(op map[string]any) bool {
	s, ok := op["security"].([]any)
	return ok && len(s) > 0
}

// hasBody reports whether a Swagger 2 operation takes a body.
func hasBody(op map[string]any) bool {
	params, _ := op["parameters"].([]any)
	return slices.ContainsFunc(params, func(p any) bool { return p.(map[string]any)["in"] == "body" })
}

// forEachOperation calls fn for every operation, in path and method order.
func forEachOperation(doc map[string]any, fn func(path, method string, op map[string]any)) {
	paths := obj(doc, "paths")
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := paths[path].(map[string]any)
		for _, method := range slices.Sorted(maps.Keys(item)) {
			if op, ok := item[method].(map[string]any); ok && method != "parameters" {
				fn(path, method, op)
			}
		}
	}
}

// obj returns m[key] as an object, creating it when missing.
func obj(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}
