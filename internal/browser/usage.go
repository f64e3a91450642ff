package browser

import (
	"context"
	"fmt"

	"github.com/easy-api/easy-api/internal/session"
)

// clockTicks is the kernel's USER_HZ, the unit of CPU times in /proc (100
// on every Linux architecture Chromium runs on).
const clockTicks = 100

// Usage samples the resources of the browser's whole process tree. A browser
// that is gone gives an error, which callers treat as "no sample", not as a
// crash (the crash is reported through Done).
func (p *Page) Usage(context.Context) (session.Usage, error) {
	tree := processTree(p.pid)
	if len(tree) == 0 {
		return session.Usage{}, fmt.Errorf("browser process %d is gone", p.pid)
	}
	var ticks int64
	for _, pid := range tree {
		if st, ok := readStat(pid); ok {
			ticks += st.cpuTicks
		}
	}
	return session.Usage{PSSBytes: pss(tree), CPUSeconds: float64(ticks) / clockTicks, Processes: len(tree)}, nil
}
