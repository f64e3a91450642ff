package e2e

import (
	"net"
	"net/http"
	"sync"
)

// The test server's connections: a client that sends the admin key, and a
// listener that can cut every connection, as a network drop does.

// apiServer is the address of a test server's API and a client for it,
// shaped like httptest.Server for the tests.
type apiServer struct {
	URL    string
	client *http.Client
	conns  *connTracker
}

// Client returns the client of the server (with its API key, if any).
func (a *apiServer) Client() *http.Client { return a.client }

// CloseClientConnections cuts every open connection to the server, as a
// network drop does; the server keeps listening.
func (a *apiServer) CloseClientConnections() {
	a.conns.closeAll()
	a.client.CloseIdleConnections()
}

// connTracker remembers the server's open connections.
type connTracker struct {
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (c *connTracker) wrap(ln net.Listener) net.Listener { return trackedListener{ln, c} }

func (c *connTracker) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn := range c.conns {
		conn.Close()
		delete(c.conns, conn)
	}
}

type trackedListener struct {
	net.Listener
	c *connTracker
}

func (l trackedListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.c.mu.Lock()
	l.c.conns[conn] = true
	l.c.mu.Unlock()
	return trackedConn{conn, l.c}, nil
}

type trackedConn struct {
	net.Conn
	c *connTracker
}

func (t trackedConn) Close() error {
	t.c.mu.Lock()
	delete(t.c.conns, t.Conn)
	t.c.mu.Unlock()
	return t.Conn.Close()
}

// keyTransport adds the API key to requests that carry none.
type keyTransport struct {
	key  string
	next http.RoundTripper
}

func (k keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Api-Key") == "" && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("X-Api-Key", k.key)
	}
	return k.next.RoundTrip(r)
}
