package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/easy-api/easy-api/internal/session"
)

// open starts the browser, installs the bridge and navigates, all bounded by
// ctx and Config.LaunchTimeout. On success the page runs until Close, a
// failure or the end of ctx. On failure nothing is left running.
func (p *Page) open(ctx context.Context, opts []chromedp.ExecAllocatorOption, scripts []string, l *Launcher, bin string) error {
	// The browser must outlive Launch's deadline but die with ctx; run
	// watches ctx and kill ends everything at once.
	base, kill := context.WithCancel(context.WithoutCancel(ctx))
	allocCtx, allocCancel := chromedp.NewExecAllocator(base, opts...)
	bctx, bcancel := chromedp.NewContext(allocCtx, chromedp.WithBrowserOption(
		chromedp.WithBrowserLogf(func(f string, a ...any) { p.log.Debug().Msgf(f, a...) }),
		chromedp.WithBrowserErrorf(func(f string, a ...any) { p.log.Debug().Msgf("cdp: "+f, a...) }),
	))
	p.bctx, p.kill, p.bcancel, p.allocCancel = bctx, kill, bcancel, allocCancel

	lctx, lcancel := context.WithTimeout(ctx, p.cfg.LaunchTimeout)
	defer lcancel()
	stop := context.AfterFunc(lctx, kill)
	err := p.setup(scripts, l, bin)
	if !stop() && lctx.Err() != nil {
		err = fmt.Errorf("launch aborted: %w", context.Cause(lctx))
	}
	if err != nil {
		p.teardown(false, nil)
		return err
	}
	p.wg.Add(2)
	go p.heartbeat()
	go p.acceptDialogs()
	go p.run(ctx)
	return nil
}

// modifyCmd is chromedp's ModifyCmdFunc: it keeps the command, to read its
// exit status later, and sets the process attributes.
func (p *Page) modifyCmd(cmd *exec.Cmd) {
	p.cmd = cmd
	processAttrs(cmd)
}

// setup starts the browser and prepares the tab in DESIGN §4's order.
func (p *Page) setup(scripts []string, l *Launcher, bin string) error {
	if err := chromedp.Do(p.bctx); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	c := chromedp.FromContext(p.bctx)
	p.target = c.Target
	p.lost = c.Browser.LostConnection
	if proc := c.Browser.Process(); proc != nil {
		p.pid = proc.Pid
	}
	if ch, err := chromedp.Detached(p.bctx); err == nil {
		p.detached = ch
	}
	// Subscribe before the binding exists, so that no event is missed.
	bindings := chromedp.Events(p.bctx, runtime.BindingCalled)
	p.wg.Add(1)
	go p.readBindings(bindings)
	if err := chromedp.Listen(p.bctx, p.onEvent); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := l.overrideUA(p.bctx, bin); err != nil {
		return err
	}
	if err := install(p.bctx, scripts); err != nil {
		return err
	}
	if l.cfg.BlockAssets {
		if err := p.blockAssets(); err != nil {
			return fmt.Errorf("block assets: %w", err)
		}
	}
	res, err := chromedp.Call(p.bctx, page.Navigate, page.NavigateParams{URL: p.spec.URL})
	var cerr *cdproto.Error
	switch {
	case errors.As(err, &cerr):
		return fmt.Errorf("%w: navigate to %s: %w", session.ErrLoadFailed, p.spec.URL, err)
	case err != nil:
		return fmt.Errorf("navigate to %s: %w", p.spec.URL, err)
	case res.ErrorText != "":
		return fmt.Errorf("%w: navigate to %s: %s", session.ErrLoadFailed, p.spec.URL, res.ErrorText)
	}
	return nil
}

// run owns the page's end: it waits for the first reason, tears the browser
// down, records Err, then closes done and events.
func (p *Page) run(ctx context.Context) {
	var (
		cause    error
		graceful = true
		lost     bool
		closeCtx context.Context
	)
	select {
	case <-p.lost:
		lost, graceful = true, false
	case err := <-p.fail:
		cause = err
		// A hung renderer would stall Browser.close; kill at once.
		graceful = !errors.Is(err, session.ErrUnresponsive)
	case <-p.detached:
		cause = fmt.Errorf("browser: %w: the page target went away", session.ErrBrowserExited)
	case <-p.closeReq:
		closeCtx = p.closeCtx
	case <-ctx.Done():
	}
	p.teardown(graceful, closeCtx)
	if lost {
		cause = p.exitError()
	}
	p.mu.Lock()
	p.err = cause
	p.mu.Unlock()
	if cause != nil {
		p.log.Warn().Err(cause).Msg("browser ended")
	} else {
		p.log.Debug().Msg("browser closed")
	}
	close(p.done)
	close(p.events)
}

// teardown stops the browser (gracefully first when asked, bounded by
// Config.CloseTimeout and closeCtx), waits until the process is reaped,
// kills any leftover child on the profile and waits for the watchers.
func (p *Page) teardown(graceful bool, closeCtx context.Context) {
	p.teardown1.Do(func() {
		if graceful && p.target != nil {
			tctx, tcancel := context.WithTimeout(p.bctx, p.cfg.CloseTimeout)
			if closeCtx != nil {
				stop := context.AfterFunc(closeCtx, tcancel)
				defer stop()
			}
			if err := chromedp.Cancel(tctx); err != nil {
				p.log.Debug().Err(err).Msg("graceful close")
			}
			// Browser.close can drop the pipe before the process has
			// flushed the profile; give it the rest of the time to exit.
			_ = chromedp.WaitClosed(tctx)
			tcancel()
		}
		p.kill()
		killGroup(p.pid)
		p.bcancel() // returns once the browser process is reaped
		killGroup(p.pid)
		killLeftovers(p.spec.ProfileDir)
		p.allocCancel()
		p.wg.Wait()
	})
}

// exitError describes an unexpected exit; call it after teardown, when the
// process is reaped.
func (p *Page) exitError() error {
	if p.cmd == nil || p.cmd.ProcessState == nil {
		return fmt.Errorf("browser: %w", session.ErrBrowserExited)
	}
	st := p.cmd.ProcessState
	if st.Success() {
		return fmt.Errorf("browser: %w: exit status 0", session.ErrBrowserExited)
	}
	return fmt.Errorf("browser: %w: %w", session.ErrBrowserExited, &exec.ExitError{ProcessState: st})
}

// failWith records the first failure; run acts on it.
func (p *Page) failWith(err error) {
	select {
	case p.fail <- err:
	default:
	}
}

// onEvent runs in chromedp's read loop for every event of the tab: it must
// return at once and send no command.
func (p *Page) onEvent(ev any) {
	switch ev.(type) {
	case *inspector.EventTargetCrashed:
		p.failWith(fmt.Errorf("browser: %w", session.ErrRendererCrashed))
	case *page.EventJavascriptDialogOpening:
		select {
		case p.dialogs <- struct{}{}:
		default:
		}
	}
}

// readBindings drains the binding subscription (which queues without
// limit) into Events until the browser is torn down.
func (p *Page) readBindings(seq iter.Seq2[runtime.EventBindingCalled, error]) {
	defer p.wg.Done()
	for ev, err := range seq {
		if err != nil {
			return
		}
		if ev.Name != bindingName {
			continue
		}
		var pe session.PageEvent
		if err := json.Unmarshal([]byte(ev.Payload), &pe); err != nil || pe.Type == "" {
			p.log.Warn().Str("payload", truncate(ev.Payload, 200)).Msg("bad bridge event")
			continue
		}
		if len(pe.Data) == 0 {
			pe.Data = json.RawMessage("null")
		}
		select {
		case p.events <- pe:
		case <-p.bctx.Done():
			return
		}
	}
}

// heartbeat evaluates a trivial expression every HeartbeatInterval; one
// that takes longer than HeartbeatTimeout means the renderer hangs.
func (p *Page) heartbeat() {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-p.bctx.Done():
			return
		case <-t.C:
		}
		hctx, cancel := context.WithTimeout(p.bctx, p.cfg.HeartbeatTimeout)
		_, err := cdp.Call(hctx, p.target, runtime.Evaluate, runtime.EvaluateParams{Expression: "0", ReturnByValue: new(true)})
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && p.bctx.Err() == nil {
			p.failWith(fmt.Errorf("browser: %w: no answer in %s", session.ErrUnresponsive, p.cfg.HeartbeatTimeout))
			return
		}
	}
}

// acceptDialogs accepts JavaScript dialogs (alert, beforeunload, ...),
// which would otherwise block the page and every call.
func (p *Page) acceptDialogs() {
	defer p.wg.Done()
	for {
		select {
		case <-p.bctx.Done():
			return
		case <-p.dialogs:
		}
		ctx, cancel := context.WithTimeout(p.bctx, 5*time.Second)
		_, err := cdp.Call(ctx, p.target, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		cancel()
		if err != nil {
			p.log.Debug().Err(err).Msg("accept dialog")
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
