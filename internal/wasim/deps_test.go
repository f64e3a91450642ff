package wasim

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNothingOfTheProduct keeps the simulator independent of the
// product it stands in for: none of its dependencies, direct or not, is an
// easy-api package but itself.
func TestImportsNothingOfTheProduct(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const self = "github.com/easy-api/easy-api/internal/wasim"
	for dep := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(dep, "github.com/easy-api/easy-api/") && dep != self {
			t.Errorf("the simulator depends on %s", dep)
		}
	}
}
