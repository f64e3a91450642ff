// raw.ts: the raw call (POST /v1/sessions/{id}/wpp): any function of the
// public WPP namespaces by name, with JSON arguments, answered as JSON.
// It goes around USED on purpose (the one module that does), so it is
// guarded here and nowhere else: never an eval, only an own function
// property of an allow-listed namespace, and a result shaped into plain
// JSON within a size bound (docs/bridge.md, "Raw call").

/** NAMESPACES are the WPP namespaces the raw call reaches. */
export const NAMESPACES: readonly string[] = ['chat', 'contact', 'group', 'labels', 'status', 'newsletter', 'community',
  'profile', 'blocklist', 'call', 'conn', 'privacy'];

const NAME = /^[a-z]+\.[A-Za-z0-9]+$/;
// Members every object has through its prototype chain, refused by name
// even if a namespace defined one as its own.
const FORBIDDEN = new Set(['constructor', 'prototype', '__proto__', 'toString', 'valueOf', 'toLocaleString',
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', '__defineSetter__', '__lookupGetter__',
  '__lookupSetter__']);
const MAX_DEPTH = 12;
const MAX_NODES = 200000;

type Fail = Error & { code: string };
function fail(code: string, text: string): Fail {
  return Object.assign(new Error(text), { code });
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** resolve finds the function a raw call names, or throws a coded error. */
export function resolve(root: unknown, name: string): { ns: object; fn: (...a: unknown[]) => unknown } {
  if (!NAME.test(name)) throw fail('invalid_function', 'function must match ' + String(NAME));
  const [space, member] = name.split('.');
  if (!NAMESPACES.includes(space)) throw fail('invalid_function', `namespace ${space} is not one the raw call reaches (${NAMESPACES.join(', ')})`);
  if (FORBIDDEN.has(member)) throw fail('wpp_function_not_found', `${name} is not a function of WPP`);
  if (!root || typeof root !== 'object' || !hasOwn(root, space)) throw fail('wpp_function_not_found', `WPP has no namespace ${space}`);
  const ns = (root as Record<string, unknown>)[space];
  if (!ns || (typeof ns !== 'object' && typeof ns !== 'function') || !hasOwn(ns, member)) {
    throw fail('wpp_function_not_found', `${name} is not a function of WPP`);
  }
  let fn: unknown;
  try {
    fn = (ns as Record<string, unknown>)[member];
  } catch {
    fn = undefined; // wa-js's lazy exports throw until WhatsApp's module loaded
  }
  if (typeof fn !== 'function') throw fail('wpp_function_not_found', `${name} is not a function of WPP`);
  return { ns: ns as object, fn: fn as (...a: unknown[]) => unknown };
}

/** shape turns a result into plain JSON the way the typed calls shape
 * models: a Wid or message key becomes its serialized string, a WhatsApp
 * model its fields (wa-js keeps them as __x_<name>), functions and private
 * fields drop out, a Map an object, a Set or collection an array. A cycle
 * that is not a model with an id is a coded error. */
export function shape(v: unknown): unknown {
  const path: unknown[] = [];
  let nodes = 0;
  const walk = (x: unknown, depth: number, at: string): unknown => {
    if (++nodes > MAX_NODES) throw fail('wpp_result_too_large', `the result has more than ${MAX_NODES} values`);
    if (x === null || x === undefined) return null;
    switch (typeof x) {
      case 'string': case 'boolean': return x;
      case 'number': return Number.isFinite(x) ? x : null;
      case 'bigint': return String(x);
      case 'function': case 'symbol': return undefined;
    }
    const o = x as Record<string, unknown>;
    const serialized = o._serialized;
    if (typeof serialized === 'string') return serialized;
    if (x instanceof Date) return x.toISOString();
    if (path.includes(x)) {
      const id = idOf(o);
      if (id) return id;
      throw fail('wpp_result_not_json', `the result refers back to itself at ${at || 'its top'}; it cannot be turned into JSON`);
    }
    if (depth > MAX_DEPTH) {
      const id = idOf(o);
      if (id) return id;
      throw fail('wpp_result_not_json', `the result nests deeper than ${MAX_DEPTH} levels at ${at}`);
    }
    path.push(x);
    try {
      if (typeof Blob !== 'undefined' && x instanceof Blob) return { type: x.type, size: x.size };
      if (x instanceof ArrayBuffer || ArrayBuffer.isView(x)) return { size: (x as ArrayBuffer).byteLength };
      const models = (o as { getModelsArray?: unknown }).getModelsArray;
      if (Array.isArray(x) || x instanceof Set || typeof models === 'function') {
        const items = Array.isArray(x) ? x : x instanceof Set ? [...x] : (models as () => unknown[]).call(x);
        return items.map((e, i) => { const r = walk(e, depth + 1, `${at}[${i}]`); return r === undefined ? null : r; });
      }
      const out: Record<string, unknown> = {};
      const put = (k: string, val: unknown) => {
        const r = walk(val, depth + 1, at ? at + '.' + k : k);
        if (r !== undefined) out[k] = r;
      };
      if (x instanceof Map) {
        x.forEach((val, k) => put(String(k), val));
        return out;
      }
      for (const k of Object.keys(o)) {
        let key = k;
        if (k.startsWith('__x_')) key = k.slice(4);
        else if (k.startsWith('_')) continue;
        let val: unknown;
        try { val = o[k]; } catch { continue; }
        put(key, val);
      }
      return out;
    } finally {
      path.pop();
    }
  };
  const r = walk(v, 0, '');
  return r === undefined ? null : r;
}

// idOf is a model's serialized id (wa-js models keep it as __x_id), or ''.
function idOf(o: Record<string, unknown>): string {
  let id: unknown;
  try { id = o.id !== undefined ? o.id : o.__x_id; } catch { return ''; }
  return ser(id);
}

function ser(x: unknown): string {
  if (x == null) return '';
  if (typeof x === 'string') return x;
  const s = (x as { _serialized?: unknown })._serialized;
  return typeof s === 'string' ? s : '';
}

/** rawCall runs the function args.function names with args.args and
 * returns {result}; a result over args.max_bytes of JSON is refused. */
export async function rawCall(root: unknown, args: Record<string, unknown>): Promise<{ result: unknown }> {
  const name = typeof args.function === 'string' ? args.function : '';
  const list = Array.isArray(args.args) ? args.args : [];
  const max = Number(args.max_bytes) || 1 << 20;
  const { ns, fn } = resolve(root, name);
  let value: unknown;
  try {
    value = await fn.apply(ns, list);
  } catch (err) {
    const code = err && (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^[a-z0-9_]+$/.test(code)) throw err;
    throw fail('wpp_call_failed', `${name} threw: ${err && (err as Error).message !== undefined ? (err as Error).message : String(err)}`);
  }
  const result = shape(value);
  const size = JSON.stringify(result).length;
  if (size > max) throw fail('wpp_result_too_large', `the result of ${name} is ${size} bytes of JSON; the limit is ${max}`);
  return { result };
}
