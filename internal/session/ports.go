package session

import (
	"context"
	"errors"
	"io"
	"time"
)

// Launcher starts browsers. internal/browser implements it with chromedp; unit
// tests use a fake.
type Launcher interface {
	// Launch starts a browser on spec.ProfileDir, installs the bridge and
	// navigates to spec.URL. It returns once navigation was issued; progress
	// then arrives on Page.Events. A launch that cannot work (no binary, no
	// display) returns an error wrapping ErrNoBrowser or ErrNoDisplay. ctx
	// bounds the page's whole life: when it ends the browser is closed.
	Launch(ctx context.Context, spec LaunchSpec) (Page, error)
}

// LaunchSpec says how to launch one session's browser.
type LaunchSpec struct {
	SessionID  string
	ProfileDir string // the IGNORE_<id> folder, absolute; the caller holds its lock
	URL        string // WhatsApp Web's URL (or the simulator's)
	Headful    bool
	// LocalStorage, when set, is written into the page's localStorage
	// before WhatsApp Web's scripts run, once per tab (legacy restore).
	LocalStorage map[string]string
}

// Page is one running browser with WhatsApp Web loaded and the bridge injected.
type Page interface {
	// Events delivers bridge events in page order. It is never closed while
	// the page runs; after Done it may be closed.
	Events() <-chan PageEvent
	// Done is closed when the browser is gone: exited, crashed, hung or closed.
	Done() <-chan struct{}
	// Err says why Done closed: nil after Close, else an error wrapping
	// ErrBrowserExited, ErrRendererCrashed or ErrUnresponsive.
	Err() error
	// Call runs window.__easy.call(method, args) in the page and decodes the
	// JSON result into result (which may be nil). It honours ctx's deadline.
	Call(ctx context.Context, method string, args, result any) error
	// Screenshot returns a PNG of the page.
	Screenshot(ctx context.Context) ([]byte, error)
	// Close closes the browser gracefully (CDP Browser.close), killing it
	// when ctx ends first. It is safe to call more than once.
	Close(ctx context.Context) error
	// PID is the browser process id (0 when unknown).
	PID() int
	// Usage samples the resources of the browser's process tree. An error
	// means no sample (the process may be gone), never a crash.
	Usage(ctx context.Context) (Usage, error)
}

// Usage is one resource sample of a session's browser.
type Usage struct {
	PSSBytes   int64   `json:"pss_bytes"`   // proportional set size summed over the process tree
	CPUSeconds float64 `json:"cpu_seconds"` // user + system CPU time of the tree
	Processes  int     `json:"processes"`
}

// Errors a Launcher or Page reports. Compare with errors.Is.
var (
	ErrNoBrowser       = errors.New("no browser binary found")
	ErrNoDisplay       = errors.New("headful browser needs a display")
	ErrBrowserExited   = errors.New("browser exited")
	ErrRendererCrashed = errors.New("renderer crashed")
	ErrUnresponsive    = errors.New("page unresponsive")
	ErrMissingBundle   = errors.New("wa-js bundle missing")
	ErrCallTimeout     = errors.New("page did not answer in time")
)

// Registry persists session records. internal/store implements it on a
// JetStream KV bucket.
type Registry interface {
	// List returns every record, sorted by id.
	List(ctx context.Context) ([]Record, error)
	// Get returns one record or an error matching apperr.ErrNotFound.
	Get(ctx context.Context, id string) (Record, error)
	// Create stores a new record or fails with apperr.ErrExists.
	Create(ctx context.Context, r Record) error
	// Update applies fn to the current record and stores the result with a
	// compare-and-set on the entry's revision, retrying on conflicts so that
	// concurrent writers never lose each other's changes.
	Update(ctx context.Context, id string, fn func(*Record) error) (Record, error)
	// Delete removes a record; deleting a missing one is not an error.
	Delete(ctx context.Context, id string) error
}

// Record is what the server persists of a session.
type Record struct {
	ID      string   `json:"id"`
	Config  Config   `json:"config"`
	Running bool     `json:"running"` // should run: restarted at boot
	Me      *Account `json:"me,omitempty"`
	// Node is, in a cluster, the node that last took the session's lease.
	Node      string    `json:"node,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Publisher takes the events a session emits. The events package's bus
// implements it; Publish must not block for long and must not fail the
// session: errors are logged by the caller.
type Publisher interface {
	Publish(ctx context.Context, session, typ string, data any) error
}

// ErrLoadFailed says WhatsApp Web could not be loaded (navigation failed).
var ErrLoadFailed = errors.New("WhatsApp Web did not load")

// SnapshotStore keeps the latest session data file of each session off the
// local disk (the store's object store), so that a later cluster can restore
// a session on another node. Get of a missing one matches apperr.ErrNotFound.
type SnapshotStore interface {
	PutSnapshot(ctx context.Context, id string, data io.Reader) error
	GetSnapshot(ctx context.Context, id string) (io.ReadCloser, error)
	DeleteSnapshot(ctx context.Context, id string) error
}
