// Command gen regenerates docs/openapi (swagger.json, swagger.yaml,
// openapi.json) from the handlers' swag annotations: `make spec`, or
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
}
