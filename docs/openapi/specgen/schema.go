package specgen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Hand-written rather than kin-openapi's openapi3gen: the event schemas
// must reuse the definitions swag already made (session.Status, Message,
// …) by reference and read swag's struct tags (swaggertype, enums,
// example), which openapi3gen does neither.

// schemaName is the definition name of a named Go type, swag's way
// ("session.StatusEvent"), unless swag already defined it under its
// @name alias (Message).
func schemaName(t reflect.Type, defs map[string]any) string {
	if _, ok := defs[t.Name()]; ok {
		return t.Name()
	}
	pkg := t.PkgPath()
	return pkg[strings.LastIndexByte(pkg, '/')+1:] + "." + t.Name()
}

// schemaGen writes Swagger 2 definitions for Go types into defs.
type schemaGen struct{ defs map[string]any }

// ref returns a reference to the definition of named struct type t,
// generating it unless it exists.
func (g schemaGen) ref(t reflect.Type) map[string]any {
	name := schemaName(t, g.defs)
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = map[string]any{} // cuts cycles
		g.defs[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/definitions/" + name}
}

// object is the schema of struct type t: its JSON fields, and those
// without omitempty required (the server always writes them).
func (g schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.field(f)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		s["required"] = required
	}
	return s
}

// field is the schema of a struct field, with swag's tags applied.
func (g schemaGen) field(f reflect.StructField) map[string]any {
	var s map[string]any
	if st := f.Tag.Get("swaggertype"); st != "" {
		s = map[string]any{"type": st}
	} else {
		s = g.schema(f.Type)
	}
	if _, isRef := s["$ref"]; isRef {
		return s
	}
	if e := f.Tag.Get("enums"); e != "" {
		s["enum"] = strings.Split(e, ",")
	}
	if ex := f.Tag.Get("example"); ex != "" {
		s["example"] = exampleValue(s["type"], ex)
	}
	return s
}

// schema is the schema of a value of type t.
func (g schemaGen) schema(t reflect.Type) map[string]any {
	if t == reflect.TypeFor[time.Time]() {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t.Name() != "" && t.PkgPath() != "" {
		if _, ok := g.defs[schemaName(t, g.defs)]; ok {
			return map[string]any{"$ref": "#/definitions/" + schemaName(t, g.defs)}
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.Struct:
		return g.ref(t)
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

func exampleValue(typ any, ex string) any {
	switch typ {
	case "integer":
		if n, err := strconv.ParseInt(ex, 10, 64); err == nil {
			return n
		}
	case "number":
		if n, err := strconv.ParseFloat(ex, 64); err == nil {
			return n
		}
	case "boolean":
		return ex == "true"
	}
	return ex
}

// EventSchemaName is the definition of the envelope of events of typ:
// "session.status" → "SessionStatusEvent".
func EventSchemaName(typ string) string {
	var b strings.Builder
	for part := range strings.FieldsFuncSeq(typ, func(r rune) bool { return r == '.' || r == '_' }) {
		if part == "qr" {
			part = "QR" // Go's initialism, as in session.QREvent
		}
		b.WriteRune(unicode.ToUpper(rune(part[0])))
		b.WriteString(part[1:])
	}
	return b.String() + "Event"
}

// addEventSchemas defines, in a Swagger 2 document, the data schema of
// every event type (from its Go type) and an envelope per type
// (events.Event with type fixed and data typed).
func addEventSchemas(doc map[string]any) error {
	defs := obj(doc, "definitions")
	g := schemaGen{defs: defs}
	for _, p := range Payloads {
		t := reflect.TypeOf(p.Example)
		if t.Kind() != reflect.Struct {
			return fmt.Errorf("event %s: example must be a struct, not %s", p.Type, t)
		}
		data := g.ref(t)
		defs[EventSchemaName(p.Type)] = map[string]any{
			"description": "The envelope of a " + p.Type + " event, sent when " + p.When,
			"allOf": []any{
				map[string]any{"$ref": "#/definitions/events.Event"},
				map[string]any{"type": "object", "required": []string{"data", "type"}, "properties": map[string]any{
					"type": map[string]any{"type": "string", "enum": []string{p.Type}},
					"data": data,
				}},
			},
		}
	}
	return nil
}

// addWebhooks describes, in the OpenAPI 3 document, what a webhook
// receiver gets: one POST per event type, the envelope as body (OpenAPI
// 3.0's x-webhooks, which Redocly and other renderers show like 3.1's
// webhooks).
func addWebhooks(doc map[string]any) {
	hooks := map[string]any{}
	for _, p := range Payloads {
		name := EventSchemaName(p.Type)
		hooks[p.Type] = map[string]any{"post": map[string]any{
			"operationId": "webhook" + strings.TrimSuffix(name, "Event"),
			"summary":     p.Type,
			"description": "Sent when " + strings.TrimSuffix(p.When, ".") + ". Signed per Standard Webhooks (webhook-id = the event id, webhook-timestamp, webhook-signature). Answer 2xx within the timeout; anything else is retried on the webhook's schedule.",
			"tags":        []string{"webhooks"},
			"security":    []any{},
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"$ref": "#/components/schemas/" + name}}}},
			"responses": map[string]any{"2XX": map[string]any{"description": "received; any 2xx acknowledges the event"}},
		}}
	}
	doc["x-webhooks"] = hooks
}

// exampleJSON is p's example data as the server encodes it.
func (p Payload) exampleJSON() string {
	b, _ := json.Marshal(p.Example)
	return string(b)
}
