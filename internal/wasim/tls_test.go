package wasim

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSelfSignedCert(t *testing.T) {
	cert, pin, err := SelfSignedCert("web.whatsapp.com", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.Leaf.RawSubjectPublicKeyInfo)
	if want := base64.StdEncoding.EncodeToString(sum[:]); pin != want {
		t.Errorf("pin = %q, want %q", pin, want)
	}
	if err := cert.Leaf.VerifyHostname("web.whatsapp.com"); err != nil {
		t.Error(err)
	}
	if err := cert.Leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if _, _, err := SelfSignedCert(); err == nil {
		t.Error("no hosts: no error")
	}

	// A client that trusts only this certificate reaches the simulator at
	// the real origin's name.
	s := New(Config{})
	defer s.Close()
	ts := httptest.NewUnstartedServer(s)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	client := ts.Client()
	client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool, ServerName: "web.whatsapp.com"}
	resp, err := client.Get(ts.URL + "/__sim/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}
