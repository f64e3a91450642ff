// Package session is the domain of easy-api: sessions, their statuses and the
// supervisor that keeps each one's browser alive, re-authenticating from stored
// data before it ever asks a person to re-scan a QR code (DESIGN §3).
//
// The package declares the ports it needs (Launcher, Registry, Publisher in
// ports.go) and imports no adapter; cmd/easy-api wires the concrete types.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"

	"github.com/easy-api/easy-api/internal/apperr"
)

// ManagerConfig wires a Manager.
type ManagerConfig struct {
	Registry  Registry
	Launcher  Launcher
	Publisher Publisher     // may be nil
	Snapshots SnapshotStore // may be nil
	// Leases, in a cluster, decides which node runs each session; nil
	// means this node runs them all.
	Leases Leases
	// MessageLog tells the inbox the newest message logged per session, the
	// start of a catch-up from WhatsApp; nil leaves it to the page's own
	// watermark.
	MessageLog MessageLog
	// Writable reports whether the event log takes writes (nil, or an
	// apperr.StorageFull error); sends fail with it before reaching
	// WhatsApp. nil means always writable.
	Writable func() error
	// WriteFile writes a file atomically through write (which streams it);
	// nil means temp file + fsync + rename + fsync of the folder. Tests
	// inject failures here.
	WriteFile func(path string, write func(io.Writer) error) error
	DataPath  string // session data path; holds IGNORE_<id> folders
	URL       string // WhatsApp Web's URL
	// Defaults is the server's default config: it fills, at each launch,
	// the fields a session does not override; its own unset fields take
	// BuiltinDefaults.
	Defaults Config

	MaxConcurrentLaunches int           // browsers launching at once; default 2
	CloseTimeout          time.Duration // graceful browser close before kill; default 10s
	CallTimeout           time.Duration // bridge calls from the API; default 15s
	Restart               RestartPolicy
	SampleInterval        time.Duration            // resource sampling; default 10s
	RecycleAfter          time.Duration            // recycle browsers WORKING this long; 0 = never
	OnUsage               func(id string, u Usage) // told every resource sample (metrics); may be nil
	// Refresh says when a WORKING session's snapshot is taken again; the
	// zero policy takes it only at link, export and stop.
	Refresh RefreshPolicy
	// OnSnapshot is told every data file written (metrics): the session,
	// the reason (linked, refreshed, stopped, ...), its size and how long
	// the write took. May be nil.
	OnSnapshot func(id, reason string, size int64, took time.Duration)
	Log        zerolog.Logger
	Now        func() time.Time
}

// Manager owns every session of this process: the registry records and one
// suture child supervisor per session under a root "sessions" supervisor.
type Manager struct {
	cfg     ManagerConfig
	log     zerolog.Logger
	root    *suture.Supervisor
	launch  chan struct{} // semaphore bounding concurrent launches
	recycle chan struct{} // at most one session is recycled at a time

	inboxes inboxes // each session page's message events (inbox.go)

	mu       sync.Mutex
	sessions map[string]*sess           // live sessions; a deleted one leaves at once
	locks    map[string]*idLock         // lifecycle locks by id (lifecycle.go)
	graves   map[string]<-chan struct{} // deleted sessions being buried, by id
	burials  sync.WaitGroup             // bury goroutines; Serve waits for them
	serveCtx context.Context            // Serve's; set before serving closes
	serving  chan struct{}              // closed once Serve has registered the stored sessions
}

// NewManager returns a Manager; call Serve to run it.
func NewManager(cfg ManagerConfig) *Manager {
	if cfg.MaxConcurrentLaunches <= 0 {
		cfg.MaxConcurrentLaunches = 2
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = 10 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SampleInterval <= 0 {
		cfg.SampleInterval = 10 * time.Second
	}
	if cfg.WriteFile == nil {
		cfg.WriteFile = writeFileAtomic
	}
	cfg.Restart = cfg.Restart.withDefaults()
	m := &Manager{
		cfg:      cfg,
		log:      cfg.Log,
		launch:   make(chan struct{}, cfg.MaxConcurrentLaunches),
		recycle:  make(chan struct{}, 1),
		sessions: map[string]*sess{},
		locks:    map[string]*idLock{},
		graves:   map[string]<-chan struct{}{},
		serving:  make(chan struct{}),
	}
	m.root = suture.New("sessions", suture.Spec{
		EventHook: func(e suture.Event) { m.log.Warn().Str("suture", e.String()).Msg("supervisor event") },
		Timeout:   m.stopBudget() + 10*time.Second,
	})
	return m
}

func (m *Manager) now() time.Time { return m.cfg.Now().UTC() }

// Serve runs the supervisor tree until ctx ends. At start it launches the
// sessions whose records say they were running (staggered by the launch
// semaphore); when ctx ends every browser is closed gracefully, in parallel,
// each bounded by CloseTimeout. Records keep Running so the next boot
// resumes them.
func (m *Manager) Serve(ctx context.Context) error {
	m.serveCtx = ctx
	errc := m.root.ServeBackground(ctx)
	recs, err := m.cfg.Registry.List(ctx)
	if err != nil {
		m.log.Error().Err(err).Msg("list sessions at boot")
	}
	for _, r := range recs {
		s := m.ensure(r.ID)
		// In a cluster the placement adopts them, on the least loaded nodes.
		if r.Running && m.cfg.Leases == nil {
			s.start(ReasonBoot)
		}
	}
	// Lifecycle calls wait for this, so none races the boot starts above.
	close(m.serving)
	err = <-errc
	m.burials.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Ready reports whether the supervisor tree is serving (readiness probes).
func (m *Manager) Ready() error {
	select {
	case <-m.serving:
		return nil
	default:
		return errors.New("sessions supervisor not started yet")
	}
}

// ensure returns the live state for id, creating it (and its child
// supervisor) when missing. Only code that has just found or created the
// record calls it (boot, Create, ImportData): a session whose record a
// concurrent Delete removed must stay gone.
func (m *Manager) ensure(id string) *sess {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[id]; ok {
		return s
	}
	s := newSess(m, id)
	s.after = m.graves[id] // a deleted namesake's browser closes first
	m.sessions[id] = s
	s.supTok = m.root.Add(s.sup)
	return s
}

// live returns the live state of id, or nil when there is none.
func (m *Manager) live(id string) *sess {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[id]
}

// lookup returns the record and live state of an existing session.
func (m *Manager) lookup(ctx context.Context, id string) (Record, *sess, error) {
	return m.find(ctx, id, false)
}

// lookupLocked is lookup for a caller that holds id's lifecycle lock.
func (m *Manager) lookupLocked(ctx context.Context, id string) (Record, *sess, error) {
	return m.find(ctx, id, true)
}

func (m *Manager) find(ctx context.Context, id string, locked bool) (Record, *sess, error) {
	if err := ValidateID(id); err != nil {
		return Record{}, nil, err
	}
	if err := m.waitServing(ctx); err != nil {
		return Record{}, nil, err
	}
	get := func() (Record, error) {
		rec, err := m.cfg.Registry.Get(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			err = &apperr.Error{Code: apperr.SessionNotFound, Detail: fmt.Sprintf("session %q does not exist", id), Err: err}
		}
		return rec, err
	}
	rec, err := get()
	if err != nil {
		return Record{}, nil, err
	}
	if s := m.live(id); s != nil {
		return rec, s, nil
	}
	// A record without live state: either a concurrent Delete is removing
	// it, or the boot listing missed it. Only under the id's lock can the
	// two be told apart, and only the second may get live state.
	if !locked {
		unlock, err := m.lockID(ctx, id)
		if err != nil {
			return Record{}, nil, err
		}
		defer unlock()
	}
	if rec, err = get(); err != nil {
		return Record{}, nil, err
	}
	return rec, m.ensure(id), nil
}

// view combines a record with live state.
func (m *Manager) view(rec Record, s *sess) View {
	st, reason, errMsg, attempt, hist := s.snapshot()
	return m.clusterView(View{ID: rec.ID, Status: st, Reason: reason, Error: errMsg, Attempt: attempt, History: hist,
		Config: rec.Config, EffectiveConfig: m.effective(rec), Me: rec.Me, Resources: s.resources(m.now()), PhoneOnline: s.phoneOnline(rec), CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt}, s)
}

// Create registers a session with the overrides cfg and, when start is
// true, starts it.
func (m *Manager) Create(ctx context.Context, id string, cfg Config, start bool) (View, error) {
	if err := ValidateID(id); err != nil {
		return View{}, err
	}
	if err := cfg.Validate(); err != nil {
		return View{}, err
	}
	unlock, err := m.lockID(ctx, id)
	if err != nil {
		return View{}, err
	}
	defer unlock()
	now := m.now()
	rec := Record{ID: id, Config: cfg, Running: start, CreatedAt: now, UpdatedAt: now}
	if err := m.cfg.Registry.Create(ctx, rec); err != nil {
		if errors.Is(err, apperr.ErrExists) {
			return View{}, &apperr.Error{Code: apperr.SessionExists, Detail: fmt.Sprintf("session %q already exists", id), Err: err}
		}
		return View{}, err
	}
	s := m.ensure(id)
	if start {
		s.start(ReasonAPI)
	}
	return m.view(rec, s), nil
}

// Get returns one session.
func (m *Manager) Get(ctx context.Context, id string) (View, error) {
	rec, s, err := m.lookup(ctx, id)
	if err != nil {
		return View{}, err
	}
	return m.view(rec, s), nil
}

// List returns every session, sorted by id.
func (m *Manager) List(ctx context.Context) ([]View, error) {
	if err := m.waitServing(ctx); err != nil {
		return nil, err
	}
	recs, err := m.cfg.Registry.List(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	out := make([]View, 0, len(recs))
	for _, r := range recs {
		s := m.live(r.ID)
		if s == nil {
			var err error
			if r, s, err = m.lookup(ctx, r.ID); apperr.CodeOf(err) == apperr.SessionNotFound {
				continue // deleted since the listing
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, m.view(r, s))
	}
	return out, nil
}

// setRunning persists whether a session should run (and so resume at boot).
func (m *Manager) setRunning(ctx context.Context, id string, running bool) (Record, error) {
	return m.cfg.Registry.Update(ctx, id, func(r *Record) error {
		r.Running = running
		return nil
	})
}

// publish sends an event, logging (never returning) a failure.
func (m *Manager) publish(ctx context.Context, id, typ string, data any) {
	if m.cfg.Publisher == nil {
		return
	}
	if s := m.live(id); s != nil && !s.leaseValid() {
		m.log.Debug().Str("session", id).Str("type", typ).Msg("lease not valid: event dropped")
		return
	}
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if err := m.cfg.Publisher.Publish(ctx, id, typ, data); err != nil {
		lvl := zerolog.WarnLevel
		if apperr.CodeOf(err) == apperr.StorageFull {
			lvl = zerolog.DebugLevel // the store logged the fault once
		}
		m.log.WithLevel(lvl).Err(err).Str("session", id).Str("type", typ).Msg("publish event")
	}
}

// WaitStatus blocks until the session reaches one of the statuses or ctx ends;
// it returns the status reached. Tests and the CLI use it.
func (m *Manager) WaitStatus(ctx context.Context, id string, want ...Status) (Status, error) {
	_, s, err := m.lookup(ctx, id)
	if err != nil {
		return "", err
	}
	for {
		ch, st := s.waitChange()
		for _, w := range want {
			if st == w {
				return st, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return st, fmt.Errorf("session %s still %s: %w", id, st, ctx.Err())
		}
	}
}
