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
// Multi-device accounts are complete, and so is messaging (messages.go):
// incoming messages from the control API, sends recorded in an outbox with
// acks that advance on a schedule (or by hand), chats and contacts derived
// from the traffic, and media kept in memory and downloadable. Legacy
// accounts (legacy.go) keep their tokens under WhatsApp's legacy
// localStorage keys, allow one live page at a time (the others get stream
// mode CONFLICT, WPP.whatsapp.Socket.takeover flips them) and need their phone online
// (POST /__sim/phone-online).
package wasim

import (
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/pagescript"
)

// Defaults of Config, chosen to behave like the real WhatsApp Web.
const (
	DefaultQRFirst    = 60 * time.Second
	DefaultQRInterval = 20 * time.Second
	DefaultQRMax      = 6
	DefaultSyncDelay  = time.Second
	DefaultAckDelay   = time.Second
	DefaultMaxMedia   = 64 << 20
	// DefaultPairCodeTTL is wa-js's LINK_CODE_TTL_MS.
	DefaultPairCodeTTL = 195 * time.Second
)

// ManualAcks is the Config.AckDelay that never advances acks by itself:
// only POST /__sim/ack (Server.SetAck) moves them.
const ManualAcks time.Duration = -1

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
	// AckDelay is the time between the ack steps of a sent message: SERVER
	// when recorded, DEVICE after AckDelay, READ after another. ManualAcks
	// (any negative value) leaves them to POST /__sim/ack.
	AckDelay time.Duration
	// PairCodeTTL is how long a pairing code lives before the page's managed
	// flow asks for the next one (wa-js: 3.25 min, five times, then
	// conn.link_code_expired).
	PairCodeTTL time.Duration
	// MaxMediaBytes bounds one media upload.
	MaxMediaBytes int64
	// GroupSizeLimit is how many participants a group holds; default
	// DefaultGroupSizeLimit.
	GroupSizeLimit int
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
	if c.GroupSizeLimit <= 0 {
		c.GroupSizeLimit = DefaultGroupSizeLimit
	}
	if c.SyncDelay <= 0 {
		c.SyncDelay = DefaultSyncDelay
	}
	if c.AckDelay == 0 {
		c.AckDelay = DefaultAckDelay
	}
	if c.PairCodeTTL <= 0 {
		c.PairCodeTTL = DefaultPairCodeTTL
	}
	if c.MaxMediaBytes <= 0 {
		c.MaxMediaBytes = DefaultMaxMedia
	}
	return c
}

// Server is the simulator: an http.Handler serving the fake WhatsApp Web page
// at "/", its assets and page channel under "/__page/", and the phone/control
// API under "/__sim/". It is safe for concurrent use. Close ends every page
// connection and every goroutine the Server started.
type Server struct {
	cfg     Config
	log     zerolog.Logger
	mux     *http.ServeMux
	scripts *pagescript.Set // the page's scripts, compiled on first use

	// wg counts the goroutines the Server owns: one loop per page, the
	// page-channel handlers it has hijacked connections for, and the ack
	// scheduler once a message was sent.
	wg   sync.WaitGroup
	quit chan struct{} // closed by Close

	mu        sync.Mutex
	closed    bool
	nextPage  int
	pages     map[string]*page    // open page connections by id
	refs      map[string]*page    // the ref each QR page shows
	pairCodes map[string]*page    // pairing codes handed out, by code
	accounts  map[string]*account // phones that linked a device, by phone

	seq     int                   // Seq of the last message
	index   map[string]*message   // sent messages by id, for SetAck
	media   map[string]*mediaBlob // uploaded and incoming media by id
	acks    ackQueue              // scheduled ack steps; nil until the first
	ackWake chan struct{}         // nudges the ack scheduler
	hold    bool                  // HoldSends: sends wait, unanswered
	users   map[string]*User      // people on WhatsApp besides the simulated phones, by phone (users.go)

	biz    bizState  // labels, statuses and channels (business.go)
	groups groupBook // groups.go
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
		index:     make(map[string]*message),
		media:     make(map[string]*mediaBlob),
		quit:      make(chan struct{}),
		scripts:   newPageScripts(),
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
	if !s.closed {
		close(s.quit)
	}
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
