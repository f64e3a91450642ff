package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// router is a small chi router shaped like the API's.
func router(use func(http.Handler) http.Handler) chi.Router {
	r := chi.NewRouter()
	if use != nil {
		r.Use(use)
	}
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	r.Route("/v1/sessions", func(r chi.Router) {
		r.Route("/{id}", func(r chi.Router) {
			r.Get("/", func(http.ResponseWriter, *http.Request) {})
			r.Post("/start", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusConflict) })
		})
	})
	return r
}

func TestHTTPLabels(t *testing.T) {
	type req struct{ method, path string }
	reqs := []req{
		{"GET", "/healthz"},
		{"GET", "/v1/sessions/alice"},
		{"GET", "/v1/sessions/bob"},
		{"POST", "/v1/sessions/alice/start"},
		{"GET", "/nothing/here"},
		{"BREW", "/healthz"},
	}
	want := []struct {
		route, method, status string
		n                     float64
	}{
		{"/healthz", "GET", "200", 1},
		{"/v1/sessions/{id}", "GET", "200", 2}, // ids never become labels
		{"/v1/sessions/{id}/start", "POST", "409", 1},
		{unmatchedRoute, "GET", "404", 1},
		{unmatchedRoute, "OTHER", "405", 1}, // chi leaves no pattern for a 405
	}
	for name, build := range map[string]func(m *Metrics) http.Handler{
		"as chi middleware": func(m *Metrics) http.Handler { return router(m.HTTP) },
		"around the router": func(m *Metrics) http.Handler { return m.HTTP(router(nil)) },
	} {
		t.Run(name, func(t *testing.T) {
			m, c := newTestMetrics()
			h := build(m)
			for _, q := range reqs {
				c.advance(10 * time.Millisecond)
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(q.method, q.path, nil))
			}
			for _, w := range want {
				if got := testutil.ToFloat64(m.httpRequests.WithLabelValues(w.route, w.method, w.status)); got != w.n {
					t.Errorf("requests{%s %s %s} = %v, want %v", w.route, w.method, w.status, got, w.n)
				}
			}
			if n := testutil.CollectAndCount(m.httpRequests); n != len(want) {
				t.Errorf("%d request series, want %d (route patterns, not paths)", n, len(want))
			}
			if n := testutil.CollectAndCount(m.httpSeconds); n != len(want) {
				t.Errorf("%d latency series, want %d", n, len(want))
			}
		})
	}
}

func TestHTTPWebSocketUpgrade(t *testing.T) {
	m, _ := newTestMetrics()
	r := chi.NewRouter()
	// httptest's Close does not wait for hijacked connections, so an outer
	// middleware says when m.HTTP has returned (and recorded the request).
	recorded := make(chan struct{})
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			close(recorded)
		})
	})
	r.Use(m.HTTP)
	r.Get("/v1/ws", func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	select {
	case <-recorded:
	case <-time.After(10 * time.Second):
		t.Fatal("the upgrade request never finished")
	}
	if got := testutil.ToFloat64(m.httpRequests.WithLabelValues("/v1/ws", "GET", "101")); got != 1 {
		t.Errorf("requests{/v1/ws GET 101} = %v, want 1", got)
	}
}

func TestStreamsAndWebhooks(t *testing.T) {
	m, _ := newTestMetrics()
	m.IncStreamClients(StreamWS)
	m.IncStreamClients(StreamWS)
	m.IncStreamClients(StreamSSE)
	m.DecStreamClients(StreamWS)
	m.ObserveWebhookDelivery(WebhookDelivered, 120*time.Millisecond)
	m.ObserveWebhookDelivery(WebhookRetrying, 2*time.Second)
	m.ObserveWebhookDelivery(WebhookDelivered, 80*time.Millisecond)

	for kind, want := range map[string]float64{StreamWS: 1, StreamSSE: 1} {
		if got := testutil.ToFloat64(m.streamClients.WithLabelValues(kind)); got != want {
			t.Errorf("stream clients{%s} = %v, want %v", kind, got, want)
		}
	}
	for result, want := range map[string]float64{WebhookDelivered: 2, WebhookRetrying: 1, WebhookDead: 0} {
		if got := testutil.ToFloat64(m.webhookDeliveries.WithLabelValues(result)); got != want {
			t.Errorf("webhook deliveries{%s} = %v, want %v", result, got, want)
		}
	}
	if n, sum := histogram(t, m, "easy_api_webhook_delivery_seconds"); n != 3 || sum < 2.19 || sum > 2.21 {
		t.Errorf("delivery latency: %d samples, sum %v; want 3 summing 2.2s", n, sum)
	}
}
