package browser

import (
	"iter"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// blockedTypes are the resources a WhatsApp session never needs to render
// for us: images, fonts and media. Blocking them saves renderer memory and
// bandwidth; the page's logic, QR codes included (drawn on a canvas), is
// unaffected. Screenshots lose pictures.
var blockedTypes = []network.ResourceType{network.ResourceTypeImage, network.ResourceTypeFont, network.ResourceTypeMedia}

// blockAssets intercepts the blocked resource types and fails each request.
// The goroutine it starts is owned by the page (p.wg) and ends with the tab.
func (p *Page) blockAssets() error {
	paused := chromedp.Events(p.bctx, fetch.RequestPaused)
	patterns := make([]*fetch.RequestPattern, 0, len(blockedTypes))
	for _, t := range blockedTypes {
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: "*", ResourceType: t})
	}
	if _, err := chromedp.Call(p.bctx, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		return err
	}
	p.wg.Add(1)
	go p.failPaused(paused)
	return nil
}

func (p *Page) failPaused(paused iter.Seq2[fetch.EventRequestPaused, error]) {
	defer p.wg.Done()
	for ev, err := range paused {
		if err != nil {
			return
		}
		_, _ = chromedp.Call(p.bctx, fetch.FailRequest,
			fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
	}
}
