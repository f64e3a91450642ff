// sim.ts: the private state the simulator's scripts share through
// window.__wasim (wpp.ts creates it; chat.ts, core.ts and ui.ts use it).
import type { AuthCode, MsgKey, MsgModel, Wid, WPPSubset } from '../../browser/bridge/wpp';
import type { WireChange, WireGroup } from './groups';
import { fake, type Emit, type StreamInfo, type StreamMode } from './watypes';

/** Creds is what a linked page keeps in its profile. */
export interface Creds {
  device_id: string;
  secret: string;
  wid?: string;
  push_name?: string;
  platform?: string;
  legacy?: boolean;
  browser_id?: string;
  client_token?: string;
  server_token?: string;
  secret_bundle?: unknown;
}

/** Reply is the server's answer to a page request. */
export interface Reply {
  id: number;
  ok: boolean;
  code?: string;
  error?: string;
  expires_at?: string;
  // messaging replies carry these (see protocol.go)
  msg?: WireMsg;
  msgs?: WireMsg[];
  chats?: WireChat[];
  contacts?: WireContact[];
  phone?: string;
  lid?: string;
  user?: WireUser; // query user (users.go)
  users?: WireUser[]; // query users
  ids?: string[]; // query blocklist, act block
  profile?: { name: string; about: string; picture: string }; // query profile (profile.go)
  biz?: unknown; // answer to a biz request (business.ts)
  // group replies (groups.go)
  group?: WireGroup;
  groups?: WireGroup[];
  results?: { wid: string; code: number; invite_code?: string; invite_code_exp?: number }[];
  requests?: { id: string; method: string; by: string; t: number }[];
  pending?: boolean;
  linked?: string[];
  failed?: { error: string; jid: string }[];
}

/**
 * Model is the simulator's message model: wa-js's MsgModel, plus WhatsApp's
 * edit fields, which wa-js's declarations lack (its
 * registerEditedMessageEvent listens for change:latestEditMsgKey), and the
 * server's id of the message's media.
 */
export type Model = MsgModel & { __media: string; latestEditMsgKey?: MsgKey; latestEditSenderTimestampMs?: number };

/** WireStatus is a status update as the server sends it (statuses.go). */
export type WireStatus = WireMsg & { author: string; font?: number; background_color?: number };

/** WireMsg is a message as the server sends it (Message in messages.go). */
export interface WireMsg {
  seq: number;
  id: string;
  key: string;
  chat_id: string;
  from: string;
  to: string;
  from_me: boolean;
  type: string;
  body?: string;
  caption?: string;
  mimetype?: string;
  filename?: string;
  media_id?: string;
  size?: number;
  timestamp: number;
  ack_code: number;
  // Content and State in content.go
  quoted_id?: string;
  mentions?: string[];
  view_once?: boolean;
  gif?: boolean;
  forwarded?: boolean;
  location?: { lat: number; lng: number; name?: string; address?: string; url?: string };
  vcards?: { displayName: string; vcard: string }[];
  poll?: { name: string; options: string[]; selectable_count: number };
  edits?: string[];
  starred?: boolean;
  votes?: Record<string, number[]>;
  // groups: who wrote a group message or made a change; gp2's subtype and recipients
  author?: string;
  subtype?: string;
  recipients?: string[];
}
export interface WireChat {
  id: string; name: string; is_group: boolean; timestamp: number; unread_count: number; // -1: marked unread
  // ChatSettings in chats.go
  archived?: boolean; pinned?: number; mute_expiration?: number; labels?: string[]; deleted?: boolean;
}
/** WireUser is what the server says of a user jid (WireUser in users.go). */
export interface WireUser {
  id: string; exists: boolean; phone?: string; lid?: string; push_name?: string; name?: string; my_contact?: boolean;
  picture?: string; about?: string; blocked?: boolean; known?: boolean;
  business?: { description?: string; email?: string; website?: string[]; address?: string; categories?: string[] };
}
export interface WireContact { id: string; name: string; push_name: string; phone?: string; lid?: string }

/** ServerMsg is any message of the page channel from the server. */
export interface ServerMsg {
  t: string;
  id?: number;
  ref?: string;
  index?: number;
  creds?: { device_id: string; secret: string };
  legacy?: { browser_id: string; client_token: string; server_token: string; secret_bundle?: unknown };
  online?: boolean;
  wid?: string;
  push_name?: string;
  platform?: string;
  method?: string;
  reason?: string;
  ok?: boolean;
  code?: string;
  error?: string;
  msg?: WireMsg;
  ids?: string[];
  chat?: string;
  ack?: number;
  rid?: string;
  reaction?: { id: string; msg: string; sender: string; text: string; t: number };
  vote?: { msg: string; chat: string; sender: string; options: number[]; t: number };
  presence?: { id: string; online: boolean; state: string; t: number };
  chats?: WireChat[]; // chat (chats.go)
  call?: { id: string; from: string; is_video: boolean; is_group: boolean; offer_time: number; state: string }; // calls.go
  group?: WireGroup;
  change?: WireChange;
  status?: WireStatus; // status (statuses.go)
}

/** Mode and Info are the values of wa-js's StreamMode and StreamInfo. */
export type Mode = `${StreamMode}`;
export type Info = `${StreamInfo}`;

export interface SimState {
  mode: Mode;
  info: Info;
  online: boolean;
  keys: { static: string; identity: string; secret: string } | null;
  ref: string | null;
  refIndex: number;
  idle: boolean;
  creds: Creds | null;
  authAtInjection: boolean; // isAuthenticated() when wa-js registered its events
  mainLoaded: boolean;
  mainReady: boolean;
  mainReadyFired: boolean;
  pairing: { code: string; phone: string } | null;
  conflict: boolean;
  phoneOnline: boolean;
  lastOnline: boolean;
}

/** Sim is window.__wasim. */
export interface Sim {
  state: SimState;
  renderers: Array<() => void>;
  wpp: WPPSubset;
  emit: Emit;
  setMode(mode: Mode): void;
  setInfo(info: Info): void;
  authCode(): AuthCode | null;
  updateOnline(): void;
  markReady(): void;
  send(m: Record<string, unknown>): boolean;
  request(m: Record<string, unknown>): Promise<Reply>;
  handlers: Record<string, (m: ServerMsg) => void | Promise<void>>;
  takeover(): Promise<boolean>;
  logout(): Promise<boolean>;
  linkCodeCancel(): void;
  markAvailable(available?: boolean): Promise<boolean>; // set by chat.ts (actions.ts)
  WPPError: new (code: string, message?: string) => Error & { code: string };
}

declare global {
  interface Window {
    __wasim?: Sim;
    WPP?: WPPSubset;
  }
}

/** need is a field the server's message promises, or a throw naming it. */
export function need<T>(v: T | null | undefined, name: string): T {
  if (v == null) throw new Error(`wasim: the server's message has no ${name}`);
  return v;
}

/** sim returns the shared state, or null on a page without wpp.ts. */
export function sim(): Sim | null {
  return window.__wasim || null;
}

/** serialized is a Wid's or MsgKey's _serialized, or the value as a string. */
export function serialized(x: unknown): string {
  if (x && typeof x === 'object' && '_serialized' in x && x._serialized) return String(x._serialized);
  return String(x || '');
}

/** widOf builds a Wid-like object for a jid (user@server). */
export function widOf(jid: string) {
  const s = String(jid);
  const [user, server] = s.split('@');
  return fake<Wid>({
    server, user, _serialized: s, toString: () => s,
    equals: (o: unknown) => !!o && serialized(o) === s,
    isUser: () => server === 'c.us' || server === 'lid', isGroup: () => server === 'g.us', isLid: () => server === 'lid',
  });
}

