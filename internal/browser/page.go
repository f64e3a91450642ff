package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/session"
)

// eventBuffer is how many bridge events wait for a slow reader of Events
// before the reader goroutine stops taking more from chromedp's (unbounded)
// queue; the chromedp read loop itself never blocks.
const eventBuffer = 256

// Page is one running browser with WhatsApp Web loaded and the bridge
// injected. It implements session.Page; all methods are safe for concurrent
// use. Besides the interface it has hooks for tests and operators
// (CrashRenderer, Eval, ProcessTree, MemoryPSS).
type Page struct {
	cfg  Config
	spec session.LaunchSpec
	log  zerolog.Logger

	// Set during launch, read-only once Launch returned.
	bctx        context.Context    // chromedp context of the tab; ends at teardown
	kill        context.CancelFunc // ends bctx at once: chromedp SIGKILLs the browser
	bcancel     context.CancelFunc // chromedp's cancel: also waits for the process to be reaped
	allocCancel context.CancelFunc
	target      *chromedp.Target
	lost        <-chan struct{} // the CDP pipe closed: the browser is exiting
	detached    <-chan struct{} // the tab's target went away
	pid         int
	cmd         *exec.Cmd // set by chromedp (ModifyCmdFunc) while starting

	events    chan session.PageEvent // closed after done
	fail      chan error             // the first failure a watcher saw
	dialogs   chan struct{}          // a JavaScript dialog opened
	closeReq  chan struct{}
	closeOnce sync.Once
	closeCtx  context.Context // of the first Close; read after closeReq
	done      chan struct{}
	wg        sync.WaitGroup // the watcher goroutines
	teardown1 sync.Once

	mu  sync.Mutex
	err error
}

var _ session.Page = (*Page)(nil)

func newPage(cfg Config, spec session.LaunchSpec, log zerolog.Logger) *Page {
	return &Page{
		cfg: cfg, spec: spec, log: log,
		events:   make(chan session.PageEvent, eventBuffer),
		fail:     make(chan error, 1),
		dialogs:  make(chan struct{}, 1),
		closeReq: make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// Events delivers bridge events in page order. It is closed after Done.
func (p *Page) Events() <-chan session.PageEvent { return p.events }

// Done is closed once the browser process (and its children) are gone.
func (p *Page) Done() <-chan struct{} { return p.done }

// Err says why Done closed: nil after Close or the end of the launch
// context, else an error wrapping session.ErrBrowserExited (with the
// *exec.ExitError when known), session.ErrRendererCrashed or
// session.ErrUnresponsive. It is nil while the page runs.
func (p *Page) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// PID is the browser process id (0 when unknown).
func (p *Page) PID() int { return p.pid }

// Close closes the browser gracefully (CDP Browser.close, then waits for the
// process to exit so that the profile lock can be released), killing it when
// ctx ends or Config.CloseTimeout passes first. It returns once every
// process of the browser is gone. It is safe to call more than once and
// after the page failed; it always returns nil.
func (p *Page) Close(ctx context.Context) error {
	p.closeOnce.Do(func() {
		p.closeCtx = ctx
		close(p.closeReq)
	})
	select {
	case <-p.done:
	case <-ctx.Done():
		p.kill()
		<-p.done
	}
	return nil
}

// CallError is a bridge call the page rejected. Message is the page's
// error message, meant for the API client.
type CallError struct {
	Method  string
	Message string
}

// Error implements error: the method and the page's message.
func (e *CallError) Error() string { return e.Method + ": " + e.Message }

// Is reports that a page rejection with the bridge's "not_found: " prefix
// matches session.ErrNotInPage.
func (e *CallError) Is(target error) bool {
	return target == session.ErrNotInPage && strings.HasPrefix(e.Message, "not_found: ")
}

// Call runs window.__easy.call(method, args) and decodes the JSON result
// into result (which may be nil). A rejection in the page gives a
// *CallError; ctx's deadline passing gives an error wrapping
// session.ErrCallTimeout.
func (p *Page) Call(ctx context.Context, method string, args, result any) error {
	expr, err := callExpr(method, args)
	if err != nil {
		return fmt.Errorf("browser: call %s: %w", method, err)
	}
	res, err := p.evaluate(ctx, expr, true)
	if err != nil {
		return p.opError(ctx, "call "+method, err)
	}
	var reply struct {
		OK    bool            `json:"ok"`
		Value json.RawMessage `json:"value"`
		Error string          `json:"error"`
	}
	if err := json.Unmarshal(res.Value, &reply); err != nil {
		return fmt.Errorf("browser: call %s: decode reply: %w", method, err)
	}
	if !reply.OK {
		return &CallError{Method: method, Message: reply.Error}
	}
	if result != nil && len(reply.Value) > 0 {
		if err := json.Unmarshal(reply.Value, result); err != nil {
			return fmt.Errorf("browser: call %s: decode result: %w", method, err)
		}
	}
	return nil
}

// callJS wraps a bridge call so that the reply is always an envelope; a
// page without the bridge (yet) answers instead of throwing.
const callJS = `(async (name, args) => {
  const easy = window.__easy;
  if (!easy) return {ok: false, error: "bridge not loaded"};
  try { return {ok: true, value: await easy.call(name, args)}; }
  catch (e) { return {ok: false, error: String(e && e.message !== undefined ? e.message : e)}; }
})(%s, %s)`

func callExpr(method string, args any) (string, error) {
	m, err := json.Marshal(method)
	if err != nil {
		return "", err
	}
	a, err := json.Marshal(args)
	if err != nil {
		return "", fmt.Errorf("encode args: %w", err)
	}
	return fmt.Sprintf(callJS, m, a), nil
}

// Screenshot returns a PNG of the page.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	c, cancel := p.opCtx(ctx)
	defer cancel()
	res, err := cdp.Call(c, p.target, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
	if err != nil {
		return nil, p.opError(ctx, "screenshot", err)
	}
	return res.Data, nil
}

// Eval evaluates expr in the page's main world without awaiting a promise
// and reports a thrown exception as an error. It is a hook for tests and
// operators (e.g. `setTimeout(() => { while (true) {} })` hangs the page).
func (p *Page) Eval(ctx context.Context, expr string) error {
	if _, err := p.evaluate(ctx, expr, false); err != nil {
		return p.opError(ctx, "eval", err)
	}
	return nil
}

// CrashRenderer crashes the page's renderer (CDP Page.crash), as a hook for
// tests and operators; the page then ends with session.ErrRendererCrashed.
func (p *Page) CrashRenderer(ctx context.Context) error {
	c, cancel := p.opCtx(ctx)
	defer cancel()
	// The renderer dies before it can answer, so do not wait for a reply
	// longer than it takes to send the command.
	c, cancel2 := context.WithTimeout(c, 500*time.Millisecond)
	defer cancel2()
	_, err := cdp.Call(c, p.target, page.Crash, cdp.Empty{})
	if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, chromedp.ErrTargetDetached) {
		return fmt.Errorf("browser: crash renderer: %w", err)
	}
	return nil
}

// ProcessTree returns the pids of the browser and all its descendants
// (renderer, zygotes, utilities); empty once the browser is gone.
func (p *Page) ProcessTree() []int { return processTree(p.pid) }

// MemoryPSS returns the proportional set size, in bytes, of the browser's
// whole process tree: its fair share of the machine's memory.
func (p *Page) MemoryPSS() int64 { return pss(processTree(p.pid)) }

// evaluate runs Runtime.evaluate in the tab, returning the value (by value).
func (p *Page) evaluate(ctx context.Context, expr string, await bool) (*runtime.RemoteObject, error) {
	c, cancel := p.opCtx(ctx)
	defer cancel()
	params := runtime.EvaluateParams{Expression: expr, ReturnByValue: new(true)}
	if await {
		params.AwaitPromise = new(true)
	}
	res, err := cdp.Call(c, p.target, runtime.Evaluate, params)
	if err != nil {
		return nil, err
	}
	if res.ExceptionDetails != nil {
		return nil, &chromedp.ExceptionError{ExceptionDetails: res.ExceptionDetails}
	}
	return res.Result, nil
}

// opCtx is ctx, also ended when the browser is torn down, so that no
// operation outlives the page.
func (p *Page) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.bctx, cancel)
	return c, func() {
		stop()
		cancel()
	}
}

// opError wraps the error of an operation on the page: a passed deadline
// wraps session.ErrCallTimeout, a page torn down or detached during the
// operation wraps session.ErrPageGone.
func (p *Page) opError(ctx context.Context, op string, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("browser: %s: %w: %w", op, session.ErrCallTimeout, ctx.Err())
	case ctx.Err() == nil && p.bctx.Err() != nil:
		return fmt.Errorf("browser: %s: %w: page closed: %w", op, session.ErrPageGone, err)
	case errors.Is(err, chromedp.ErrTargetDetached):
		// The renderer crashed or the tab closed while the call ran.
		return fmt.Errorf("browser: %s: %w: %w", op, session.ErrPageGone, err)
	default:
		return fmt.Errorf("browser: %s: %w", op, err)
	}
}
