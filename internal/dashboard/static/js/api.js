// The API client: every request of the page goes through here, with the key
// in the X-Api-Key header. Errors are the server's problem+json bodies.

/** ApiError is a failed request: HTTP status plus the problem's code and detail. */
export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem || {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.code = p.code || '';
    this.field = p.field || '';
    this.problem = p;
  }

  /** unauthorized reports a missing or wrong key. */
  get unauthorized() {
    return this.status === 401 || this.code === 'unauthorized';
  }

  static async from(res) {
    let p = null;
    try {
      const text = await res.text();
      p = text ? JSON.parse(text) : null;
    } catch { /* not JSON: keep the status */ }
    if (p && typeof p !== 'object') p = null;
    return new ApiError(res.status, p || { title: res.statusText });
  }
}

/** NetworkError is a request that got no answer at all. */
export class NetworkError extends Error {}

/** describe turns any error into one sentence for the user. */
export function describe(err) {
  if (err instanceof ApiError) {
    if (err.unauthorized) return 'Wrong API key: the server refused it (401 unauthorized).';
    if (err.status === 403) return `Not allowed with this key: ${err.message}`;
    return err.message;
  }
  if (err instanceof NetworkError) return `Cannot reach the server: ${err.message}`;
  return String(err && err.message ? err.message : err);
}

/** Client calls the easy-api REST API of the page's own server. */
export class Client {
  /**
   * @param {string} key the API key ('' = none)
   * @param {(err: ApiError) => void} onUnauthorized told of every 401
   */
  constructor(key, onUnauthorized) {
    this.key = key;
    this.onUnauthorized = onUnauthorized || (() => {});
    // The API lives next to the dashboard folder: /dashboard/ → /.
    this.base = new URL('../', document.baseURI);
  }

  url(path) {
    return new URL(path.replace(/^\//, ''), this.base).href;
  }

  headers(extra) {
    const hd = new Headers(extra || {});
    if (this.key) hd.set('X-Api-Key', this.key);
    return hd;
  }

  /** raw sends a request and returns the Response, throwing only on network errors. */
  async raw(path, init = {}) {
    const req = { cache: 'no-store', credentials: 'same-origin', ...init, headers: this.headers(init.headers) };
    try {
      return await fetch(this.url(path), req);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new NetworkError(e.message || 'network error');
    }
  }

  /**
   * request sends a JSON request and returns the decoded body (null for
   * 204), a Blob for non-JSON answers, or throws an ApiError.
   */
  async request(method, path, body, { accept = 'application/json', signal } = {}) {
    const init = { method, headers: { Accept: accept }, signal };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    const res = await this.raw(path, init);
    if (!res.ok) {
      const err = await ApiError.from(res);
      if (err.unauthorized) this.onUnauthorized(err);
      throw err;
    }
    if (res.status === 204) return null;
    const ct = res.headers.get('Content-Type') || '';
    return ct.includes('json') ? res.json() : res.blob();
  }

  get(path, opts) { return this.request('GET', path, undefined, opts); }
  post(path, body, opts) { return this.request('POST', path, body, opts); }
  patch(path, body) { return this.request('PATCH', path, body); }
  del(path) { return this.request('DELETE', path); }
}

/** seg escapes one path segment. */
export const seg = encodeURIComponent;
