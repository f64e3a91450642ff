// Small DOM helpers shared by the views. No framework: elements are built
// with h() and updated in place, so focus and open <details> survive updates.

/** $ returns the element with the id, or throws (a typo must fail loudly). */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no element #${id}`);
  return el;
}

/**
 * h builds an element: h('li', {class: 'x', dataset: {id: 'a'}, onclick: f}, 'text', child).
 * Attributes become properties when the element has them (value, checked,
 * disabled, hidden), else attributes. Strings are text, never HTML.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** replace empties el and appends the children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** setText sets el's text only when it changed (avoids re-announcing live regions). */
export function setText(el, text) {
  text = text ?? '';
  if (el.textContent !== text) el.textContent = text;
}

/** show toggles el.hidden. */
export function show(el, visible) {
  el.hidden = !visible;
}

let announceTimer;
/** announce reads a short message out through the page's aria-live region. */
export function announce(msg) {
  const el = $('announcer');
  clearTimeout(announceTimer);
  // Re-setting the same text is not announced; clear first.
  el.textContent = '';
  announceTimer = setTimeout(() => { el.textContent = msg; }, 50);
}

/** bytes formats a byte count: 183 MB. */
export function bytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

/** duration formats seconds: 42s, 3m 05s, 2h 10m, 3d 4h. */
export function duration(s) {
  s = Math.max(0, Math.round(s || 0));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

/** clock formats a time as local HH:MM:SS. */
export function clock(t) {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour12: false });
}

/** when formats a time as a short local date and time. */
export function when(t) {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  const today = new Date().toDateString() === d.toDateString();
  return today ? clock(d) : `${d.toLocaleDateString()} ${clock(d)}`;
}

/** phone formats a WhatsApp phone number or id for display: +15551234567. */
export function phone(p) {
  if (!p) return '';
  const digits = String(p).split('@')[0];
  return /^\d+$/.test(digits) ? `+${digits}` : digits;
}

/** list splits a comma-separated input into trimmed, non-empty items. */
export function list(s) {
  return String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
}

/**
 * confirmDialog asks with the page's <dialog> and resolves to
 * {ok, checked}. check, when given, adds a labelled checkbox.
 */
export function confirmDialog({ title, text, ok, check }) {
  const dlg = $('confirm');
  setText($('confirm-title'), title);
  setText($('confirm-text'), text);
  setText($('confirm-ok'), ok);
  $('confirm-extra').hidden = !check;
  $('confirm-check').checked = false;
  setText($('confirm-check-label'), check || '');
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      resolve({ ok: dlg.returnValue === 'ok', checked: $('confirm-check').checked });
    }, { once: true });
    dlg.showModal();
  });
}

/**
 * busy disables the buttons while the promise runs and returns its result.
 */
export async function busy(buttons, fn) {
  const list = Array.isArray(buttons) ? buttons : [buttons];
  const was = list.map((b) => b.disabled);
  list.forEach((b) => { b.disabled = true; b.setAttribute('aria-busy', 'true'); });
  try {
    return await fn();
  } finally {
    list.forEach((b, i) => { b.disabled = was[i]; b.removeAttribute('aria-busy'); });
  }
}
