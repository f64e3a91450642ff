// The messaging panel of the selected session: its chats, the messages of
// one chat (kept live by message.* events) and a form to send a text.

import { describe, seg } from './api.js';
import { $, h, setText, show, replace, when, phone, busy } from './dom.js';

export class MessagingPanel {
  constructor(view) {
    this.view = view;
    this.client = null;
    this.reset();
    $('send-form').addEventListener('submit', (e) => this.send(e));
    $('chats-reload').addEventListener('click', () => this.loadChats());
  }

  attach(client) { this.client = client; }

  detach() {
    this.client = null;
    this.reset();
  }

  reset() {
    this.sessionId = null;
    this.loaded = false;
    this.chat = null; // open chat id
    this.messages = new Map(); // id → <li> of the open chat
    this.chatsTimer = null;
    this.chatsSig = null;
    if (document.getElementById('chat-list')) {
      replace($('chat-list'));
      replace($('message-list'));
      setText($('thread-title'), 'Messages');
      setText($('send-error'), '');
      $('send-chat').value = '';
      $('send-text').value = '';
    }
  }

  render(s) {
    const working = s.status === 'WORKING';
    show($('msg-on'), working);
    show($('msg-off'), !working);
    if (s.id !== this.sessionId) {
      this.reset();
      this.sessionId = s.id;
    }
    if (working && !this.loaded) {
      this.loaded = true;
      this.loadChats();
    }
    if (!working) this.loaded = false;
  }

  async loadChats() {
    const id = this.sessionId;
    if (!this.client || !id) return;
    try {
      const { chats } = await this.client.get(`/v1/sessions/${seg(id)}/chats`);
      if (id !== this.sessionId) return;
      // Unchanged chats keep their buttons (and the focus on one).
      const sig = JSON.stringify(chats);
      if (sig === this.chatsSig) return;
      this.chatsSig = sig;
      const items = (chats || []).map((c) => h('li', {},
        h('button', { type: 'button', class: 'chat', 'aria-pressed': String(c.id === this.chat), dataset: { chat: c.id }, onclick: () => this.open(c) },
          h('span', { class: 'chat-name' }, c.name || phone(c.id)),
          c.unread_count ? h('span', { class: 'count', title: 'unread' }, String(c.unread_count)) : null,
          h('span', { class: 'muted chat-id' }, c.id))));
      replace($('chat-list'), items);
      show($('chats-empty'), items.length === 0);
    } catch (err) {
      replace($('chat-list'), h('li', { class: 'error' }, `Chats: ${describe(err)}`));
    }
  }

  async open(c) {
    this.chat = c.id;
    for (const b of $('chat-list').querySelectorAll('button.chat')) b.setAttribute('aria-pressed', String(b.dataset.chat === c.id));
    setText($('thread-title'), `Messages with ${c.name || phone(c.id)}`);
    $('send-chat').value = c.id;
    this.messages = new Map();
    replace($('message-list'), h('li', { class: 'muted' }, 'Loading…'));
    const id = this.sessionId;
    try {
      const { messages } = await this.client.get(`/v1/sessions/${seg(id)}/chats/${seg(c.id)}/messages?limit=50`);
      if (id !== this.sessionId || this.chat !== c.id) return;
      replace($('message-list'));
      for (const m of messages || []) this.add(m);
      if (!messages || !messages.length) replace($('message-list'), h('li', { class: 'muted empty' }, 'No messages yet.'));
    } catch (err) {
      replace($('message-list'), h('li', { class: 'error' }, `Messages: ${describe(err)}`));
    }
  }

  /** add appends m to the open thread, or updates it when already shown. */
  add(m) {
    const list = $('message-list');
    list.querySelector('.empty')?.remove();
    let li = this.messages.get(m.id);
    const body = m.body || m.caption || (m.type && m.type !== 'chat' ? `[${m.type}${m.filename ? `: ${m.filename}` : ''}]` : '');
    const meta = `${m.from_me ? 'me' : phone(m.from)} · ${when(m.timestamp * 1000)}${m.from_me && m.ack ? ` · ${m.ack}` : ''}`;
    if (!li) {
      li = h('li', { class: m.from_me ? 'msg me' : 'msg them', dataset: { id: m.id } }, h('p', { class: 'body' }), h('p', { class: 'meta muted' }));
      this.messages.set(m.id, li);
      list.append(li);
    }
    setText(li.children[0], body);
    setText(li.children[1], meta);
    li.dataset.ack = m.ack || '';
    li.scrollIntoView({ block: 'nearest' });
  }

  onEvent(ev) {
    const d = ev.data || {};
    if (ev.type === 'message.ack') {
      const li = this.messages.get(d.id);
      if (li) {
        li.dataset.ack = d.ack;
        const meta = li.children[1];
        setText(meta, meta.textContent.replace(/ · [A-Z]+$/, '') + ` · ${d.ack}`);
      }
      return;
    }
    if (ev.type === 'message.revoked') {
      const li = this.messages.get(d.id);
      if (li) setText(li.children[0], '[deleted]');
      return;
    }
    if (this.chat && d.chat_id === this.chat) this.add(d);
    // A new chat, or one whose unread count moved: reload the list soon.
    clearTimeout(this.chatsTimer);
    this.chatsTimer = setTimeout(() => this.loadChats(), 500);
  }

  async send(e) {
    e.preventDefault();
    const err = $('send-error');
    setText(err, '');
    const chat = $('send-chat').value.trim();
    const text = $('send-text').value;
    if (!chat) { setText(err, 'Enter a chat id or a phone number with its country code.'); $('send-chat').focus(); return; }
    if (!text.trim()) { setText(err, 'Type a message.'); $('send-text').focus(); return; }
    const id = this.sessionId;
    try {
      const m = await busy(e.target.querySelector('button[type=submit]'),
        () => this.client.post(`/v1/sessions/${seg(id)}/messages`, { chat_id: chat, text }));
      $('send-text').value = '';
      if (m && m.chat_id && m.chat_id === this.chat) this.add(m);
      else if (m && m.chat_id) this.open({ id: m.chat_id });
    } catch (ex) {
      setText(err, describe(ex));
    }
  }
}
