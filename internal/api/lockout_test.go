package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
)

// lockoutServer is a bare API server (admin key, /metrics behind it) whose
// failure limiter runs on the caller's clock: build it inside a synctest
// bubble to move time across the limiter's window.
func lockoutServer(limit int) *api.Server {
	return api.New(api.Config{Version: "test", Log: zerolog.Nop(), AdminKey: adminKey, AuthFailures: limit,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "up 1\n") })})
}

// status sends GET /metrics with key from one client address.
func status(h http.Handler, key string) int {
	r := httptest.NewRequest("GET", "/metrics", nil)
	r.RemoteAddr = "203.0.113.5:4000"
	r.Header.Set("X-Api-Key", key)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// TestLockoutHoldsAcrossTheWindowEdge: the limiter's rate is a sliding
// window, so a minute after the failures it decays through the limit. At
// every instant of that edge the right key must be refused exactly when a
// wrong key is: otherwise a locked-out client learns which guess was right.
func TestLockoutHoldsAcrossTheWindowEdge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 20
		s := lockoutServer(limit)
		for i := range limit {
			if got := status(s, "guess"); got != 401 {
				t.Fatalf("guess %d: %d, want 401", i+1, got)
			}
		}
		if got := status(s, adminKey); got != 429 {
			t.Fatalf("right key after %d failures: %d, want 429", limit, got)
		}
		// Into the next window, where the rate decays from 20 through 19.5.
		time.Sleep(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)))
		checked := 0
		for step := range 40 {
			right, wrong := status(s, adminKey), status(s, "guess")
			if (right == 429) != (wrong == 429) {
				t.Fatalf("%v into the window: right key %d, wrong key %d", time.Duration(step)*100*time.Millisecond, right, wrong)
			}
			if wrong == 401 {
				checked++
			}
			time.Sleep(100 * time.Millisecond)
		}
		// 4 s of a 20-a-minute budget: one guess, maybe two, are checked.
		if checked < 1 || checked > 2 {
			t.Errorf("%d guesses checked in 4 s past the window, want 1 or 2", checked)
		}
	})
}

// TestLockoutUnderConcurrentGuesses hammers wrong keys from many goroutines
// across the limit and the window edge while others present the right
// key: no more guesses than the limit are checked at once, and a right key
// presented after a guess was refused (at the same instant) is refused too.
func TestLockoutUnderConcurrentGuesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 20
		s := lockoutServer(limit)
		var (
			refusedAt  atomic.Int64 // fake time of the last 429 to a wrong key
			checked    atomic.Int64 // 401s
			rightOK    atomic.Int64
			wg         sync.WaitGroup
			start      = time.Now()
			hammerTime = 65 * time.Second
		)
		for range 8 {
			wg.Go(func() {
				for time.Since(start) < hammerTime {
					switch status(s, "guess") {
					case 401:
						checked.Add(1)
					case 429:
						refusedAt.Store(time.Now().UnixNano())
					}
					time.Sleep(50 * time.Millisecond)
				}
			})
		}
		for range 4 {
			wg.Go(func() {
				for time.Since(start) < hammerTime {
					now := time.Now().UnixNano()
					seen := refusedAt.Load() == now
					got := status(s, adminKey)
					if seen && got < 300 {
						t.Errorf("%v: right key answered %d after a guess was refused", time.Since(start), got)
					}
					if got == 200 {
						rightOK.Add(1)
					}
					time.Sleep(50 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		// The first window allows limit guesses; the next one's sliding
		// rate trickles about limit*5/60 more in its first 5 s.
		if n := checked.Load(); n < limit || n > limit+limit*5/60+1 {
			t.Errorf("%d guesses checked in %v, want %d to %d", n, hammerTime, limit, limit+limit*5/60+1)
		}
		if rightOK.Load() == 0 {
			t.Error("the right key never got through, not even before the lockout")
		}
	})
}
