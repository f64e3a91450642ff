// Package e2e holds the end-to-end tests of easy-api: real headless Chromium
// against the WhatsApp Web simulator served with TLS at the real origin
// (through Chromium's host-resolver rules), the real embedded store, and the
// real HTTP API over loopback. It has no non-test code besides this file.
package e2e
