// The webhooks view: list, create (showing the secret once), enable and
// disable, send a test event, delete, and the delivery log with retry of
// dead letters.

import { describe, seg } from './api.js';
import { $, h, setText, show, replace, when, list, busy, confirmDialog, announce } from './dom.js';

export class WebhooksView {
  constructor(app) {
    this.app = app;
    this.client = null;
    this.open = null; // webhook whose deliveries are shown
    this.isVisible = false;
    this.notes = new Map(); // webhook id → last action's result, kept across reloads
    $('wh-form').addEventListener('submit', (e) => this.create(e));
    $('dl-status').addEventListener('change', () => this.deliveries());
    app.onEvent((ev) => {
      if (ev.type === 'webhook.disabled' && this.isVisible) this.load();
    });
  }

  attach(client) { this.client = client; }

  detach() {
    this.client = null;
    this.open = null;
    this.sig = null;
    replace($('wh-list'));
    show($('wh-deliveries'), false);
    show($('wh-secret'), false);
  }

  visible(on) {
    this.isVisible = on;
    if (on) this.load();
  }

  async load() {
    if (!this.client) return;
    try {
      const { webhooks } = await this.client.get('/v1/webhooks');
      // Unchanged data keeps the elements (and whatever is focused or clicked).
      const sig = JSON.stringify(webhooks);
      if (sig === this.sig) return;
      this.sig = sig;
      // Rebuilding the list must not lose a keyboard user's place.
      const active = document.activeElement;
      const li = active && active.closest && active.closest('#wh-list li.wh');
      const at = li ? [...li.querySelectorAll('button, input')].indexOf(active) : -1;
      replace($('wh-list'), (webhooks || []).map((w) => this.item(w)));
      if (li && at >= 0) {
        const again = $('wh-list').querySelector(`li[data-id="${CSS.escape(li.dataset.id)}"]`);
        again?.querySelectorAll('button, input')[at]?.focus();
      }
      show($('wh-empty'), !webhooks || webhooks.length === 0);
      if (this.open && !(webhooks || []).some((w) => w.id === this.open)) {
        this.open = null;
        show($('wh-deliveries'), false);
      }
    } catch (err) {
      this.sig = null;
      replace($('wh-list'), h('li', { class: 'error' }, `Webhooks: ${describe(err)}`));
    }
  }

  /** note shows the result of an action on webhook wid, also after the list reloads. */
  note(wid, text) {
    this.notes.set(wid, text);
    const el = $('wh-list').querySelector(`li[data-id="${CSS.escape(wid)}"] .action-msg`);
    if (el) setText(el, text);
  }

  item(w) {
    const msg = h('p', { class: 'action-msg', role: 'status' }, this.notes.get(w.id) || '');
    const toggleId = `wh-enabled-${w.id}`;
    const toggle = h('input', { type: 'checkbox', id: toggleId, checked: w.enabled });
    toggle.addEventListener('change', () => this.setEnabled(w, toggle));
    const scope = (xs, all) => (xs && xs.length ? xs.join(', ') : all);
    return h('li', { class: 'card wh', dataset: { id: w.id } },
      h('div', { class: 'row spread' },
        h('p', { class: 'wh-url' }, w.url),
        h('label', { class: 'switch', for: toggleId }, toggle, ' Enabled')),
      h('p', { class: 'muted' }, `${w.id} · sessions: ${scope(w.sessions, 'all')} · types: ${scope(w.types, 'all')}`),
      w.disabled_reason ? h('p', { class: 'error' }, `Disabled: ${w.disabled_reason}`) : null,
      w.failing_since ? h('p', { class: 'warn' }, `Failing since ${when(w.failing_since)}`) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: (e) => this.test(w, e.currentTarget) }, 'Send test'),
        h('button', { type: 'button', onclick: () => this.showDeliveries(w) }, 'Deliveries'),
        h('button', { type: 'button', class: 'danger', onclick: () => this.remove(w) }, 'Delete')),
      msg);
  }

  async create(e) {
    e.preventDefault();
    const err = $('wh-error');
    setText(err, '');
    const url = $('wh-url').value.trim();
    if (!/^https?:\/\/\S+$/i.test(url)) {
      setText(err, 'URL: an http or https address.');
      $('wh-url').focus();
      return;
    }
    const body = { url, sessions: list($('wh-sessions').value), types: list($('wh-types').value) };
    try {
      const w = await busy(e.target.querySelector('button[type=submit]'), () => this.client.post('/v1/webhooks', body));
      e.target.reset();
      $('wh-create-box').open = false;
      const box = $('wh-secret');
      replace(box, h('p', {}, 'Webhook created. Its signing secret is shown only now; copy it:'),
        h('p', {}, h('code', { class: 'secret' }, w.secret || '')));
      show(box, true);
      await this.load();
      announce('Webhook created');
    } catch (ex) {
      setText(err, ex.field ? `${ex.field}: ${describe(ex)}` : describe(ex));
    }
  }

  async setEnabled(w, toggle) {
    const want = toggle.checked;
    toggle.disabled = true;
    try {
      await this.client.patch(`/v1/webhooks/${seg(w.id)}`, { enabled: want });
      await this.load();
      this.note(w.id, want ? 'Enabled.' : 'Disabled.');
    } catch (err) {
      toggle.checked = !want;
      this.note(w.id, describe(err));
    } finally {
      toggle.disabled = false;
    }
  }

  async test(w, button) {
    this.note(w.id, 'Sending a test event…');
    try {
      const r = await busy(button, () => this.client.post(`/v1/webhooks/${seg(w.id)}/test`));
      this.note(w.id, r.ok
        ? `Test delivered: HTTP ${r.status_code} in ${Math.round(r.latency_ms)} ms.`
        : `Test failed: ${r.error || `HTTP ${r.status_code}`}.`);
    } catch (err) {
      this.note(w.id, describe(err));
    }
  }

  async remove(w) {
    const { ok } = await confirmDialog({ title: 'Delete this webhook?', text: `${w.url} stops receiving events; its delivery log and dead letters are deleted.`, ok: 'Delete' });
    if (!ok) return;
    try {
      await this.client.del(`/v1/webhooks/${seg(w.id)}`);
      announce('Webhook deleted');
      this.load();
    } catch (err) {
      this.note(w.id, describe(err));
    }
  }

  showDeliveries(w) {
    this.open = w.id;
    setText($('dl-title'), `Deliveries to ${w.url}`);
    show($('wh-deliveries'), true);
    this.deliveries();
    $('wh-deliveries').scrollIntoView({ block: 'start' });
  }

  async deliveries() {
    const wid = this.open;
    if (!wid || !this.client) return;
    const status = $('dl-status').value;
    try {
      const { deliveries } = await this.client.get(`/v1/webhooks/${seg(wid)}/deliveries${status ? `?status=${seg(status)}` : ''}`);
      if (wid !== this.open) return;
      replace($('dl-body'), (deliveries || []).map((d) => this.delivery(wid, d)));
      show($('dl-empty'), !deliveries || deliveries.length === 0);
    } catch (err) {
      setText($('dl-msg'), describe(err));
    }
  }

  delivery(wid, d) {
    const retry = d.status === 'dead'
      ? h('button', { type: 'button', onclick: (e) => this.retry(wid, d, e.currentTarget), 'aria-label': `Retry delivery of event ${d.event_id}` }, 'Retry')
      : null;
    return h('tr', { dataset: { status: d.status } },
      h('td', {}, `#${d.event_id}`), h('td', {}, d.event_type), h('td', {}, d.session || '–'),
      h('td', {}, h('span', { class: `badge small dl-${d.status}` }, d.status), d.error ? h('span', { class: 'muted dl-error' }, ` ${d.error}`) : null),
      h('td', {}, String(d.attempts)), h('td', {}, d.last_status_code ? String(d.last_status_code) : '–'),
      h('td', {}, `${Math.round(d.latency_ms || 0)} ms`), h('td', {}, when(d.at)), h('td', {}, retry));
  }

  async retry(wid, d, button) {
    setText($('dl-msg'), `Retrying event ${d.event_id}…`);
    try {
      const r = await busy(button, () => this.client.post(`/v1/webhooks/${seg(wid)}/deliveries/${seg(d.id)}/retry`));
      setText($('dl-msg'), `Event ${d.event_id}: ${r.status}${r.error ? ` (${r.error})` : ''}.`);
      this.deliveries();
    } catch (err) {
      setText($('dl-msg'), describe(err));
    }
  }
}
