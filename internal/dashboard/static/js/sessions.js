// The sessions view: the live list, the create form and the detail of the
// selected session (actions, linking, resources, history, messages).

import { describe, seg } from './api.js';
import { $, h, setText, show, replace, announce, bytes, duration, clock, phone, confirmDialog, busy } from './dom.js';
import { LinkPanel } from './linking.js';
import { MessagingPanel } from './messaging.js';

const REFRESH_MS = 5000; // resources change without events; poll while visible

// DONE says what an action did, once the server answered.
const DONE = {
  start: 'Started.',
  stop: 'Stopped.',
  restart: 'Restarted.',
  logout: 'Logged out.',
  delete: 'Deleted.',
};

/** running reports whether a status has a browser (or is getting one). */
export function running(status) {
  return status !== 'STOPPED' && status !== 'FAILED';
}

const STATUS_LABEL = {
  STOPPED: 'Stopped',
  STARTING: 'Starting',
  RESUMING: 'Resuming',
  SCAN_QR_CODE: 'Scan QR code',
  SYNCING: 'Syncing',
  WORKING: 'Working',
  RESTARTING: 'Restarting',
  FAILED: 'Failed',
};

/** badge fills a status badge element. */
export function badge(el, status) {
  el.className = `badge status-${status || 'UNKNOWN'}`;
  el.dataset.status = status || '';
  setText(el, status || '?');
  el.title = STATUS_LABEL[status] || '';
}

export class SessionsView {
  constructor(app) {
    this.app = app;
    this.client = null;
    this.sessions = new Map(); // id → session resource
    this.items = new Map(); // id → <li>
    this.selected = null;
    this.isVisible = false;
    this.timer = null;
    this.pending = new Map(); // id → debounce timer of a refetch
    this.link = new LinkPanel(this);
    this.messaging = new MessagingPanel(this);

    $('create-form').addEventListener('submit', (e) => this.create(e));
    for (const b of document.querySelectorAll('#detail [data-action]')) {
      b.addEventListener('click', () => this.action(b.dataset.action, b));
    }
    app.onEvent((ev) => this.onEvent(ev));
  }

  attach(client) {
    this.client = client;
    this.link.attach(client);
    this.messaging.attach(client);
  }

  detach() {
    this.client = null;
    clearInterval(this.timer);
    this.timer = null;
    this.link.detach();
    this.messaging.detach();
    this.sessions.clear();
    this.items.clear();
    replace($('session-list'));
    this.selected = null;
  }

  visible(on) {
    this.isVisible = on;
    clearInterval(this.timer);
    this.timer = on ? setInterval(() => this.refresh(), REFRESH_MS) : null;
  }

  /** load replaces the list with the server's. */
  load(list) {
    const seen = new Set();
    for (const s of list) {
      seen.add(s.id);
      this.put(s);
    }
    for (const id of [...this.sessions.keys()]) if (!seen.has(id)) this.remove(id);
    this.renderCount();
  }

  async refresh() {
    if (!this.client) return;
    try {
      const list = await this.client.get('/v1/sessions');
      this.load(list.sessions || []);
    } catch { /* the stream state shows connectivity; 401 signs out */ }
  }

  /** refetch reloads one session soon (coalescing bursts of events). */
  refetch(id) {
    clearTimeout(this.pending.get(id));
    this.pending.set(id, setTimeout(async () => {
      this.pending.delete(id);
      if (!this.client) return;
      try {
        this.put(await this.client.get(`/v1/sessions/${seg(id)}`));
      } catch (err) {
        if (err.code === 'session_not_found') this.remove(id);
      }
    }, 150));
  }

  put(s) {
    this.sessions.set(s.id, s);
    this.renderItem(s);
    if (s.id === this.selected) this.renderDetail();
    this.app.views.events?.knowSession(s.id);
  }

  remove(id) {
    this.sessions.delete(id);
    this.items.get(id)?.remove();
    this.items.delete(id);
    if (id === this.selected) location.hash = '#/sessions';
    this.renderCount();
  }

  renderCount() {
    const n = this.sessions.size;
    setText($('sessions-count'), n ? `${n} session${n === 1 ? '' : 's'}` : '');
    show($('sessions-empty'), n === 0);
  }

  /** renderItem creates or updates the list entry of s, keeping its place and focus. */
  renderItem(s) {
    let li = this.items.get(s.id);
    if (!li) {
      const a = h('a', { class: 'session-link', href: `#/sessions/${encodeURIComponent(s.id)}` },
        h('span', { class: 'session-id' }), h('span', { class: 'badge' }),
        h('span', { class: 'session-sub muted' }), h('span', { class: 'session-res muted' }));
      li = h('li', { dataset: { id: s.id } }, a);
      this.items.set(s.id, li);
      // Keep the list sorted by id.
      const after = [...this.items.keys()].filter((k) => k > s.id).sort()[0];
      $('session-list').insertBefore(li, after ? this.items.get(after) : null);
      this.renderCount();
    }
    const a = li.firstChild;
    const [idEl, badgeEl, subEl, resEl] = a.children;
    setText(idEl, s.id);
    badge(badgeEl, s.status);
    const who = s.me ? `${s.me.push_name || ''} ${phone(s.me.phone || s.me.id)}`.trim() : '';
    setText(subEl, [s.reason && `reason: ${s.reason}`, who].filter(Boolean).join(' · '));
    const r = s.resources || {};
    setText(resEl, running(s.status) && r.pss_bytes ? `${bytes(r.pss_bytes)} · up ${duration(r.uptime_seconds)}` : '');
    if (s.id === this.selected) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }

  /** select shows the detail of id (null: none). */
  select(id) {
    if (id && !this.sessions.has(id)) {
      // Not loaded yet (a bookmark, or just created): fetch it.
      if (this.client) this.refetch(id);
    }
    const changed = id !== this.selected;
    this.selected = id;
    // Coming back to the sessions tab returns to this session.
    document.querySelector('#nav a[data-view="sessions"]')
      .setAttribute('href', id ? `#/sessions/${encodeURIComponent(id)}` : '#/sessions');
    for (const [k, li] of this.items) {
      if (k === id) li.firstChild.setAttribute('aria-current', 'true');
      else li.firstChild.removeAttribute('aria-current');
    }
    if (changed) {
      setText($('action-msg'), '');
      show($('shot-box'), false);
      this.link.reset();
      this.messaging.reset();
    }
    this.renderDetail();
  }

  current() {
    return this.selected ? this.sessions.get(this.selected) : null;
  }

  renderDetail() {
    const s = this.current();
    show($('detail-empty'), !s);
    show($('detail'), !!s);
    if (!s) return;
    setText($('detail-title'), s.id);
    badge($('detail-status'), s.status);
    const hist = s.history || [];
    const last = hist[hist.length - 1];
    setText($('detail-reason'), s.reason ? `Reason: ${s.reason}${last ? ` · since ${clock(last.at)}` : ''}` : '');
    setText($('detail-error'), s.error || '');
    for (const b of document.querySelectorAll('#detail [data-action]')) {
      if (b.getAttribute('aria-busy')) continue;
      const a = b.dataset.action;
      b.disabled = (a === 'start' && running(s.status)) || ((a === 'stop' || a === 'restart') && s.status === 'STOPPED') ||
        (a === 'screenshot' && !running(s.status));
    }
    this.renderResources(s);
    this.renderHistory(s);
    this.renderConfig(s);
    this.link.render(s);
    this.messaging.render(s);
  }

  renderResources(s) {
    const r = s.resources || {};
    const rows = running(s.status)
      ? [['Memory (PSS)', bytes(r.pss_bytes)], ['CPU time', `${(r.cpu_seconds || 0).toFixed(1)} s`],
        ['Processes', String(r.processes || 0)], ['Uptime', duration(r.uptime_seconds)], ['Restarts', String(r.restarts || 0)]]
      : [['Browser', 'not running'], ['Restarts', String(r.restarts || 0)]];
    kv($('resources'), rows);
  }

  renderHistory(s) {
    const items = [...(s.history || [])].reverse().map((t) =>
      h('li', {}, h('time', { datetime: t.at }, clock(t.at)), ' ', h('span', { class: `badge small status-${t.status}` }, t.status),
        t.reason ? h('span', { class: 'muted' }, ` ${t.reason}`) : null));
    replace($('history'), items.length ? items : h('li', { class: 'muted' }, 'none yet'));
  }

  // renderConfig shows what the session's launches use: its overrides over
  // the server's current defaults (effective_config).
  renderConfig(s) {
    const c = s.effective_config || s.config || {};
    kv($('config'), [
      ['Headful', c.headful ? 'yes' : 'no'],
      ['Auth timeout', c.auth_timeout || 'server default'],
      ['QR timeout', c.qr_timeout === '0s' ? 'never' : (c.qr_timeout || 'server default')],
      ['QR codes before giving up', c.qr_max ? String(c.qr_max) : 'no limit'],
      ['After a phone logout', c.relink_on_logout === false ? 'stop' : 'show a new QR'],
      ['Memory limit', c.max_memory ? bytes(c.max_memory) : 'none'],
      ['Created', s.created_at ? new Date(s.created_at).toLocaleString() : ''],
    ]);
  }

  onEvent(ev) {
    const s = this.sessions.get(ev.session);
    switch (ev.type) {
      case 'session.status': {
        const d = ev.data || {};
        const next = { ...(s || { id: ev.session, config: {}, resources: {} }), status: d.status, reason: d.reason,
          attempt: d.attempt, history: d.history || (s && s.history) || [] };
        if (d.status === 'FAILED') next.error = d.detail || next.error;
        else if (d.status !== 'STOPPED') next.error = '';
        this.put(next);
        announce(`Session ${ev.session}: ${STATUS_LABEL[d.status] || d.status}${d.reason ? `, ${d.reason.replace(/_/g, ' ')}` : ''}`);
        this.refetch(ev.session); // me, resources and error come with the resource
        break;
      }
      case 'session.qr':
        if (ev.session === this.selected) this.link.qrChanged(ev.data);
        break;
      case 'session.pairing_code':
        if (ev.session === this.selected) this.link.pairingCode(ev.data && ev.data.code);
        break;
      case 'message.received':
      case 'message.sent':
      case 'message.ack':
      case 'message.revoked':
        if (ev.session === this.selected) this.messaging.onEvent(ev);
        break;
      default:
        if (!s && ev.session) this.refetch(ev.session);
    }
  }

  async create(e) {
    e.preventDefault();
    const f = e.target.elements; // f.id would be the form's own id
    const err = $('create-error');
    setText(err, '');
    const id = f.namedItem('id').value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) {
      setText(err, 'Session id: letters, digits, _ and -, starting with a letter or digit, up to 64.');
      f.namedItem('id').focus();
      return;
    }
    const config = {};
    if (f.headful.checked) config.headful = true;
    for (const k of ['auth_timeout', 'qr_timeout', 'max_memory']) {
      const v = f[k].value.trim();
      if (v) config[k] = v;
    }
    if (f.qr_max.value !== '') config.qr_max = Number(f.qr_max.value);
    if (f.relink_on_logout.value) config.relink_on_logout = f.relink_on_logout.value === 'true';
    const submit = e.target.querySelector('button[type=submit]');
    try {
      const s = await busy(submit, () => this.client.post('/v1/sessions', { id, start: f.start.checked, config }));
      this.put(s);
      e.target.reset();
      $('create-box').open = false;
      announce(`Session ${id} created`);
      location.hash = `#/sessions/${encodeURIComponent(id)}`;
    } catch (ex) {
      setText(err, ex.field ? `${ex.field}: ${describe(ex)}` : describe(ex));
    }
  }

  async action(name, button) {
    const s = this.current();
    if (!s) return;
    const id = s.id;
    const msg = $('action-msg');
    if (name === 'screenshot') return this.screenshot(button);
    let path = `/v1/sessions/${seg(id)}/${name}`;
    let method = 'POST';
    if (name === 'delete' || name === 'logout') {
      const ask = name === 'delete'
        ? { title: `Delete session ${id}?`, text: 'Its browser stops and the session is removed from the server.', ok: 'Delete', check: 'Also wipe its stored data (profile and session data file)' }
        : { title: `Log ${id} out?`, text: 'The device is unlinked from the phone; linking it again needs a new scan.', ok: 'Log out' };
      const { ok, checked } = await confirmDialog(ask);
      if (!ok) return;
      if (name === 'delete') {
        method = 'DELETE';
        path = `/v1/sessions/${seg(id)}${checked ? '?purge=true' : ''}`;
      }
    }
    setText(msg, `${name[0].toUpperCase()}${name.slice(1)}…`);
    try {
      const res = await busy([...document.querySelectorAll('#detail [data-action]')],
        () => this.client.request(method, path));
      setText(msg, DONE[name] || '');
      if (name === 'delete') {
        this.remove(id);
        announce(`Session ${id} deleted`);
        return;
      }
      if (res && res.id) this.put(res);
      else this.refetch(id);
    } catch (err) {
      setText(msg, `${name} failed: ${describe(err)}`);
    }
    if (this.selected === id) this.renderDetail();
  }

  async screenshot(button) {
    const s = this.current();
    const msg = $('action-msg');
    try {
      const blob = await busy(button, () => this.client.get(`/v1/sessions/${seg(s.id)}/screenshot`, { accept: 'image/png' }));
      const img = $('shot-img');
      if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(blob);
      show($('shot-box'), true);
      setText(msg, '');
    } catch (err) {
      setText(msg, `screenshot failed: ${describe(err)}`);
    }
  }
}

/** kv fills a <dl> with [term, value] rows. */
export function kv(dl, rows) {
  replace(dl, rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}
