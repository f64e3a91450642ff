// bridge.ts — easy-api's page bridge (window.__easy). See docs/bridge.md.
//
// Injected with Page.addScriptToEvaluateOnNewDocument after the wa-js
// bundle, so it runs at document start, before any page script, in the top
// frame only. It talks to window.WPP only (typed as WPPSubset: wa-js's own
// declarations cut down to what USED lists) and reports to Go through the
// CDP binding __easyEmit with JSON strings {type, data}. Go calls
// window.__easy.call(name, args), which returns a promise of a
// JSON-serialisable value or rejects with an Error whose message is shown to
// the API client.
import { MESSAGING_CALLS, messaging, type Messaging } from './messaging';
import { accountCalls } from './account';
import { doctor, legacyTokens, waVersion } from './diagnostics';
import { emit, guard, message, report, safe } from './emit';
import { FATAL_MODES, NEEDS_UPDATE, type Fatal } from './fatal';
import { pageError } from './values';
import { type AuthCode, type WPPSubset } from './wpp';

declare global {
  interface Window {
    WPP?: WPPSubset;
    __easy?: unknown;
  }
}

const POLL_MS = 50;
const RECHECK_MS = 1000;

type Phase = 'loading' | 'qr' | 'resuming' | 'syncing' | 'ready' | 'blocked';

/** State is the payload of the state event and of call('state'). */
interface State {
  phase: Phase;
  authenticated: boolean;
  stream_mode: string;
  percent: number;
  phone_online: boolean;
  conflict: boolean;
}

// A QR or pairing phase was seen in this tab; survives reloads (WhatsApp
// Web reloads while it links) and holds the method ("qr" or "pairing").
const LINKING_KEY = 'easy-api:linking';

function main(): void {
  if (window.top !== window || window.__easy) return;
  blockServiceWorkers();

  let WPP: WPPSubset | null = null;
  let ready = false; // WPP's loader is ready
  let readyWaiters: Array<() => void> = [];
  let hasCode = false; // an auth code is shown
  let lastCode: string | null = null; // fullCode of the last qr event
  let logoutReason = '';
  let lastState = '';
  let lastPhase = '';
  let lastConflict = false;
  let lastAuthenticated = false;
  let fatalSent = '';
  // phoneOnline: a legacy account's phone as conn.online last said; a
  // multi-device page reports true whatever it says.
  let phoneOnline = true;
  let lastPhone = true;
  // pairing is the managed pairing-code flow while it runs.
  let pairing: { phone: string; inCall: boolean; last: string } | null = null;
  let msg: Messaging | null = null;
  // account: our profile, calls and the raw call (account.ts).
  const account = accountCalls(() => wpp(), () => window.WPP);

  const wpp = (): WPPSubset => {
    if (!WPP) throw new Error('WPP is not loaded');
    return WPP;
  };

  function multiDevice(): boolean {
    return safe(() => wpp().conn.isMultiDevice(), true) !== false;
  }

  function linking(): string {
    return safe(() => sessionStorage.getItem(LINKING_KEY), null) || '';
  }
  function setLinking(method: string): void {
    safe(() => sessionStorage.setItem(LINKING_KEY, method), undefined);
  }

  // state computes the phase (docs/bridge.md): ready iff authenticated and
  // stream mode MAIN; conn.main_ready alone is not trusted, and CONFLICT
  // (another browser is live) is never ready.
  function state(): State {
    if (!WPP || !ready) {
      return { phase: 'loading', authenticated: false, stream_mode: '', percent: 0, phone_online: true, conflict: false };
    }
    const conn = WPP.conn;
    const sd = safe(() => conn.getStreamData(), null);
    const mode = String((sd && sd.mode) || '');
    const info = String((sd && sd.info) || '');
    const authenticated = !!safe(() => conn.isAuthenticated(), false);
    const registered = !!safe(() => conn.isRegistered(), false);
    const idle = !!safe(() => conn.isIdle(), false);
    let phase: Phase;
    if (FATAL_MODES[mode] || safe(() => conn.needsUpdate(), false)) {
      phase = 'blocked';
    } else if (authenticated && mode === 'MAIN') {
      phase = 'ready';
    } else if (!authenticated && (hasCode || idle || mode === 'QR')) {
      phase = 'qr';
    } else if (registered && mode !== 'SYNCING' &&
        (info === 'RESUMING' || info === 'OPENING' || info === 'CONNECTING')) {
      phase = 'resuming';
    } else if (authenticated) {
      phase = 'syncing';
    } else {
      phase = 'loading';
    }
    const percent = phase === 'ready' ? 100 : phase === 'syncing' ? 50 : 0;
    return { phase, authenticated, stream_mode: mode, percent,
      phone_online: multiDevice() || phoneOnline, conflict: mode === 'CONFLICT' };
  }

  function me() {
    if (!WPP || !ready) return null;
    const w = WPP;
    const wid = safe(() => w.conn.getMyUserId(), undefined);
    if (!wid) return null;
    const id = wid._serialized || String(wid);
    const phone = wid.user || id.split('@')[0];
    const name = safe(() => w.profile.getMyProfileName(), '') || '';
    const platform = safe(() => w.conn.getPlatform(), '') || '';
    return { id, phone, push_name: String(name), platform: String(platform), multi_device: multiDevice() };
  }

  // fatal emits a fatal event once per cause.
  function fatal(f: Fatal): void {
    const key = f.reason + ':' + f.stream_mode;
    if (fatalSent === key) return;
    fatalSent = key;
    emit('fatal', f);
  }

  // update emits state when it changed; then authenticated when the page
  // became authenticated after a QR or pairing phase, ready when the phase
  // became ready, conflict when the stream mode became CONFLICT, phone when a
  // legacy page's phone_online changed, and fatal for a blocked account or
  // an outdated WhatsApp Web.
  function update(): void {
    const s = state();
    if (s.phase === 'qr' && !linking()) setLinking(pairing ? 'pairing' : 'qr');
    if (s.authenticated && !lastAuthenticated && linking()) {
      // A fresh link: conn.authenticated alone is not trusted (it fires at
      // main_loaded, and only when the page was unauthenticated at injection).
      emit('authenticated', { method: linking() === 'pairing' ? 'pairing' : 'qr' });
      safe(() => sessionStorage.removeItem(LINKING_KEY), undefined);
    }
    lastAuthenticated = s.authenticated;
    const key = JSON.stringify(s);
    if (key === lastState) return;
    lastState = key;
    emit('state', s);
    if (s.phase === 'ready' && lastPhase !== 'ready') emit('ready', me());
    if (s.phase === 'blocked') {
      fatal(FATAL_MODES[s.stream_mode] || NEEDS_UPDATE);
    }
    lastPhase = s.phase;
    if (s.conflict && !lastConflict) emit('conflict', {});
    lastConflict = s.conflict;
    if (s.phone_online !== lastPhone) emit('phone', { online: s.phone_online });
    lastPhone = s.phone_online;
  }

  // showCode emits a qr event when the code changed (the same code can be
  // seen twice: from the event and from the catch-up in onReady).
  function showCode(code: AuthCode | null): void {
    const full = code ? String(code.fullCode) : null;
    hasCode = !!code;
    if (full === lastCode) return;
    lastCode = full;
    emit('qr', code ? { code: full } : null);
  }

  function pairingCodeOf(raw: unknown): string {
    return String(raw || '').replace(/-/g, '');
  }

  // subscribe registers every listener on WPP.on (EventEmitter2: listeners
  // run synchronously inside WhatsApp's own handlers, so each is guarded).
  function subscribe(w: WPPSubset): void {
    const after = <A extends unknown[]>(fn: (...a: A) => void) => guard((...a: A) => {
      fn(...a);
      update();
    });
    w.on('conn.auth_code_change', after((code) => showCode(code)));
    w.on('conn.qrcode_idle', after(() => {
      hasCode = false;
      emit('qr_idle', {});
    }));
    w.on('conn.link_code_change', after((raw) => {
      const code = pairingCodeOf(raw);
      if (!pairing) return;
      if (pairing.inCall || code === pairing.last) {
        pairing.last = code; // the call returns this one; Go publishes it
        return;
      }
      pairing.last = code;
      emit('pairing_code', { code, phone: pairing.phone });
    }));
    w.on('conn.link_code_expired', after(() => {
      if (!pairing) return;
      emit('pairing_code_expired', { phone: pairing.phone });
      pairing = null;
    }));
    w.on('conn.link_code_error', after((err) => {
      if (!pairing || pairing.inCall) return; // the call rejects with it
      emit('pairing_code_error', { phone: pairing.phone, message: message(err) });
    }));
    w.on('conn.logout_reason', after((reason) => {
      logoutReason = reason == null ? '' : String(reason);
    }));
    w.on('conn.logout', guard(() => {
      // wa-js does not order logout_reason before logout: wait one task.
      setTimeout(guard(() => {
        emit('logout', { reason: logoutReason });
        update();
      }), 0);
    }));
    w.on('conn.online', after((online) => {
      phoneOnline = online !== false;
    }));
    w.on('conn.needs_update', after(() => fatal(NEEDS_UPDATE)));
    const m = messaging(w, me);
    msg = m;
    w.on('chat.new_message', guard((x) => m.onNewMessage(x)));
    w.on('chat.msg_ack_change', guard((e) => m.onAckChange(e)));
    w.on('chat.msg_revoke', guard((e) => m.onRevoke(e)));
    w.on('chat.new_reaction', guard((e) => m.onReaction(e)));
    w.on('chat.msg_edited', guard((e) => m.onEdited(e)));
    w.on('chat.poll_response', guard((e) => m.onPollResponse(e)));
    w.on('chat.presence_change', guard((e) => m.onPresence(e)));
    w.on('call.incoming_call', guard((c) => account.onIncomingCall(c)));
    w.on('group.participant_changed', guard((e) => m.onGroupParticipants(e)));
    const tick = after(() => undefined);
    w.on('conn.main_loaded', tick);
    w.on('conn.main_ready', tick);
    w.on('conn.require_auth', tick);
    w.on('conn.stream_mode_changed', tick);
    w.on('conn.stream_info_changed', tick);
  }

  function onReady(): void {
    if (ready || !WPP) return;
    const w = WPP;
    ready = true;
    guard(subscribe)(w);
    safe(() => w.conn.setKeepAlive(true), false);
    update();
    // The bridge may attach after the first code was shown: catch up. wa-js
    // has no idle check in getAuthCode, so ask isIdle first.
    Promise.resolve()
      .then(() => (safe(() => w.conn.isIdle(), false) ? null : w.conn.getAuthCode()))
      .then((code) => {
        if (code && !safe(() => w.conn.isAuthenticated(), false)) {
          showCode(code);
          update();
        }
      })
      .catch(report);
    const waiters = readyWaiters;
    readyWaiters = [];
    waiters.forEach((resolve) => resolve());
    setInterval(guard(update), RECHECK_MS);
  }

  // attach waits for wa-js's loader: WPP.isReady now, or WPP.loader.onReady
  // (which only calls back for a future ready).
  function attach(w: WPPSubset): void {
    WPP = w;
    if (w.isReady) {
      onReady();
      return;
    }
    w.loader.onReady(guard(onReady));
  }

  function waitWPP(): void {
    if (window.WPP) {
      attach(window.WPP);
      return;
    }
    const poll = setInterval(() => {
      if (window.WPP) {
        clearInterval(poll);
        guard(attach)(window.WPP);
      }
    }, POLL_MS);
  }

  function whenReady(): Promise<void> {
    if (ready) return Promise.resolve();
    return new Promise((resolve) => readyWaiters.push(resolve));
  }

  type Call = (args: Record<string, unknown>) => unknown;
  const calls: Record<string, Call> = {
    state: () => state(),
    qr: async () => {
      const w = wpp();
      if (w.conn.isIdle()) return null;
      const code = await w.conn.getAuthCode();
      return code ? { code: code.fullCode } : null;
    },
    refreshQR: () => {
      // refreshQR waits, without a timeout, for the next auth code: the
      // code comes as a qr event; never hold the Go call on it.
      wpp().conn.refreshQR().catch(report);
      return true;
    },
    pairingCode: async (args) => {
      const phone = String(args.phone || '').replace(/[^0-9]/g, '');
      if (!phone) throw new Error('phone is required');
      const flow = { phone, inCall: true, last: '' };
      pairing = flow;
      setLinking('pairing');
      try {
        const code = pairingCodeOf(await wpp().conn.startLinkDeviceCodeForPhoneNumber(phone));
        flow.last = code;
        return { code };
      } catch (err) {
        if (pairing === flow) pairing = null;
        throw err;
      } finally {
        flow.inCall = false;
      }
    },
    logout: async () => {
      await wpp().conn.logout();
      return true;
    },
    me: () => me(),
    takeover: async () => {
      // wa-js 4.6 has no conn.takeover; the CONFLICT stream state is left
      // through WhatsApp's own socket model ("Use here").
      if (state().stream_mode !== 'CONFLICT') return false;
      await wpp().whatsapp.Socket.takeover();
      return true;
    },
    legacyTokens: () => legacyTokens(),
    versions: () => ({ wpp: String(wpp().version || ''), wa: waVersion(WPP) }),
    doctor: () => doctor(WPP),
  };

  // Calls that do not need WPP ready, answered at once.
  const EARLY: Record<string, true> = { state: true, legacyTokens: true, doctor: true };

  const easy = Object.freeze({
    // call runs one bridge call; see the table in docs/bridge.md.
    call: async (name: string, args: unknown) => {
      const a = (args && typeof args === 'object' ? args : {}) as Record<string, unknown>;
      const own = Object.prototype.hasOwnProperty.call(calls, name);
      const acct = Object.prototype.hasOwnProperty.call(account.calls, name);
      if (!own && !acct && !messagingCall(name)) throw new Error('unknown call: ' + name);
      if (!EARLY[name]) await whenReady();
      if (own) return await calls[name](a);
      if (acct) return await account.calls[name](a).catch((err: unknown) => { throw pageError(err); });
      if (!msg) throw new Error('bridge not subscribed');
      return await msg.call(name, a);
    },
    state,
  });
  Object.defineProperty(window, '__easy', { value: easy, enumerable: false });

  emit('boot', { url: String(location.href), wpp: !!window.WPP });
  update();
  waitWPP();
}

function messagingCall(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(MESSAGING_CALLS, name);
}

// blockServiceWorkers does what wa-js's own tooling and wppconnect do at
// document start: drop WhatsApp Web's service worker, which caches an old
// build and serves it under our injected scripts, and stop it registering
// a new one.
function blockServiceWorkers(): void {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  sw.getRegistrations()
    .then((regs) => regs.forEach((r) => void r.unregister()))
    .catch(() => null);
  safe(() => {
    (sw as unknown as { register: unknown }).register = new Promise(() => undefined);
  }, undefined);
}

main();
