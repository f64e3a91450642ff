package events

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// maxBatch bounds how many bytes of frames batchConn holds before writing.
const maxBatch = 256 << 10

// batchConn lets the WebSocket writer put many frames in one write system
// call while a subscriber has a backlog: between begin and flush, writes are
// buffered (up to maxBatch); otherwise they go straight through. Frames stay
// whole and in order because gorilla serialises its writes and every path
// goes through mu.
type batchConn struct {
	net.Conn
	mu       sync.Mutex
	buf      []byte
	batching bool
}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.batching && len(c.buf)+len(p) <= maxBatch {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	if err := c.flushLocked(); err != nil {
		return 0, err
	}
	if c.batching && len(p) < maxBatch {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// begin starts buffering writes.
func (c *batchConn) begin() {
	c.mu.Lock()
	c.batching = true
	c.mu.Unlock()
}

// flush writes what is buffered and stops buffering.
func (c *batchConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batching = false
	return c.flushLocked()
}

func (c *batchConn) flushLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

// hijacker hands the WebSocket upgrader a batchConn instead of the raw
// connection. It also finds the Hijacker behind middleware wrappers that
// only offer Unwrap.
type hijacker struct {
	http.ResponseWriter
	conn *batchConn
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &batchConn{Conn: c}
	return h.conn, brw, nil
}
