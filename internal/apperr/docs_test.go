package apperr

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// docTable returns the rows of the Markdown table in doc whose header line
// is header, as their cells: the table ends at the first line that is not
// a row.
func docTable(t *testing.T, doc, header string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, header+"\n")
	if !ok {
		t.Fatalf("no table %q", header)
	}
	var rows [][]string
	for i, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i == 0 { // the | --- | line
			continue
		}
		var cells []string
		for c := range strings.SplitSeq(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	return rows
}

// TestErrorCodesAreDocumented: docs/api.md's error-code table lists every
// code of the status table, with its status, and nothing else, so the page
// cannot drift from what clients get.
func TestErrorCodesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[Code]int{}
	for _, row := range docTable(t, string(b), "| code | status | meaning |") {
		code := Code(strings.Trim(row[0], "`"))
		status, err := strconv.Atoi(row[1])
		if err != nil || len(row) != 3 || row[2] == "" {
			t.Errorf("docs/api.md error row %q: want | `code` | status | meaning |", row)
			continue
		}
		if _, dup := documented[code]; dup {
			t.Errorf("docs/api.md lists %s twice", code)
		}
		documented[code] = status
		if want, ok := statuses[code]; !ok {
			t.Errorf("docs/api.md documents %s, which the server does not have", code)
		} else if status != want {
			t.Errorf("docs/api.md gives %s status %d, the server answers %d", code, status, want)
		}
	}
	for code, status := range statuses {
		if _, ok := documented[code]; !ok {
			t.Errorf("docs/api.md's error table misses %s (%d)", code, status)
		}
	}
}
