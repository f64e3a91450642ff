// diagnostics.ts — what the bridge reports about the page itself: the
// legacy credentials, the versions, and `easy-api doctor`'s report.
import { safe } from './emit';
import { USED, type WPPSubset } from './wpp';

// The legacy WhatsApp Web credentials in localStorage (docs/bridge.md).
const LEGACY_KEYS = ['WABrowserId', 'WASecretBundle', 'WAToken1', 'WAToken2'];

// legacyTokens returns the four legacy keys exactly as stored, or null
// unless all four are there.
export function legacyTokens(): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const k of LEGACY_KEYS) {
    const v = safe(() => localStorage.getItem(k), null);
    if (v == null) return null;
    out[k] = v;
  }
  return out;
}

/** waVersion is the WhatsApp Web version the attached WPP (or the page) reports. */
export function waVersion(w: WPPSubset | null): string | null {
  const bc = w ? safe(() => w.conn.getBuildConstants(), null) : null;
  if (bc && bc.VERSION_STR) return String(bc.VERSION_STR);
  const dbg = safe(() => window.Debug && window.Debug.VERSION, undefined);
  return dbg == null ? null : String(dbg);
}

// doctor reports what `easy-api doctor` prints: whether wa-js is there
// and ready, the versions, the stream mode and each USED path.
export function doctor(attached: WPPSubset | null) {
  const w = window.WPP as unknown as Record<string, unknown> | undefined;
  const present: Record<string, boolean> = {};
  for (const path of USED) {
    // wa-js's lazy WhatsApp exports throw until its loader found them.
    present[path] = safe(() => {
      let v: unknown = w;
      for (const part of path.split('.')) {
        v = v != null && (typeof v === 'object' || typeof v === 'function') ? (v as Record<string, unknown>)[part] : undefined;
      }
      return v !== undefined;
    }, false);
  }
  const sd = attached ? safe(() => attached.conn.getStreamData(), null) : null;
  return {
    wpp_loaded: !!w, wpp_version: w ? String(w.version || '') : '', is_ready: !!(w && w.isReady),
    wa_version: waVersion(attached), stream_mode: sd ? String(sd.mode || '') : '', functions: present,
  };
}
