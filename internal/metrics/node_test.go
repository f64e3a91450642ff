package metrics

import (
	"strings"
	"testing"
)

// TestNodeLabelsEverySample: in a cluster (Config.Node set) every sample
// carries node="<name>", ours and the Go and process collectors' alike, so
// one Prometheus can scrape every node; a single server adds no node label.
func TestNodeLabelsEverySample(t *testing.T) {
	samples := func(body []byte) []string {
		var out []string
		for line := range strings.Lines(string(body)) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
		return out
	}
	clustered := samples(scrape(t, New(Config{Version: "v1.2.3", Node: "node-b"})))
	var ours, runtime int
	for _, s := range clustered {
		if !strings.Contains(s, `node="node-b"`) {
			t.Errorf("sample without node=\"node-b\": %s", s)
		}
		switch {
		case strings.HasPrefix(s, "easy_api_"):
			ours++
		case strings.HasPrefix(s, "go_"), strings.HasPrefix(s, "process_"):
			runtime++
		}
	}
	if ours == 0 || runtime == 0 {
		t.Fatalf("%d easy_api_ and %d go_/process_ samples: the scrape is missing some", ours, runtime)
	}
	for _, s := range samples(scrape(t, New(Config{Version: "v1.2.3"}))) {
		if strings.Contains(s, `node="`) {
			t.Errorf("a single server's sample has a node label: %s", s)
		}
	}
}
