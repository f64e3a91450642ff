// Package wasim is the WhatsApp Web simulator: a stand-in for web.whatsapp.com
// and for the phone that links devices to it, good enough to drive the whole
// product with no phone and no internet (DESIGN §5).
//
// A Server serves two things on one listener:
//
//   - the page at "/", whose script defines the window.WPP subset of
//     docs/bridge.md (same names, shapes and quirks as @wppconnect/wa-js) and
//     keeps its device credentials in the browser profile (IndexedDB and
//     localStorage), so a relaunched browser resumes with no QR;
//   - the phone/control API under "/__sim/" (JSON, errors as problem+json),
//     which tests and scripts use to scan QR codes, enter pairing codes and log
//     devices out.
//
// Each open page holds one WebSocket to "/__page/ws" (a private channel, not
// part of the control API). The server owns every timer: it generates the QR
// refs of each page on schedule, validates stored credentials on resume and
// tells the page when syncing is done.
//
// Multi-device accounts are complete. Messages (inbox, outbox, acks), chats,
// contacts and legacy accounts (one live session, phone must stay online) are
// designed for but not built yet; see control.go for where their routes go.
package wasim

import (
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Defaults of Config, chosen to behave like the real WhatsApp Web.
const (
	DefaultQRFirst    = 60 * time.Second
	DefaultQRInterval = 20 * time.Second
	DefaultQRMax      = 6
	DefaultSyncDelay  = time.Second
)

// Config tunes a Server. Zero values take the Default* constants, so the zero
// Config behaves like the real site; tests set durations in milliseconds.
type Config struct {
	// QRFirst is how long the first QR ref of a run stays valid.
	QRFirst time.Duration
	// QRInterval is how long each later ref of a run stays valid.
	QRInterval time.Duration
	// QRMax is how many refs a run shows before the page goes idle
	// ("click to reload") until WPP.conn.refreshQR starts a new run.
	QRMax int
	// SyncDelay is how long a freshly linked or resumed page stays in
	// stream mode SYNCING before MAIN.
	SyncDelay time.Duration
	// Log receives the simulator's logs; the zero Logger discards them.
	Log zerolog.Logger
}

func (c Config) withDefaults() Config {
	if c.QRFirst <= 0 {
		c.QRFirst = DefaultQRFirst
	}
	if c.QRInterval <= 0 {
		c.QRInterval = DefaultQRInterval
	}
	if c.QRMax <= 0 {
		c.QRMax = DefaultQRMax
	}
	if c.SyncDelay <= 0 {
		c.SyncDelay = DefaultSyncDelay
	}
	return c
}

// Server is the simulator: an http.Handler serving the fake WhatsApp Web page
// at "/", its assets and page channel under "/__page/", and the phone/control
// API under "/__sim/". It is safe for concurrent use. Close ends every page
// connection and every goroutine the Server started.
type Server struct {
	cfg Config
	log zerolog.Logger
	mux *http.ServeMux

	// wg counts the goroutines the Server owns: one loop per page and the
	// page-channel handlers it has hijacked connections for.
	wg sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	nextPage  int
	pages     map[string]*page    // open page connections by id
	refs      map[string]*page    // the ref each QR page shows
	pairCodes map[string]*page    // pairing codes handed out, by code
	accounts  map[string]*account // phones that linked a device, by phone
}

// New returns a Server with cfg's zero fields set to the defaults. It starts
// no goroutine until a page connects.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		log:       cfg.Log.With().Str("component", "wasim").Logger(),
		pages:     make(map[string]*page),
		refs:      make(map[string]*page),
		pairCodes: make(map[string]*page),
		accounts:  make(map[string]*account),
	}
	s.mux = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close ends every open page connection and waits for every goroutine the
// Server started. Pages then see their channel drop (as when WhatsApp's
// servers go away) and keep retrying; a Server cannot be reopened. Close is
// safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	pages := make([]*page, 0, len(s.pages))
	for _, p := range s.pages {
		pages = append(pages, p)
	}
	s.mu.Unlock()
	for _, p := range pages {
		s.closePage(p)
	}
	s.wg.Wait()
}
