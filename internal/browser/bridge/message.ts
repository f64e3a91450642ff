// message.ts — the bridge's message shape and how a message key reads
// (docs/bridge.md).
import type { Detail } from './actions';
import { ser, str } from './values';

/** Message is the bridge's message shape; Detail (actions.ts) holds the
 * kind, quote, mentions and content of every kind. */
export interface Message extends Detail {
  id: string;
  chat_id: string;
  from: string;
  to: string;
  author: string; // who wrote a group message
  from_me: boolean;
  type: string;
  body: string;
  caption: string;
  mimetype: string;
  filename: string;
  timestamp: number;
  ack: number;
  phone: string; // the chat's phone number (user chats), when known
  lid: string; // the chat's LID (user chats), when known
}

/** keyParts splits a message key (object or fromMe_remote_id string). */
export function keyParts(key: unknown): { fromMe: boolean; remote: string; id: string; serialized: string } {
  const serialized = ser(key);
  if (key && typeof key === 'object' && 'id' in key) {
    const k = key as { fromMe?: boolean; remote?: unknown; id?: unknown };
    return { fromMe: !!k.fromMe, remote: ser(k.remote), id: str(k.id), serialized };
  }
  const parts = serialized.split('_');
  if (parts.length < 3) return { fromMe: false, remote: '', id: serialized, serialized };
  return { fromMe: parts[0] === 'true', remote: parts[1], id: parts[2], serialized };
}

/** ackKey identifies a message across key shapes: wa-js rebuilds the key of
 * a receipt (ack >= 2), whose remote may be a LID where we saw a phone
 * number, so only the bare id and fromMe are stable. */
export function ackKey(key: unknown): string {
  const k = keyParts(key);
  return (k.fromMe ? 'true_' : 'false_') + k.id;
}
