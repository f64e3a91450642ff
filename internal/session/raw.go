package session

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/easy-api/easy-api/internal/apperr"
)

// The raw call: any function of the public WPP namespaces by name, with
// JSON arguments, for what the typed API does not cover yet. It is
// unstable by nature (wa-js's functions change with WhatsApp Web) and
// bounded like every call: RawMaxArgsBytes of arguments, a timeout, and
// RawMaxResultBytes of result. It is never an eval: the bridge (raw.ts)
// calls only an own function property of an allow-listed namespace, and
// this side refuses every other name before the page sees it.

// RawNamespaces are the WPP namespaces the raw call reaches.
var RawNamespaces = []string{"chat", "contact", "group", "labels", "status", "newsletter", "community",
	"profile", "blocklist", "call", "conn", "privacy"}

// rawNameRe is the shape of a raw call's function name.
var rawNameRe = regexp.MustCompile(`^[a-z]+\.[A-Za-z0-9]+$`)

// rawForbidden are members every object has through its prototype: never
// functions of a namespace, whatever a page defines.
var rawForbidden = []string{"constructor", "prototype", "toString", "valueOf", "toLocaleString", "hasOwnProperty",
	"isPrototypeOf", "propertyIsEnumerable"}

// Bounds of the raw call.
const (
	RawMaxArgs        = 16
	RawMaxArgsBytes   = 256 << 10
	RawMaxResultBytes = 4 << 20
	RawMaxTimeout     = 2 * time.Minute
)

// RawCall is one raw call: Function ("namespace.member"), its JSON
// arguments, and a timeout (0: the server's call timeout).
type RawCall struct {
	Function string
	Args     []json.RawMessage
	Timeout  time.Duration
}

// ValidateRawCall checks a raw call's name and arguments, naming the
// body's field.
func ValidateRawCall(c RawCall) error {
	if !rawNameRe.MatchString(c.Function) {
		return apperr.Field("function", "%q must match %s (namespace.function)", truncate(c.Function, 60), rawNameRe)
	}
	ns, member, _ := strings.Cut(c.Function, ".")
	if !slices.Contains(RawNamespaces, ns) {
		return apperr.Field("function", "namespace %q is not one the raw call reaches (%s)", ns, strings.Join(RawNamespaces, ", "))
	}
	if slices.Contains(rawForbidden, member) {
		return &apperr.Error{Code: apperr.WPPFunctionNotFound, Field: "function",
			Detail: fmt.Sprintf("function: %s is not a function of WPP", c.Function)}
	}
	if len(c.Args) > RawMaxArgs {
		return apperr.Field("args", "has %d arguments; at most %d", len(c.Args), RawMaxArgs)
	}
	size := 0
	for i, a := range c.Args {
		if !json.Valid(a) {
			return apperr.Field(fmt.Sprintf("args[%d]", i), "is not JSON")
		}
		size += len(a)
	}
	if size > RawMaxArgsBytes {
		return &apperr.Error{Code: apperr.TooLarge, Field: "args",
			Detail: fmt.Sprintf("args: %d bytes of arguments; at most %d", size, RawMaxArgsBytes)}
	}
	if c.Timeout < 0 || c.Timeout > RawMaxTimeout {
		return apperr.Field("timeout_ms", "must be from 0 (the server's call timeout) to %d", RawMaxTimeout.Milliseconds())
	}
	return nil
}

// CallWPP runs a raw call in a WORKING session and returns its result as
// JSON (null for a function that returns nothing).
func (m *Manager) CallWPP(ctx context.Context, id string, c RawCall) (json.RawMessage, error) {
	if err := ValidateRawCall(c); err != nil {
		return nil, err
	}
	page, err := m.workingPage(ctx, id, "a raw call")
	if err != nil {
		return nil, err
	}
	args := c.Args
	if args == nil {
		args = []json.RawMessage{}
	}
	var out struct {
		Result json.RawMessage `json:"result"`
	}
	err = m.callWithin(ctx, cmp.Or(c.Timeout, m.cfg.CallTimeout), page, "wpp",
		map[string]any{"function": c.Function, "args": args, "max_bytes": RawMaxResultBytes}, &out)
	if err != nil {
		return nil, rawRefusal(c.Function, err)
	}
	if len(out.Result) > RawMaxResultBytes {
		return nil, apperr.E(apperr.WPPResultTooLarge, "the result of %s is %d bytes of JSON; the limit is %d", c.Function, len(out.Result), RawMaxResultBytes)
	}
	if len(out.Result) == 0 {
		out.Result = json.RawMessage("null")
	}
	return out.Result, nil
}

// rawCodes map the bridge's raw-call refusals (raw.ts) to the API's codes.
var rawCodes = map[string]apperr.Code{
	"wpp_function_not_found": apperr.WPPFunctionNotFound,
	"wpp_result_not_json":    apperr.WPPResultNotJSON,
	"wpp_result_too_large":   apperr.WPPResultTooLarge,
	"wpp_call_failed":        apperr.WPPCallFailed,
	"invalid_function":       apperr.Invalid,
}

// rawRefusal maps a failed raw call: the guard's own codes first, then
// wa-js's refusals as every call maps them; what WhatsApp Web refused
// for any other reason is the caller's arguments' doing, a 422.
func rawRefusal(function string, err error) error {
	code := waCode(err)
	if c, ok := rawCodes[code]; ok {
		detail := err.Error()
		if i := strings.Index(detail, "wa:"+code+": "); i >= 0 {
			detail = detail[i+len(code)+5:]
		}
		e := &apperr.Error{Code: c, Detail: detail, Err: err}
		if c == apperr.Invalid || c == apperr.WPPFunctionNotFound {
			e.Field, e.Detail = "function", "function: "+detail
		}
		return e
	}
	mapped := err
	if code != "" || errors.Is(err, ErrNotInPage) {
		mapped = pageRefusal(err)
	}
	if e, ok := errors.AsType[*apperr.Error](mapped); ok && e.Code == apperr.Unavailable && code != "" {
		return apperr.Wrap(err, apperr.WPPCallFailed, "%s refused: %s", function, e.Detail)
	}
	return mapped
}
