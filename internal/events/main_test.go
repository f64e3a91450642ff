package events_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/eventstest"
	"github.com/go-chi/chi/v5"
	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind: the bus,
// every stream handler and the store must stop everything they start.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// env is a bus on a fresh store, served over loopback HTTP.
type env struct {
	bus *events.Bus
	srv *httptest.Server
}

func newEnv(t testing.TB, bcfg events.BusConfig, hcfg events.HandlersConfig) *env {
	t.Helper()
	st := eventstest.OpenStore(t, "")
	bcfg.JS = st.JetStream()
	bus, err := events.NewBus(context.Background(), bcfg)
	if err != nil {
		t.Fatalf("NewBus: %v", err)
	}
	hcfg.Bus = bus
	r := chi.NewRouter()
	events.NewHandlers(hcfg).Mount(r, eventstest.Wrap)
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		bus.Close() // ends streams, so the server can close
		srv.Close()
	})
	return &env{bus: bus, srv: srv}
}

// publish stores n events of typ for session and returns their ids.
func (e *env) publish(t testing.TB, session, typ string, n int) []uint64 {
	t.Helper()
	ids := make([]uint64, n)
	for i := range n {
		ev, err := e.bus.PublishEvent(context.Background(), session, typ, map[string]int{"i": i})
		if err != nil {
			t.Fatalf("publish: %v", err)
		}
		ids[i] = ev.ID
	}
	return ids
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
