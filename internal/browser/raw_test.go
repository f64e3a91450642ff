package browser

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rawPage is a page whose window.WPP holds what the raw call's guard and
// shaping must handle: WhatsApp-like models (fields as __x_<name>, Wids,
// back references), a cycle with no id, a non-function export, inherited
// members, functions that throw, and a namespace off the list.
const rawPage = `<!doctype html><html><head><script nonce="` + fakeNonce + `">
(function () {
  const wid = (s) => ({ server: s.split('@')[1], user: s.split('@')[0], _serialized: s, toString() { return s; } });
  class Model { constructor(f) { for (const k in f) this['__x_' + k] = f[k]; this.collection = null; this._private = 1; } }
  Model.prototype.inherited = function () { return 'no'; };
  const chat = new Model({ id: wid('15551234567@c.us'), name: 'Bob', unreadCount: 2 });
  const msg = new Model({ id: { fromMe: true, remote: wid('15551234567@c.us'), id: 'ABC', _serialized: 'true_15551234567@c.us_ABC' }, body: 'hi', chat });
  chat.__x_msgs = [msg];
  const ns = Object.create({ inheritedFn() { return 'inherited'; } });
  Object.assign(ns, {
    echo: (...a) => a,
    model: () => chat,
    message: () => msg,
    loop: () => { const a = { name: 'a' }; a.self = a; return a; },
    shapes: () => ({ when: new Date(Date.UTC(2026, 0, 2)), n: NaN, big: 12345678901234567890n, set: new Set([1, 2]),
      map: new Map([['k', wid('1@g.us')]]), f() {}, blob: new Blob(['abc'], { type: 'text/plain' }), u: undefined }),
    big: (n) => 'x'.repeat(n),
    nothing: () => undefined,
    typeError: () => { null.x; },
    waError: () => { throw Object.assign(new Error('Chat 1@c.us not found'), { code: 'chat_not_found' }); },
    other: () => { throw Object.assign(new Error('nope'), { code: 'some_wa_code' }); },
    slow: () => new Promise((r) => setTimeout(() => r('late'), 60000)),
    defaults: { waitForAck: true },
  });
  const listeners = {};
  window.WPP = {
    version: 'raw-1', isReady: true, loader: { onReady() {} },
    on(ev, f) { (listeners[ev] = listeners[ev] || []).push(f); },
    conn: { getStreamData: () => ({ mode: 'MAIN', info: 'NORMAL' }), isAuthenticated: () => true, isRegistered: () => true,
      isIdle: () => false, isMultiDevice: () => true, needsUpdate: () => false, setKeepAlive: (x) => x,
      getMyUserId: () => wid('15550000000@c.us') },
    profile: { getMyProfileName: () => 'Tester' },
    chat: ns,
    evil: { run: () => { window.__ran = true; return 'ran'; } },
  };
})();
</script></head><body>raw</body></html>`

func rawServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+fakeNonce+"'; object-src 'none'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(rawPage))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRawCallGuardAndShape drives the bridge's raw call (raw.ts) in
// Chromium: only own functions of listed namespaces run, and results come
// back as plain JSON shaped like the typed calls' models.
func TestRawCallGuardAndShape(t *testing.T) {
	p, _ := launch(t, testConfig(t), rawServer(t).URL+"/")
	waitState(t, p, "ready")
	raw := func(fn string, args ...any) (json.RawMessage, error) {
		ctx, cancel := context.WithTimeout(t.Context(), pageDeadline)
		defer cancel()
		if args == nil {
			args = []any{}
		}
		var out struct {
			Result json.RawMessage `json:"result"`
		}
		err := p.Call(ctx, "wpp", map[string]any{"function": fn, "args": args, "max_bytes": 1000}, &out)
		return out.Result, err
	}

	t.Run("results", func(t *testing.T) {
		for _, c := range []struct {
			fn   string
			args []any
			want string
		}{
			{"chat.echo", []any{"a", 1.5, map[string]any{"k": []any{true, nil}}}, `["a",1.5,{"k":[true,null]}]`},
			{"chat.model", nil, `{"id":"15551234567@c.us","msgs":[{"body":"hi","chat":"15551234567@c.us","collection":null,"id":"true_15551234567@c.us_ABC"}],"name":"Bob","unreadCount":2,"collection":null}`},
			{"chat.message", nil, `{"id":"true_15551234567@c.us_ABC","body":"hi","chat":{"id":"15551234567@c.us","name":"Bob","unreadCount":2,"collection":null,"msgs":["true_15551234567@c.us_ABC"]},"collection":null}`},
			{"chat.shapes", nil, `{"when":"2026-01-02T00:00:00.000Z","n":null,"big":"12345678901234567890","set":[1,2],"map":{"k":"1@g.us"},"blob":{"type":"text/plain","size":3},"u":null}`},
			{"chat.nothing", nil, `null`},
			{"conn.getMyUserId", nil, `"15550000000@c.us"`},
		} {
			got, err := raw(c.fn, c.args...)
			if err != nil {
				t.Errorf("%s: %v", c.fn, err)
				continue
			}
			var g, w any
			_ = json.Unmarshal(got, &g)
			_ = json.Unmarshal([]byte(c.want), &w)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("%s (-want +got):\n%s\n%s", c.fn, diff, got)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			fn   string
			args []any
			want string // the start of the page's message
		}{
			{"chat.defaults", nil, "wa:wpp_function_not_found: "},
			{"chat.inheritedFn", nil, "wa:wpp_function_not_found: "},
			{"chat.constructor", nil, "wa:wpp_function_not_found: "},
			{"chat.hasOwnProperty", nil, "wa:wpp_function_not_found: "},
			{"chat.missing", nil, "wa:wpp_function_not_found: "},
			{"group.list", nil, "wa:wpp_function_not_found: "},
			{"evil.run", nil, "wa:invalid_function: "},
			{"chat.__proto__", nil, "wa:invalid_function: "},
			{"window.eval", nil, "wa:invalid_function: "},
			{"chat.loop", nil, "wa:wpp_result_not_json: the result refers back to itself at self"},
			{"chat.big", []any{2000}, "wa:wpp_result_too_large: "},
			{"chat.typeError", nil, "wa:wpp_call_failed: chat.typeError threw: "},
			{"chat.waError", nil, "not_found: chat_not_found: Chat 1@c.us not found"},
			{"chat.other", nil, "wa:some_wa_code: nope"},
		} {
			_, err := raw(c.fn, c.args...)
			ce, ok := errors.AsType[*CallError](err)
			if !ok || !strings.HasPrefix(ce.Message, c.want) {
				t.Errorf("%s: %v, want a refusal starting %q", c.fn, err, c.want)
			}
		}
		var ran bool
		evalJSON(t, p, `window.__ran === true`, &ran)
		if ran {
			t.Error("a refused call ran")
		}
	})
}
