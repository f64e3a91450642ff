package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/wasim"
)

func runDoctor(t *testing.T, args ...string) (browser.DoctorReport, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append([]string{"doctor", "--json"}, args...), func(string) string { return "" }, &out, &errOut)
	var rep browser.DoctorReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("doctor printed no JSON report (%v): %s %s; err %v", jerr, out.String(), errOut.String(), err)
	}
	return rep, out.String(), err
}

// TestDoctorSimulator: against the simulator every WPP function the bridge
// calls is there, wa-js's stand-in is ready and shows a QR; exit status 0.
func TestDoctorSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	rep, out, err := runDoctor(t, "--simulator", "--wait", "30s")
	if err != nil {
		t.Fatalf("doctor = %v\n%s", err, out)
	}
	if !rep.Loaded || !rep.BundleLoaded || !rep.Ready || rep.StreamMode != "QR" || !strings.HasSuffix(rep.WPPVersion, "-wasim") || rep.WAVersion == "" {
		t.Errorf("report = %+v", rep)
	}
	if len(rep.Functions) < 20 || len(rep.Missing()) > 0 {
		t.Errorf("functions = %v, missing %v", rep.Functions, rep.Missing())
	}
}

// TestDoctorRealBundle injects the real, pinned wa-js 4.6.0 into the
// simulator's strict nonce-CSP page, which has no WhatsApp modules: the
// bundle gets in (pinned version), every function wa-js itself defines is
// there, but wa-js never becomes ready and the exports of WhatsApp's own
// modules (the socket model, the chat store) are missing, so doctor fails
// naming them.
func TestDoctorRealBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile("../../package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	sim := wasim.New(wasim.Config{})
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	rep, out, err := runDoctor(t, "--wa-url", ts.URL+"/__page/blank",
		"--wajs", "../../node_modules/@wppconnect/wa-js/dist/wppconnect-wa.js", "--wait", "3s")
	if err == nil || !strings.Contains(err.Error(), "isReady") {
		t.Errorf("doctor = %v, want a failure naming WPP.isReady\n%s", err, out)
	}
	if !rep.Loaded || !rep.BundleLoaded || rep.Ready || rep.WPPVersion != pkg.Dependencies["@wppconnect/wa-js"] {
		t.Errorf("report = %+v, want the pinned bundle loaded and not ready", rep)
	}
	// WPP.whatsapp.* are WhatsApp's own modules, which this page lacks (the
	// socket model, the chat store); everything wa-js defines must be there.
	m := rep.Missing()
	for _, p := range m {
		if !strings.HasPrefix(p, "whatsapp.") {
			t.Errorf("missing %s: wa-js 4.6.0 defines it, doctor should find it", p)
		}
	}
	if !slices.Contains(m, "whatsapp.Socket.takeover") || len(rep.Functions) < 20 {
		t.Errorf("missing = %v of %d, want WhatsApp's own socket export among them", m, len(rep.Functions))
	}
}
