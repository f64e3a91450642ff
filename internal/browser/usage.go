package browser

import (
	"context"
	"fmt"

	"github.com/easy-api/easy-api/internal/session"
)

// Usage samples the resources of the browser's whole process tree. A browser
// that is gone gives an error, which callers treat as "no sample", not as a
// crash (the crash is reported through Done).
func (p *Page) Usage(context.Context) (session.Usage, error) {
	tree := processTree(p.pid)
	if len(tree) == 0 {
		return session.Usage{}, fmt.Errorf("browser process %d is gone", p.pid)
	}
	return session.Usage{PSSBytes: pss(tree), CPUSeconds: cpuSeconds(tree), Processes: len(tree)}, nil
}
