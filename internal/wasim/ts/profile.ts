// profile.ts: the simulator's WPP.profile and WPP.call as the bridge uses
// them (WPPSubset: wa-js 4.6.0's names, signatures and returns). Our
// profile lives on the server (the account's name, about text and
// picture, GET /__sim/profile); a picture is cropped and scaled to
// WhatsApp's 640×640 JPEG in the page, as wa-js's setMyProfilePicture
// does, and uploaded like media. Incoming calls arrive from the server
// (POST /__sim/call) and are emitted as call.incoming_call with wa-js's
// payload; call.reject is an "act" the server logs, so the caller sees it.
import type { ProfilePicThumbModel, WPPSubset } from '../../browser/bridge/wpp';
import { widOf, type Sim } from './sim';
import { fake } from './watypes';

type Profile = WPPSubset['profile'];
type CallNS = WPPSubset['call'];

/** CALL_STATES are the CallModel states wa-js's call functions check. */
const RINGING = 'ReceivedCall';
const PICTURE_SIDE = 640;

/** profile fills WPP.profile and WPP.call of sim. */
export function profile(sim: Sim): void {
  const st = sim.state;
  const { WPPError, emit } = sim;
  const act = (a: Record<string, unknown>) => sim.request({ t: 'act', act: a });
  const mine = async () => (await sim.request({ t: 'query', q: 'profile' })).profile || { name: '', about: '', picture: '' };
  const me = () => (st.creds && st.creds.wid ? String(st.creds.wid) : '');

  function creds(): Record<string, string> {
    if (!st.creds) throw new WPPError('not_authenticated', 'Not authenticated');
    return { 'X-WASim-Device': st.creds.device_id, 'X-WASim-Secret': st.creds.secret };
  }

  // jpeg crops the image to a square from its centre and scales it to
  // side × side, as wa-js's resizeImage with resize 'cover'.
  async function jpeg(content: string, side: number): Promise<Blob> {
    const src = await (await fetch(content)).blob();
    let bmp: ImageBitmap;
    try {
      bmp = await createImageBitmap(src);
    } catch {
      throw new Error('The image could not be decoded');
    }
    const s = Math.min(bmp.width, bmp.height);
    const canvas = new OffscreenCanvas(side, side);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('The image could not be drawn');
    ctx.drawImage(bmp, (bmp.width - s) / 2, (bmp.height - s) / 2, s, s, 0, 0, side, side);
    bmp.close();
    return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  }

  const thumb = (media: string) => {
    const id = widOf(me());
    const eurl = media ? location.origin + '/__page/media/' + encodeURIComponent(media) : undefined;
    return fake<ProfilePicThumbModel>({ id, eurl, img: eurl, imgFull: eurl, tag: media || undefined, canSet: () => true, canDelete: () => !!media });
  };

  const p: Profile = {
    getMyProfileName: () => (st.creds ? String(st.creds.push_name || '') : ''),
    setMyProfileName: async (name) => {
      await act({ type: 'profile_name', value: String(name) });
      if (st.creds) st.creds = { ...st.creds, push_name: String(name) };
      return true;
    },
    getMyStatus: async () => (await mine()).about || undefined,
    setMyStatus: async (text) => {
      await act({ type: 'profile_about', value: String(text) });
      return true;
    },
    getMyProfilePicture: async () => thumb((await mine()).picture || ''),
    setMyProfilePicture: async (content) => {
      const blob = await jpeg(String(content), PICTURE_SIDE);
      const up = await fetch('/__page/media', { method: 'POST', headers: { 'Content-Type': 'image/jpeg', ...creds() }, body: blob });
      if (!up.ok) throw new WPPError('media_upload_failed', `upload failed: ${up.status} ${await up.text()}`);
      const media = String((await up.json()).media);
      await act({ type: 'profile_picture', value: media });
      return { eurl: location.origin + '/__page/media/' + encodeURIComponent(media), status: 200, tag: media,
        token: media, _duplicate: false };
    },
    removeMyProfilePicture: async () => {
      await act({ type: 'profile_picture_remove' });
      return true;
    },
  };

  // The calls this page heard of, with their CallModel state.
  const calls = new Map<string, { state: string; isGroup: boolean }>();
  const call: CallNS = {
    reject: async (callId) => {
      const c = callId ? calls.get(callId) : [...calls.values()].find((x) => x.state === RINGING || x.isGroup);
      if (!c) throw new WPPError('call_not_found', `Call ${callId || '<empty>'} not found`);
      if (c.state !== RINGING && !c.isGroup) throw new WPPError('call_is_not_incoming_ring', `Call ${callId || '<empty>'} is not incoming ring`);
      await act({ type: 'call_reject', value: String(callId) });
      c.state = 'Rejected';
      return true;
    },
  };

  // Server → page: an incoming call rings; wa-js emits call.incoming_call
  // from CallStore's change to ReceivedCall (and, for a group call, on add).
  sim.handlers.call = (m) => {
    const c = m.call;
    if (!c) return;
    if (c.state !== 'ringing') {
      const known = calls.get(c.id);
      if (known) known.state = c.state === 'rejected' ? 'Rejected' : 'Ended';
      return;
    }
    calls.set(c.id, { state: RINGING, isGroup: !!c.is_group });
    const sender = widOf(c.from);
    const peerJid = widOf(c.from.replace('@', ':0@'));
    queueMicrotask(() => emit('call.incoming_call', { id: c.id, isGroup: !!c.is_group, isVideo: !!c.is_video,
      offerTime: c.offer_time, sender, peerJid }));
  };

  sim.wpp.profile = p;
  sim.wpp.call = call;
  // wa-js's chat namespace also exports this non-function, which the
  // bridge never uses; the raw call must refuse it (it is not a function).
  Object.assign(sim.wpp.chat, { defaultSendMessageOptions: { createChat: false, detectMentioned: true, linkPreview: true,
    markIsRead: true, waitForAck: true } });
}
