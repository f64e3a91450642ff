package wasim

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Limits of the page channel.
const (
	wsWriteTimeout = 10 * time.Second
	wsMaxMessage   = 256 << 10 // a text message is at most 64 Ki characters; media goes over HTTP
)

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

// wsTransport is a page channel over a WebSocket.
type wsTransport struct {
	conn *websocket.Conn
	once sync.Once
}

func (t *wsTransport) send(m outMsg) error {
	t.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return t.conn.WriteJSON(m)
}

func (t *wsTransport) close() { t.once.Do(func() { t.conn.Close() }) }

// servePageWS upgrades a page's request to its channel and reads the page's
// messages until the channel drops or the Server closes.
func (s *Server) servePageWS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "simulator closed", http.StatusServiceUnavailable)
		return
	}
	// Close waits for this handler: the hijacked connection is ours, not
	// the http.Server's.
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade already answered the client
	}
	conn.SetReadLimit(wsMaxMessage)
	tr := &wsTransport{conn: conn}
	p, err := s.openPage(tr)
	if err != nil {
		tr.close()
		return
	}
	defer s.closePage(p)
	for {
		var m inMsg
		if err := conn.ReadJSON(&m); err != nil {
			return
		}
		if err := s.onPageMessage(p, m); err != nil {
			s.log.Warn().Err(err).Str("page", p.id).Msg("page broke the protocol; disconnecting")
			return
		}
	}
}
