// The event monitor: every live event, newest first, filtered by session
// and type, with a pause and the JSON of each event. The stream itself
// (main.js, stream.js) resumes after a reconnect with no gap, so the
// monitor only appends.

import { $, h, setText, show, replace, clock } from './dom.js';

const KEEP = 1000; // events kept in memory
const SHOWN = 300; // rows rendered at most

/** brief summarises an event's data in a few words. */
function brief(ev) {
  const d = ev.data || {};
  switch (ev.type) {
    case 'session.status':
      return `${d.previous || '∅'} → ${d.status}${d.reason ? ` (${d.reason})` : ''}`;
    case 'session.qr':
      return `code ${d.index ?? ''}`;
    case 'session.pairing_code':
      return d.code || '';
    case 'session.progress':
      return `${d.stage || ''} ${d.percent ?? ''}%`;
    case 'message.received':
    case 'message.sent':
      return `${ev.type === 'message.sent' ? 'to' : 'from'} ${(ev.type === 'message.sent' ? d.to : d.from) || d.chat_id || ''}: ${(d.body || d.caption || d.type || '').slice(0, 60)}`;
    case 'message.ack':
      return `${d.ack}`;
    case 'webhook.disabled':
      return d.url || '';
    default:
      return '';
  }
}

export class EventsView {
  constructor(app) {
    this.app = app;
    this.events = []; // oldest first
    this.rows = new Map(); // id → <li>
    this.paused = false;
    this.pausedAt = 0; // last id shown when paused
    this.sessions = new Set();
    this.isVisible = false;
    this.dirty = false;
    $('ev-session').addEventListener('change', () => this.rerender());
    $('ev-type').addEventListener('change', () => this.rerender());
    $('ev-pause').addEventListener('click', () => this.togglePause());
    $('ev-clear').addEventListener('click', () => { this.events = []; this.rerender(); });
    $('ev-filters').addEventListener('submit', (e) => e.preventDefault());
    app.onEvent((ev) => this.add(ev));
  }

  attach() {}

  detach() {
    this.events = [];
    this.rerender();
  }

  visible(on) {
    this.isVisible = on;
    if (on && this.dirty) this.rerender();
  }

  /** knowSession adds a session to the filter's choices. */
  knowSession(id) {
    if (!id || this.sessions.has(id)) return;
    this.sessions.add(id);
    const sel = $('ev-session');
    const opts = [...sel.options].slice(1).map((o) => o.value);
    const after = opts.filter((v) => v > id).sort()[0];
    sel.insertBefore(h('option', { value: id }, id), after ? [...sel.options].find((o) => o.value === after) : null);
  }

  matches(ev) {
    const s = $('ev-session').value;
    const t = $('ev-type').value;
    return (!s || ev.session === s) && (!t || ev.type === t);
  }

  add(ev) {
    this.knowSession(ev.session);
    this.events.push(ev);
    if (this.events.length > KEEP) this.events.splice(0, this.events.length - KEEP);
    if (this.paused) {
      this.renderPaused();
      return;
    }
    if (!this.isVisible) {
      this.dirty = true; // render when shown: keeps a busy server cheap in the background
      return;
    }
    if (this.matches(ev)) {
      const list = $('ev-list');
      list.prepend(this.row(ev));
      while (list.children.length > SHOWN) list.lastChild.remove();
    }
    this.renderCount();
  }

  row(ev) {
    const json = JSON.stringify(ev, null, 2);
    return h('li', { class: 'ev', dataset: { id: String(ev.id), type: ev.type, session: ev.session || '' } },
      h('details', {},
        h('summary', {},
          h('span', { class: 'ev-id' }, `#${ev.id}`),
          h('time', { datetime: ev.time }, clock(ev.time)),
          h('span', { class: 'ev-session' }, ev.session || '–'),
          h('span', { class: `ev-type t-${ev.type.replace(/\./g, '-')}` }, ev.type),
          h('span', { class: 'ev-brief' }, brief(ev))),
        h('pre', { class: 'json', tabindex: '0', 'aria-label': `JSON of event ${ev.id}` }, json)));
  }

  rerender() {
    this.dirty = false;
    const limit = this.paused ? this.pausedAt : Infinity;
    const shown = [];
    for (let i = this.events.length - 1; i >= 0 && shown.length < SHOWN; i--) {
      const ev = this.events[i];
      if (ev.id <= limit && this.matches(ev)) shown.push(this.row(ev));
    }
    replace($('ev-list'), shown);
    this.renderCount();
    this.renderPaused();
  }

  renderCount() {
    const n = $('ev-list').children.length;
    setText($('ev-count'), `${n} shown${this.events.length !== n ? ` of ${this.events.length}` : ''}`);
    show($('ev-empty'), n === 0);
  }

  renderPaused() {
    const waiting = this.paused ? this.events.filter((e) => e.id > this.pausedAt && this.matches(e)).length : 0;
    show($('ev-paused'), this.paused);
    setText($('ev-paused'), this.paused ? `Paused: ${waiting} new event${waiting === 1 ? '' : 's'} waiting.` : '');
  }

  togglePause() {
    this.paused = !this.paused;
    const b = $('ev-pause');
    b.setAttribute('aria-pressed', String(this.paused));
    setText(b, this.paused ? 'Resume' : 'Pause');
    if (this.paused) {
      const last = this.events[this.events.length - 1];
      this.pausedAt = last ? last.id : 0;
      this.renderPaused();
    } else {
      this.rerender();
    }
  }
}
