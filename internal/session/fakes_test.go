package session

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"

	"github.com/easy-api/easy-api/internal/apperr"
)

// memRegistry is an in-memory Registry for unit tests.
type memRegistry struct {
	mu   sync.Mutex
	recs map[string]Record
}

func newMemRegistry() *memRegistry { return &memRegistry{recs: map[string]Record{}} }

func (r *memRegistry) List(context.Context) ([]Record, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Record, 0, len(r.recs))
	for _, v := range r.recs {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (r *memRegistry) Get(_ context.Context, id string) (Record, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.recs[id]
	if !ok {
		return Record{}, apperr.ErrNotFound
	}
	return v, nil
}

func (r *memRegistry) Create(_ context.Context, rec Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.recs[rec.ID]; ok {
		return apperr.ErrExists
	}
	r.recs[rec.ID] = rec
	return nil
}

func (r *memRegistry) Update(_ context.Context, id string, fn func(*Record) error) (Record, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.recs[id]
	if !ok {
		return Record{}, apperr.ErrNotFound
	}
	if err := fn(&v); err != nil {
		return Record{}, err
	}
	r.recs[id] = v
	return v, nil
}

func (r *memRegistry) Delete(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.recs, id)
	return nil
}

// fakeLauncher hands out fakePages and lets the test drive them.
type fakeLauncher struct {
	LaunchFn  func(LaunchSpec) error
	CloseGate <-chan struct{} // given to every page (see fakePage)
	pages     chan *fakePage
}

func newFakeLauncher() *fakeLauncher { return &fakeLauncher{pages: make(chan *fakePage, 16)} }

func (l *fakeLauncher) Launch(_ context.Context, spec LaunchSpec) (Page, error) {
	if l.LaunchFn != nil {
		if err := l.LaunchFn(spec); err != nil {
			return nil, err
		}
	}
	p := newFakePage(spec)
	p.closeGate = l.CloseGate
	l.pages <- p
	return p, nil
}

func newFakePage(spec LaunchSpec) *fakePage {
	return &fakePage{spec: spec, events: make(chan PageEvent, 64), done: make(chan struct{}), calls: make(chan string, 64)}
}

// fakePage is a Page whose events the test emits.
type fakePage struct {
	spec   LaunchSpec
	events chan PageEvent
	done   chan struct{}
	calls  chan string

	mu       sync.Mutex
	err      error
	closed   bool
	usage    Usage
	usageErr error
	CallFn   func(method string, args any) (any, error)
	// closeGate, when set, holds Close until it is closed (a slow graceful
	// close); onClose is told once when the page ends.
	closeGate <-chan struct{}
	onClose   func()
}

func (p *fakePage) emit(typ string, data any) {
	b, _ := json.Marshal(data)
	p.events <- PageEvent{Type: typ, Data: b}
}

// crash ends the page with err.
func (p *fakePage) crash(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed, p.err = true, err
		close(p.done)
		if p.onClose != nil {
			p.onClose()
		}
	}
}

func (p *fakePage) Events() <-chan PageEvent { return p.events }
func (p *fakePage) Done() <-chan struct{}    { return p.done }
func (p *fakePage) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}
func (p *fakePage) Call(_ context.Context, method string, args, result any) error {
	p.calls <- method
	if p.CallFn == nil {
		return nil
	}
	v, err := p.CallFn(method, args)
	if err != nil {
		return err
	}
	if result != nil {
		b, _ := json.Marshal(v)
		return json.Unmarshal(b, result)
	}
	return nil
}
func (p *fakePage) Screenshot(context.Context) ([]byte, error) { return []byte("png"), nil }
func (p *fakePage) Close(ctx context.Context) error {
	if p.closeGate != nil {
		select {
		case <-p.closeGate:
		case <-ctx.Done(): // killed after the close timeout
		}
	}
	p.crash(nil)
	return nil
}
func (p *fakePage) PID() int { return 0 }
func (p *fakePage) Usage(context.Context) (Usage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.usage, p.usageErr
}

// setUsage sets what the next samples report.
func (p *fakePage) setUsage(u Usage) {
	p.mu.Lock()
	p.usage = u
	p.mu.Unlock()
}

var errBoom = errors.New("boom")

// recorder is a Publisher that keeps events for assertions.
type recorder struct {
	mu     sync.Mutex
	events []recorded
	ch     chan recorded
}

type recorded struct {
	Session, Type string
	Data          any
}

func newRecorder() *recorder { return &recorder{ch: make(chan recorded, 1024)} }

func (r *recorder) Publish(_ context.Context, session, typ string, data any) error {
	ev := recorded{session, typ, data}
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	r.ch <- ev
	return nil
}
