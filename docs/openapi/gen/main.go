// Command gen regenerates docs/openapi (swagger.json, swagger.yaml,
// openapi.json) from the handlers' swag annotations, and the events table
// of docs/events.md from the event catalog: `make spec`, or
// `go run ./docs/openapi/gen` from the module root.
package main

import (
	"fmt"
	"os"

	"github.com/easy-api/easy-api/docs/openapi/specgen"
)

func main() {
	if err := specgen.Generate(".", "docs/openapi"); err != nil {
		fmt.Fprintln(os.Stderr, "spec:", err)
		os.Exit(1)
	}
	doc, err := specgen.EventsDoc(".")
	if err == nil {
		err = os.WriteFile(specgen.EventsDocPath, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "events doc:", err)
		os.Exit(1)
	}
}
