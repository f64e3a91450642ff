// Package wasimtest serves the WhatsApp Web simulator to Chromium in tests:
// on a loopback TLS port, with a fresh certificate for web.whatsapp.com
// that Chromium accepts by its pin and trusts nothing else for.
package wasimtest

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/easy-api/easy-api/internal/wasim"
)

// TLS is a simulator served over TLS. Its Client trusts the certificate.
type TLS struct {
	*httptest.Server
	// HostRules is the --host-resolver-rules value that sends
	// web.whatsapp.com to the server and every other host nowhere.
	HostRules string
	// Pin is the certificate's SPKI pin, the value of
	// --ignore-certificate-errors-spki-list.
	Pin string
}

// StartTLS serves h (s itself, or a handler in front of it) over TLS and
// closes s and the server when t ends. Handshake errors are not logged:
// tests kill browsers on purpose, and those abort them.
func StartTLS(t testing.TB, s *wasim.Server, h http.Handler) *TLS {
	t.Helper()
	cert, pin, err := wasim.SelfSignedCert("web.whatsapp.com", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	host := strings.TrimPrefix(ts.URL, "https://")
	return &TLS{Server: ts, Pin: pin, HostRules: fmt.Sprintf("MAP web.whatsapp.com %s, MAP * ~NOTFOUND", host)}
}
