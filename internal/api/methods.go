package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
)

// routeMethods maps each route pattern of the router to the methods it
// serves, for the Allow header of a 405 (RFC 9110 asks for it). chi knows
// the methods at that point but keeps them from a custom 405 handler.
type routeMethods map[string][]string

func newRouteMethods(r chi.Routes) routeMethods {
	rm := routeMethods{}
	_ = chi.Walk(r, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		p := strings.TrimSuffix(pattern, "/")
		if !slices.Contains(rm[p], method) {
			rm[p] = append(rm[p], method)
		}
		return nil
	})
	return rm
}

// allowed lists the methods of the most specific pattern matching path
// (literal segments beat parameters, as in chi's tree).
func (rm routeMethods) allowed(path string) []string {
	var best []string
	bestScore := -1
	for pattern, methods := range rm {
		if score, ok := matchPattern(pattern, path); ok && score >= bestScore {
			if score > bestScore {
				best = nil
			}
			bestScore = score
			for _, m := range methods {
				if !slices.Contains(best, m) {
					best = append(best, m)
				}
			}
		}
	}
	slices.Sort(best)
	return best
}

// matchPattern matches a chi pattern ("/v1/sessions/{id}/qr", a trailing
// "*" for the rest) against a path and counts its literal segments.
func matchPattern(pattern, path string) (int, bool) {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	literal := 0
	for i, seg := range ps {
		switch {
		case seg == "*":
			return literal, true
		case i >= len(xs):
			return 0, false
		case strings.HasPrefix(seg, "{"):
			if xs[i] == "" {
				return 0, false
			}
		case seg != xs[i]:
			return 0, false
		default:
			literal++
		}
	}
	return literal, len(ps) == len(xs)
}
