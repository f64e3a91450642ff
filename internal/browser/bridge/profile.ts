// profile.ts: our own profile (push name, about text, picture) through
// wa-js 4.6.0's WPP.profile (src/profile/functions), docs/bridge.md.
import type { WPPSubset } from './wpp';
import { str, refusal } from './values';

type Args = Record<string, unknown>;

/** Profile is the bridge's shape of our profile (session.Profile). */
export interface Profile {
  id: string;
  phone: string;
  push_name: string;
  about: string;
  picture_url: string;
}

/** profileCalls builds the profile calls on the WPP that wpp() returns. */
export function profileCalls(wpp: () => WPPSubset): Record<string, (args: Args) => Promise<unknown>> {
  // pictureUrl is the URL of our picture, or '' when there is none:
  // getMyProfilePicture answers a thumb model whose eurl is empty then.
  async function pictureUrl(w: WPPSubset): Promise<string> {
    try {
      const thumb = await w.profile.getMyProfilePicture();
      return thumb ? str(thumb.eurl || thumb.imgFull || thumb.img) : '';
    } catch {
      return '';
    }
  }

  async function getProfile(): Promise<Profile> {
    const w = wpp();
    const wid = w.conn.getMyUserId();
    const id = wid ? str(wid._serialized || wid) : '';
    return { id, phone: id.endsWith('@c.us') ? id.split('@')[0] : '', push_name: str(w.profile.getMyProfileName()),
      about: str(await w.profile.getMyStatus()), picture_url: await pictureUrl(w) };
  }

  const need = (args: Args, name: string): string => {
    const v = args[name];
    if (typeof v !== 'string') throw new Error(name + ' is required');
    return v;
  };
  const ok = (done: boolean, code: string, text: string) => {
    if (!done) throw refusal(code, text);
  };

  return {
    getProfile,
    setProfileName: async (args) => {
      ok(await wpp().profile.setMyProfileName(need(args, 'name')), 'set_profile_name_failed', 'WhatsApp did not set the name');
      return getProfile();
    },
    setProfileAbout: async (args) => {
      ok(await wpp().profile.setMyStatus(need(args, 'about')), 'set_status_failed', 'WhatsApp did not set the about text');
      return getProfile();
    },
    setProfilePicture: async (args) => {
      // wa-js crops and scales the image to WhatsApp's 640×640 and 96×96 JPEGs.
      const r = await wpp().profile.setMyProfilePicture('data:' + need(args, 'mimetype') + ';base64,' + need(args, 'data'));
      ok(!!r && Number(r.status) === 200, 'set_picture_failed', 'WhatsApp answered status ' + str(r && r.status));
      return getProfile();
    },
    removeProfilePicture: async () => {
      // Removing a picture that is not there does nothing, as on the phone.
      const w = wpp();
      if (await pictureUrl(w)) {
        ok(await w.profile.removeMyProfilePicture(), 'remove_picture_failed', 'WhatsApp did not remove the picture');
      }
      return getProfile();
    },
  };
}
