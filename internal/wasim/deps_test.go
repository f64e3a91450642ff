package wasim

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportsNothingOfTheProduct keeps the simulator independent of the
// product it stands in for: none of its dependencies, direct or not, is an
// easy-api package but itself and pagescript, the build tool that compiles
// its TypeScript, which in turn depends on no easy-api package.
func TestImportsNothingOfTheProduct(t *testing.T) {
	const (
		self  = "github.com/easy-api/easy-api/internal/wasim"
		build = "github.com/easy-api/easy-api/internal/pagescript"
	)
	allowed := map[string][]string{".": {self, build}, "../pagescript": {build}}
	for pkg, own := range allowed {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			if strings.HasPrefix(dep, "github.com/easy-api/easy-api/") && !slices.Contains(own, dep) {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
