// ui.ts: renders the simulated WhatsApp Web so screenshots make sense: the
// QR code (or "click to reload" when idle), a loading screen, and a chat list
// placeholder when linked. It only reads window.WPP and the shared state.
import { sim as getSim } from './sim';

function start(): void {
  const sim = getSim();
  if (!sim) return;
  const st = sim.state;
  const WPP = sim.wpp;
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

  function screen(): string {
    if (st.mode === 'CONFLICT' && st.creds) return 'conflict';
    if (st.mode === 'MAIN' && st.creds) return 'main';
    if (st.creds) return 'loading';
    if (st.idle) return 'idle';
    if (st.ref) return 'qr';
    return 'loading';
  }

  function render(): void {
    const s = screen();
    document.body.dataset.screen = s;
    const code = s === 'qr' ? sim!.authCode() : null;
    const img = $<HTMLImageElement>('qr-img');
    if (code && img.dataset.code !== code.fullCode) {
      img.dataset.code = code.fullCode;
      img.src = '/__page/qr.png?code=' + encodeURIComponent(code.fullCode);
    }
    if (!code && s !== 'idle') {
      delete img.dataset.code;
      img.removeAttribute('src');
    }
    $('pair-box').hidden = !st.pairing;
    $('pair-code').textContent = st.pairing ? st.pairing.code.slice(0, 4) + '-' + st.pairing.code.slice(4) : '';
    $('loading-text').textContent =
      st.info === 'RESUMING' ? 'Resuming your session…'
        : st.mode === 'SYNCING' ? 'Loading your chats…'
          : st.info === 'CONNECTING' ? 'Connecting…' : 'Loading…';
    $('phone-offline').hidden = !(st.creds && st.creds.legacy && !st.phoneOnline);
    if (st.creds) {
      $('me-name').textContent = st.creds.push_name || '';
      $('me-phone').textContent = '+' + String(st.creds.wid || '').split('@')[0];
    }
  }

  sim.renderers.push(render);
  $('use-here').addEventListener('click', () => Promise.resolve(WPP.whatsapp.Socket.takeover()).catch(console.error));
  $('qr-reload').addEventListener('click', () => WPP.conn.refreshQR().catch(console.error));
  $('pair-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    WPP.conn.startLinkDeviceCodeForPhoneNumber($<HTMLInputElement>('pair-phone').value).catch((e: Error) => alert(e.message));
  });
  render();
}

start();
