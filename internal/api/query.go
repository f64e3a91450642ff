package api

import (
	"net/url"
	"strconv"

	"github.com/easy-api/easy-api/internal/apperr"
)

// queryLimit reads the query's limit: def when it is absent, else a whole
// number from 1 to most.
func queryLimit(q url.Values, def, most int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, apperr.Field("limit", "must be a whole number from 1 to %d", most)
	}
	return n, nil
}

// queryBool reads the boolean query parameter name: def when it is absent.
func queryBool(q url.Values, name string, def bool) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, apperr.Field(name, "must be true or false")
	}
	return b, nil
}
