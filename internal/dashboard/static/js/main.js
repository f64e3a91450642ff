// The dashboard's entry point: the key prompt, the hash router, the one
// event stream every view listens to, and the views themselves.

import { Client, describe } from './api.js';
import { $, setText, show } from './dom.js';
import { EventStream } from './stream.js';
import { SessionsView } from './sessions.js';
import { EventsView } from './events.js';
import { WebhooksView } from './webhooks.js';

const KEY = 'easy-api.key';

/** App holds what the views share: the client, the stream and the session list. */
class App {
  constructor() {
    this.client = null;
    this.stream = null;
    this.views = {};
    this.eventHandlers = [];
  }

  /** onEvent registers a handler for every live event. */
  onEvent(fn) {
    this.eventHandlers.push(fn);
  }

  /** connect tries the key; on success it stores it and opens the app. */
  async connect(key) {
    const client = new Client(key, (err) => this.signOut(describe(err)));
    setText($('key-error'), '');
    try {
      // Any authenticated route proves the key; the list is needed anyway.
      const list = await client.get('/v1/sessions');
      sessionStorage.setItem(KEY, key);
      this.client = client;
      this.open(list.sessions || []);
      return true;
    } catch (err) {
      setText($('key-error'), describe(err));
      sessionStorage.removeItem(KEY);
      this.showLogin();
      return false;
    }
  }

  open(sessions) {
    show($('login'), false);
    show($('nav'), true);
    show($('signout'), true);
    for (const v of Object.values(this.views)) v.attach(this.client);
    this.views.sessions.load(sessions);
    this.stream = new EventStream(this.client, {
      event: (ev) => this.eventHandlers.forEach((fn) => fn(ev)),
      state: (s, detail) => this.connState(s, detail),
      open: () => {
        // Counted for people and tests: each (re)connection of the stream.
        const el = $('conn');
        el.dataset.opens = String(Number(el.dataset.opens || 0) + 1);
        this.views.sessions.refresh();
      },
      resync: () => this.views.sessions.refresh(),
      unauthorized: (err) => this.signOut(describe(err)),
    });
    this.stream.start();
    this.route();
  }

  /** signOut forgets the key and shows the prompt, with why. */
  signOut(message) {
    sessionStorage.removeItem(KEY);
    if (this.stream) this.stream.stop();
    this.stream = null;
    this.client = null;
    for (const v of Object.values(this.views)) v.detach();
    setText($('key-error'), message || '');
    this.showLogin();
  }

  showLogin() {
    for (const id of ['view-sessions', 'view-events', 'view-webhooks', 'nav', 'signout']) show($(id), false);
    show($('login'), true);
    this.connState('off');
    const input = $('key-input');
    input.value = '';
    input.focus();
  }

  connState(state, detail) {
    const el = $('conn');
    el.dataset.state = state;
    const text = {
      off: 'Not connected',
      connecting: 'Connecting…',
      live: 'Live',
      reconnecting: 'Reconnecting…',
    }[state] || state;
    setText(el, text);
    el.title = detail || '';
  }

  /** route shows the view named by the location hash: #/sessions[/id], #/events, #/webhooks. */
  route() {
    if (!this.client) return;
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    let name = parts[0] || 'sessions';
    if (!this.views[name]) name = 'sessions';
    for (const [n, v] of Object.entries(this.views)) {
      show($(`view-${n}`), n === name);
      v.visible(n === name);
    }
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (name === 'sessions') this.views.sessions.select(parts[1] || null);
  }
}

function boot() {
  const app = new App();
  app.views.sessions = new SessionsView(app);
  app.views.events = new EventsView(app);
  app.views.webhooks = new WebhooksView(app);

  $('key-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = e.submitter || $('key-form').querySelector('button');
    btn.disabled = true;
    try {
      await app.connect($('key-input').value.trim());
    } finally {
      btn.disabled = false;
    }
  });
  $('signout').addEventListener('click', () => app.signOut(''));
  window.addEventListener('hashchange', () => app.route());

  const stored = sessionStorage.getItem(KEY);
  if (stored !== null) app.connect(stored);
  else app.showLogin();
}

boot();
