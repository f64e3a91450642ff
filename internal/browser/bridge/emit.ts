// emit.ts: the bridge's channel to Go (the CDP binding __easyEmit) and the
// helpers that keep one failing WPP call from stopping the bridge.

declare global {
  interface Window {
    __easyEmit?: (payload: string) => void;
  }
}

// Captured at document start: page scripts run later and could replace it.
const binding = window.__easyEmit;

/** emit sends one event {type, data} to Go. */
export function emit(type: string, data?: unknown): void {
  if (typeof binding !== 'function') return;
  try {
    binding(JSON.stringify({ type, data: data === undefined ? null : data }));
  } catch {
    // The binding throws only when the page is going away; nothing to do.
  }
}

/** message is the text of a thrown value. */
export function message(err: unknown): string {
  if (err && typeof (err as { message?: unknown }).message === 'string') return (err as Error).message;
  return String(err);
}

/** report emits an error event for err. */
export function report(err: unknown): void {
  emit('error', { message: message(err) });
}

/** guard wraps fn so that what it throws is reported, not propagated. */
export function guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      report(err);
    }
  };
}

/** safe returns fn(), or fallback when it throws or returns undefined. */
export function safe<T, F>(fn: () => T, fallback: F): T | F {
  try {
    const v = fn();
    return v === undefined ? fallback : v;
  } catch {
    return fallback;
  }
}
