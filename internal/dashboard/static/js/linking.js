// The linking panel of the selected session: the live QR code (replaced on
// every session.qr event, with the time it has left), the pairing code for
// "link with phone number", and the linked account once WORKING.

import { describe, seg } from './api.js';
import { $, h, replace, setText, show, phone, busy, announce } from './dom.js';

const HINT = {
  STOPPED: 'Stopped. Start it to link a phone or resume the stored link.',
  STARTING: 'Starting the browser and loading WhatsApp Web…',
  RESUMING: 'Restoring the stored link: no scan needed.',
  SYNCING: 'Linked. WhatsApp Web is loading the chats…',
  RESTARTING: 'The browser is being relaunched; the link will be restored.',
  FAILED: 'Failed. Start tries again.',
};

export class LinkPanel {
  constructor(view) {
    this.view = view;
    this.client = null;
    this.qr = null; // {code, image, expires_at, index} shown now
    this.seq = 0; // orders overlapping QR fetches
    this.tick = null;
    this.inflight = false;
    this.fetchedAt = 0;
    this.sessionId = null;
    $('pair-form').addEventListener('submit', (e) => this.pair(e));
  }

  attach(client) {
    this.client = client;
    this.tick = setInterval(() => this.countdown(), 1000);
  }

  detach() {
    this.client = null;
    clearInterval(this.tick);
    this.reset();
  }

  reset() {
    this.qr = null;
    this.seq++;
    this.inflight = false;
    this.sessionId = null;
    $('qr-img').removeAttribute('src');
    delete $('qr-img').dataset.index;
    pairNote('');
    setText($('qr-left'), '');
    setText($('qr-index'), '');
  }

  render(s) {
    this.sessionId = s.id;
    const st = s.status;
    const linked = st === 'WORKING' && s.me;
    show($('account'), !!linked);
    if (linked) {
      setText($('account-name'), s.me.push_name || phone(s.me.phone || s.me.id));
      setText($('account-phone'), phone(s.me.phone || s.me.id));
    }
    const scanning = st === 'SCAN_QR_CODE';
    show($('qr-box'), scanning && !!this.qr);
    show($('pair-form'), scanning);
    if (!scanning) {
      this.qr = null;
      this.seq++; // a QR fetch still on its way is stale
      setText($('qr-left'), '');
      setText($('qr-index'), '');
      if (st !== 'SYNCING') pairNote('');
    } else if (!this.qr && !this.inflight) {
      this.fetchQR();
    }
    let hint = linked ? '' : HINT[st] || '';
    if (scanning && !this.qr) hint = 'Waiting for the QR code…';
    setText($('link-hint'), hint);
  }

  /** qrChanged is told of a session.qr event of the selected session. */
  qrChanged(data) {
    if (this.qr && data && data.index === this.qr.index && data.code === this.qr.code) return;
    this.fetchQR();
  }

  async fetchQR() {
    const id = this.sessionId;
    if (!this.client || !id) return;
    const my = ++this.seq;
    this.inflight = true;
    this.fetchedAt = Date.now();
    try {
      const qr = await this.client.get(`/v1/sessions/${seg(id)}/qr`);
      if (my !== this.seq || id !== this.sessionId) return; // a newer fetch, or another session
      if (this.view.current()?.status !== 'SCAN_QR_CODE') return; // linked while it was on its way
      const first = !this.qr;
      this.qr = qr;
      const img = $('qr-img');
      img.src = qr.image;
      img.dataset.index = String(qr.index);
      img.dataset.code = qr.code;
      setText($('qr-index'), `code ${qr.index}`);
      this.countdown();
      show($('qr-box'), true);
      setText($('link-hint'), '');
      if (first) announce(`QR code ready for ${id}`);
    } catch (err) {
      if (my !== this.seq) return;
      if (err.code === 'not_scan_qr_code' || err.status === 409) {
        this.qr = null;
        show($('qr-box'), false);
      } else {
        setText($('link-hint'), `QR code: ${describe(err)}`);
      }
    } finally {
      if (my === this.seq) this.inflight = false;
    }
  }

  countdown() {
    if (!this.qr) return;
    const left = Math.round((Date.parse(this.qr.expires_at) - Date.now()) / 1000);
    setText($('qr-left'), left > 0 ? `${left}s left` : 'expired: a new code is on its way');
    $('qr-box').classList.toggle('expired', left <= 0);
    // Normally a session.qr event brings the next code; ask if it is late.
    if (left <= -2 && !this.inflight && Date.now() - this.fetchedAt > 3000) this.fetchQR();
  }

  async pair(e) {
    e.preventDefault();
    const id = this.sessionId;
    const input = $('pair-phone');
    const digits = input.value.replace(/[\s()+.-]/g, '');
    if (!/^\d{6,15}$/.test(digits)) {
      pairNote('Enter the phone number with its country code, e.g. +1 555 123 4567.');
      input.focus();
      return;
    }
    try {
      const res = await busy(e.target.querySelector('button'),
        () => this.client.post(`/v1/sessions/${seg(id)}/pairing-code`, { phone: digits }));
      this.pairingCode(res.code, res.phone);
    } catch (err) {
      pairNote(`Pairing code: ${describe(err)}`);
    }
  }

  pairingCode(code, forPhone) {
    if (!code) return;
    const el = $('pair-code');
    el.dataset.code = code;
    // WhatsApp shows the 8 characters as XXXX-XXXX; so do we.
    const shown = /^[A-Z0-9]{8}$/i.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
    replace(el, h('span', { class: 'pair-label' }, `Pairing code${forPhone ? ` for ${phone(forPhone)}` : ''}`),
      h('span', { class: 'pair-value' }, shown));
    announce(`Pairing code ${shown.split('').join(' ')}`);
  }
}

/** pairNote replaces the pairing code with a note (or nothing). */
function pairNote(text) {
  const el = $('pair-code');
  delete el.dataset.code;
  setText(el, text);
}
