// Small helpers every module of the bridge uses on the values wa-js hands
// back and the errors it throws, written once.
import { message } from './emit';

/** ser is a wid's serialized form ("…@c.us"), or the value as a string. */
export function ser(x: unknown): string {
  if (x == null) return '';
  const s = (x as { _serialized?: unknown })._serialized;
  return String(s !== undefined ? s : x);
}

/** str is the value as a string; null and undefined are empty. */
export function str(x: unknown): string { return x == null ? '' : String(x); }

/** refusal is a wa-js-style error with a code (Go maps it, refusal.go). */
export function refusal(code: string, text: string): Error & { code: string } {
  return Object.assign(new Error(text), { code });
}

// Codes of wa-js errors that mean "no such thing"; Go maps them to 404.
const NOT_FOUND: Record<string, true> = { chat_not_found: true, msg_not_found: true, message_not_found: true,
  message_not_contains_media: true, media_not_found: true, contact_not_found: true, not_on_whatsapp: true,
  not_a_business: true };

// pageError prefixes wa-js's errors with what they mean, for the Go side
// (internal/session/refusal.go): "not_found: <code>: " for no such thing,
// "wa:<code>: " for anything else wa-js refused.
export function pageError(err: unknown): unknown {
  const code = err && (err as { code?: unknown }).code;
  if (typeof code === 'string' && NOT_FOUND[code]) return new Error('not_found: ' + code + ': ' + message(err));
  if (typeof code === 'string' && /^[a-z0-9_]+$/.test(code)) return new Error('wa:' + code + ': ' + message(err));
  return err;
}
