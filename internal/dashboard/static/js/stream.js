// The live event stream: Server-Sent Events read with fetch, so that the
// key travels in the X-Api-Key header (EventSource cannot send headers and
// would need the key in the URL). After a disconnect it reconnects with
// Last-Event-ID = the last id it delivered, and the server replays what was
// missed: no gap, no duplicate.

import { ApiError } from './api.js';

const MAX_BACKOFF = 10000;

/** EventStream follows GET /v1/events for the page's lifetime. */
export class EventStream {
  /**
   * @param {import('./api.js').Client} client
   * @param {object} on handlers: event(envelope), state('connecting'|'live'|'reconnecting'|'off', detail),
   *   open() after every (re)connect, resync() when the server no longer holds our cursor,
   *   unauthorized(err)
   */
  constructor(client, on) {
    this.client = client;
    this.on = on;
    this.lastId = null;
    this.abort = null;
    this.stopped = true;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop();
  }

  stop() {
    this.stopped = true;
    if (this.abort) this.abort.abort();
    this.on.state('off');
  }

  /** reconnect drops the current connection; the loop resumes from lastId at once. */
  reconnect() {
    if (this.abort) this.abort.abort();
  }

  async loop() {
    let backoff = 500;
    while (!this.stopped) {
      this.abort = new AbortController();
      this.on.state(this.lastId === null ? 'connecting' : 'reconnecting');
      try {
        const headers = { Accept: 'text/event-stream' };
        if (this.lastId !== null) headers['Last-Event-ID'] = String(this.lastId);
        const res = await this.client.raw('/v1/events', { headers, signal: this.abort.signal });
        if (res.status === 410) {
          res.body?.cancel();
          // Our cursor fell out of the retained log: start over from now
          // and have the page reload its state.
          this.lastId = null;
          this.on.resync();
          continue;
        }
        if (!res.ok) throw await ApiError.from(res);
        this.on.state('live');
        this.on.open();
        backoff = 500;
        await this.read(res.body);
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof ApiError && err.unauthorized) {
          this.stopped = true;
          this.on.unauthorized(err);
          break;
        }
        if (err.name !== 'AbortError') this.on.state('reconnecting', err.message);
      }
      if (this.stopped) break;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF);
    }
  }

  /** read parses the text/event-stream until it ends. */
  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          this.dispatch(block);
        }
      }
    } finally {
      reader.releaseLock();
    }
  }

  dispatch(block) {
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue; // comment: ping, connected, slow consumer
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
    }
    if (!data.length) return;
    let ev;
    try {
      ev = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    if (typeof ev.id === 'number') {
      if (this.lastId !== null && ev.id <= this.lastId) return; // replayed twice
      this.lastId = ev.id;
    }
    this.on.event(ev);
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
