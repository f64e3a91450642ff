// calls.ts: incoming calls (wa-js 4.6.0's call.incoming_call event,
// src/call/events/registerIncomingCallEvent.ts) and rejecting them
// (call.reject), docs/bridge.md.
import { emit } from './emit';
import type { EventTypes, WPPSubset } from './wpp';
import { ser } from './values';

type Incoming = EventTypes['call.incoming_call'];

/** Call is the payload of the bridge's call event (session.CallEvent). */
export interface Call {
  id: string;
  from: string;
  phone: string;
  is_video: boolean;
  is_group: boolean;
  timestamp: number;
}

// KEEP bounds the calls remembered for their caller.
const KEEP = 100;

/** Calls is the call part of the bridge. */
export interface Calls {
  onIncoming(c: Incoming): void;
  calls: Record<string, (args: Record<string, unknown>) => Promise<unknown>>;
}

/** calls builds the call part on the WPP that wpp() returns. */
export function calls(wpp: () => WPPSubset): Calls {
  // wa-js emits a group call on CallStore add and again on each ringing
  // change: each call is reported once, and its caller kept for reject.
  const seen = new Map<string, Call>();

  function onIncoming(c: Incoming): void {
    const id = String(c.id || '');
    if (!id || seen.has(id)) return;
    const from = ser(c.sender) || ser(c.peerJid);
    const call: Call = { id, from, phone: from.endsWith('@c.us') ? from.split('@')[0] : '', is_video: !!c.isVideo,
      is_group: !!c.isGroup, timestamp: Number(c.offerTime || 0) };
    seen.set(id, call);
    if (seen.size > KEEP) seen.delete(seen.keys().next().value as string);
    emit('call', call);
  }

  return {
    onIncoming,
    calls: {
      rejectCall: async (args) => {
        const id = typeof args.id === 'string' ? args.id : '';
        if (!id) throw new Error('id is required');
        try {
          await wpp().call.reject(id);
        } catch (err) {
          // A call that is not (or no longer) there is a 404 (refusal.go).
          const code = (err as { code?: unknown }).code;
          if (code === 'call_not_found') throw new Error('not_found: call_not_found: ' + (err as Error).message);
          throw err;
        }
        const known = seen.get(id);
        return { id, from: known ? known.from : '' };
      },
    },
  };
}
