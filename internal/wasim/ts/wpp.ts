// wpp.ts: the simulator's window.WPP — exactly the part of
// @wppconnect/wa-js 4.6.0 the bridge uses (WPPSubset, derived from wa-js's
// own declarations), with wa-js's names, signatures, return shapes and
// timing. The state it reads is driven by core.ts; chat.ts adds WPP.chat
// and WPP.contact; the UI (ui.ts) only listens.
import type { AuthCode, EventTypes, WAJS, WPPSubset } from '../../browser/bridge/wpp';
import { widOf, type Mode, type Info, type Sim, type SimState } from './sim';
import { member, type EventArgs, type EventListener, type EventName, type StreamInfo, type StreamMode } from './watypes';

const WPP_VERSION = '4.6.0-wasim';
const WA_VERSION = '2.3000.1030000000-wasim';
const LINK_CODE_TTL_MS = 3.25 * 60 * 1000; // wa-js's, unless the server says otherwise
const MAX_AUTO_REFRESHES = 5;

/** Listeners are each event's listeners, in order. */
type Listeners = { [N in EventName]?: EventListener<N>[] };

class WPPError extends Error {
  code: string;
  constructor(code: string, message?: string) {
    super(message || code);
    this.name = 'WPPError';
    this.code = code;
  }
}

function start(): void {
  if (window.top !== window) return;
  const st: SimState = {
    mode: 'OFFLINE', info: 'OPENING', online: false, keys: null, ref: null, refIndex: 0, idle: false,
    creds: null, authAtInjection: false, mainLoaded: false, mainReady: false, mainReadyFired: false,
    pairing: null, conflict: false, phoneOnline: true, lastOnline: false,
  };
  const renderers: Array<() => void> = [];

  // Events behave like EventEmitter2's (what wa-js uses): listeners run
  // synchronously, in order, inside the emitter; a listener that throws
  // stops the rest and the throw reaches the code that emitted.
  const listeners: Listeners = {};
  function listOf<N extends EventName>(name: N): EventListener<N>[] {
    const list = listeners[name];
    if (list) return list;
    const fresh: EventListener<N>[] = [];
    // TypeScript cannot relate a generic key's value to the mapped type;
    // on, off and emit check the listener against the event at both ends.
    listeners[name] = fresh as Listeners[N];
    return fresh;
  }
  const on = <N extends EventName>(name: N, fn: EventListener<N>) => { listOf(name).push(fn); };
  function off<N extends EventName>(name: N, fn: EventListener<N>): void {
    const list = listOf(name);
    if (list.includes(fn)) list.splice(list.indexOf(fn), 1);
  }
  function emit<N extends EventName>(name: N, ...args: EventArgs<N>): void {
    queueMicrotask(() => renderers.forEach((r) => r()));
    // A copy: listeners added or removed while emitting take effect next time.
    for (const fn of listOf(name).slice()) fn(...args);
  }
  // WPP.on: wa-js's returns its EventEmitter2 (to chain calls), which the
  // simulator does not have; nothing the bridge does reads it.
  function wppOn<N extends EventName>(name: N, fn: EventListener<N>): ReturnType<WPPSubset['on']> {
    on(name, fn);
    return WPP as unknown as ReturnType<WPPSubset['on']>; // see above
  }

  function setMode(mode: Mode): void {
    if (st.mode === mode) return;
    st.mode = mode;
    emit('conn.stream_mode_changed', member<StreamMode>(mode));
    // wa-js: main_ready fires once, at the first QR or MAIN stream, so also
    // on the QR screen; require_auth fires on the QR screen too.
    if (!st.mainReadyFired && (mode === 'QR' || mode === 'MAIN')) {
      st.mainReadyFired = true;
      st.mainReady = true;
      emit('conn.main_ready');
    }
    if (mode === 'QR') emit('conn.require_auth');
  }
  function setInfo(info: Info): void {
    if (st.info === info) return;
    st.info = info;
    emit('conn.stream_info_changed', member<StreamInfo>(info));
  }

  const isAuthenticated = () => !!st.creds;
  const isLegacy = () => !!(st.creds && st.creds.legacy);
  // isOnline: connected to WhatsApp and, for a legacy page, the phone too.
  const isOnline = () => st.online && (!isLegacy() || st.phoneOnline);

  // authCode is what getAuthCode gives: like wa-js, no idle check, so an
  // idle page still answers its last ref.
  function authCode(): AuthCode | null {
    if (!st.ref || isAuthenticated() || !st.keys) return null;
    const k = st.keys;
    return { type: 'multidevice', ref: st.ref, staticKeyPair: k.static, identityKeyPair: k.identity,
      secretKey: k.secret, fullCode: [st.ref, k.static, k.identity, k.secret].join(',') };
  }

  // The loader: onReady only registers for a future ready, as in wa-js 4.x.
  const readyListeners: Array<() => void> = [];
  const loader = {
    isInjected: false, isReady: false,
    onReady(listener: () => void, delay = 0): void {
      readyListeners.push(() => (delay > 0 ? setTimeout(listener, delay) : listener()));
    },
  };

  // The managed pairing-code flow of wa-js's linkDeviceCodeLifecycle.
  const link: { phone: string | null; code: string | null; epoch: number; refreshes: number;
    timer: ReturnType<typeof setTimeout> | 0; inFlight: Promise<string> | null } = {
    phone: null, code: null, epoch: 0, refreshes: 0, timer: 0, inFlight: null };
  function linkCancel(): void {
    link.epoch++;
    if (link.timer) clearTimeout(link.timer);
    Object.assign(link, { phone: null, code: null, refreshes: 0, timer: 0, inFlight: null });
    st.pairing = null;
  }
  function linkSchedule(ttl: number): void {
    if (link.timer) clearTimeout(link.timer);
    const epoch = link.epoch;
    link.timer = setTimeout(() => {
      if (epoch !== link.epoch || !link.phone) return;
      if (link.refreshes >= MAX_AUTO_REFRESHES) {
        link.code = null;
        st.pairing = null;
        emit('conn.link_code_expired');
        return;
      }
      link.refreshes++;
      linkGenerate().catch((e) => emit('conn.link_code_error', e instanceof Error ? e : new Error(String(e))));
    }, ttl);
  }
  function linkGenerate(): Promise<string> {
    if (link.inFlight) return link.inFlight;
    const epoch = link.epoch;
    const phone = link.phone || '';
    const op = sim.request({ t: 'pair_code', phone }).then((r) => {
      const code = String(r.code);
      if (epoch !== link.epoch) return code;
      link.code = code;
      st.pairing = { code, phone };
      const ttl = r.expires_at ? Math.max(0, Date.parse(r.expires_at) - Date.now()) : LINK_CODE_TTL_MS;
      linkSchedule(ttl);
      emit('conn.link_code_change', code);
      return code;
    }).finally(() => { if (link.inFlight === op) link.inFlight = null; });
    link.inFlight = op;
    return op;
  }
  async function startLinkDeviceCodeForPhoneNumber(phone: string, _sendPushNotification = true): Promise<string> {
    if (!phone || typeof phone !== 'string') {
      throw new WPPError('send_the_phone_number_to_connect', "Can't get code for without phone number param");
    }
    if (isAuthenticated()) {
      throw new WPPError('cannot_get_code_for_already_authenticated', "Can't get code for already authenticated user");
    }
    if (link.phone === phone) {
      if (link.code) return link.code;
      if (link.inFlight) return link.inFlight;
    } else {
      linkCancel();
    }
    link.phone = phone;
    link.refreshes = 0;
    try {
      return await linkGenerate();
    } catch (e) {
      link.code = null;
      emit('conn.link_code_error', e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
  }

  // conn is the bridge's subset plus isOnline, which tests read.
  const conn: WPPSubset['conn'] & Pick<WAJS['conn'], 'isOnline'> = {
    isAuthenticated,
    isOnline,
    isRegistered: () => !!st.creds,
    isIdle: () => st.idle,
    isMultiDevice: () => !isLegacy(),
    needsUpdate: () => false,
    getStreamData: () => ({ mode: member<StreamMode>(st.mode), info: member<StreamInfo>(st.info) }),
    getAuthCode: async () => authCode(),
    // refreshQR waits, with no timeout, for the next conn.auth_code_change.
    refreshQR: async () => {
      if (isAuthenticated()) return null;
      const next = new Promise<AuthCode | null>((resolve) => {
        const once = (code: EventTypes['conn.auth_code_change']) => {
          off('conn.auth_code_change', once);
          resolve(code);
        };
        on('conn.auth_code_change', once);
      });
      await sim.request({ t: 'refresh' });
      return next;
    },
    startLinkDeviceCodeForPhoneNumber,
    cancelLinkDeviceCode: linkCancel,
    logout: () => sim.logout(),
    markAvailable: (available = true) => sim.markAvailable(available),
    getMyUserId: () => (st.creds && st.creds.wid ? widOf(st.creds.wid) : undefined),
    getPlatform: () => (st.creds ? String(st.creds.platform || '') : ''),
    getBuildConstants: () => ({
      VERSION_STR: WA_VERSION, VERSION_BASE: '2.3000.1030000000', VERSION_PRIMARY: '2', VERSION_SECONDARY: '3000',
      VERSION_TERTIARY: '1030000000', WINDOWS_BUILD: null, PARSED: { PRIMARY: 2, SECONDARY: 3000, TERTIARY: 1030000000 },
    }),
    setKeepAlive: (enable = true) => {
      if (enable) document.hasFocus = () => true;
      return enable;
    },
  };

  // later is a namespace another script fills: it is empty until that
  // script runs, which is before wa-js reports ready (markReady).
  const later = <T>(): T => ({}) as T; // see above
  const WPP: WPPSubset = {
    version: WPP_VERSION,
    get isReady() { return loader.isReady; },
    loader: { onReady: loader.onReady },
    on: wppOn,
    conn,
    // chat.ts fills chat and contact, profile.ts profile and call,
    // business.ts labels, status and newsletter, chats.ts blocklist and
    // whatsapp.ChatStore, groups.ts group and community.
    profile: later(), call: later(), chat: later(), contact: later(), labels: later(), status: later(),
    newsletter: later(), blocklist: later(), whatsapp: { Socket: { takeover: () => sim.takeover() }, ChatStore: later() },
    group: later(), community: later(),
  };

  const sim: Sim = {
    state: st, renderers, wpp: WPP, emit, setMode, setInfo, authCode, WPPError,
    updateOnline: () => {
      const v = isOnline();
      if (v === st.lastOnline) return;
      st.lastOnline = v;
      emit('conn.online', v);
    },
    // core.ts calls markReady once the stored credentials are read, as wa-js
    // becomes ready once WhatsApp's modules are loaded.
    markReady: () => {
      loader.isInjected = loader.isReady = true;
      st.authAtInjection = isAuthenticated();
      for (const cb of readyListeners.splice(0)) cb();
    },
    send: () => false,
    request: () => Promise.reject(new WPPError('offline', 'not connected to WhatsApp')),
    handlers: {},
    takeover: async () => false,
    logout: async () => false,
    markAvailable: async () => false,
    linkCodeCancel: linkCancel,
  };
  // wa-js cancels the pairing flow on these.
  on('conn.authenticated', linkCancel);
  on('conn.logout', linkCancel);
  on('conn.main_ready', () => { if (isAuthenticated()) linkCancel(); });

  Object.defineProperty(window, '__wasim', { value: sim });
  window.Debug = Object.assign(window.Debug || {}, { VERSION: WA_VERSION });
  window.WPP = WPP;
}

start();
