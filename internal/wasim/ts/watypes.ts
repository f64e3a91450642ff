// watypes.ts: how the simulator holds itself to wa-js 4.6.0's own types
// (node_modules/@wppconnect/wa-js/dist/**/*.d.ts). Functions are typed by
// the WPPSubset member they implement; events by wa-js's EventTypes; the
// WhatsApp models the simulator fakes go through fake(), the one place a
// plain object becomes a model, so every field it sets is checked against
// the model's declaration.
import type * as WA from '@wppconnect/wa-js';
import type { EventTypes } from '../../browser/bridge/wpp';

export type StreamMode = WA.whatsapp.enums.StreamMode;
export type StreamInfo = WA.whatsapp.enums.StreamInfo;
export type LogoutReason = WA.whatsapp.enums.LogoutReason;
export type SendMsgResult = WA.whatsapp.enums.SendMsgResult;

/** EventName is any event wa-js's WPP.on takes. */
export type EventName = keyof EventTypes;

/** EventArgs are the listener arguments of event N, as wa-js's ListenerType
 * (eventEmitter.d.ts, not exported) derives them: a function type's
 * parameters, nothing for void, else the one payload. */
export type EventArgs<N extends EventName> = [EventTypes[N]] extends [(...args: infer A) => unknown] ? A
  : [EventTypes[N]] extends [void] ? [] : [EventTypes[N]];

/** EventListener is a listener of event N. */
export type EventListener<N extends EventName> = (...args: EventArgs<N>) => void;

/** Emit is the simulator's emitter: the event's payload is wa-js's. */
export type Emit = <N extends EventName>(name: N, ...args: EventArgs<N>) => void;

/**
 * fake gives the fields the simulator sets the type of the WhatsApp model M
 * (MsgModel, ChatModel, Wid, ...). A model is a class in WhatsApp's own
 * webpack modules, which the simulator does not have, so a plain object
 * stands in; its fields are checked against M's declarations, the rest of
 * M is absent (the bridge reads only what the simulator sets).
 */
export function fake<M>(fields: Partial<M>): M {
  return fields as M; // a model the simulator cannot construct (see above)
}

/**
 * member gives the wa-js string enum E's member of value v, checked against
 * E's values. wa-js declares its enums (StreamMode, SendMsgResult, ...) but
 * they live in WhatsApp's modules, which the simulator does not have: it
 * has the values, not the enum objects.
 */
export function member<E extends string>(v: `${E}`): E {
  return v as E; // the value of a declared enum (see above)
}
