// account.ts: the calls about the account itself rather than its
// messages: our profile (profile.ts), incoming calls (calls.ts) and the
// raw call (raw.ts), gathered for bridge.ts.
import { calls } from './calls';
import { profileCalls } from './profile';
import { rawCall } from './raw';
import type { EventTypes, WPPSubset } from './wpp';

type Call = (args: Record<string, unknown>) => Promise<unknown>;

/** Account is what bridge.ts wires: the calls and the call event. */
export interface Account {
  calls: Record<string, Call>;
  onIncomingCall(c: EventTypes['call.incoming_call']): void;
}

/** accountCalls builds the account part on the typed WPP (wpp) and, for
 * the raw call only, the untyped window.WPP (root). */
export function accountCalls(wpp: () => WPPSubset, root: () => unknown): Account {
  const phone = calls(wpp);
  return {
    calls: { ...profileCalls(wpp), ...phone.calls, wpp: (args) => rawCall(root(), args) },
    onIncomingCall: phone.onIncoming,
  };
}
