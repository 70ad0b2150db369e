import { AsyncLocalStorage } from "node:async_hooks";
import { type Clock, realClock } from "../utils/clock.js";

/**
 * Where server → client side-band messages go (a data channel, a WebSocket, ...).
 *
 * @example
 * ```ts
 * const channel: MessageChannel = { send: (text) => dataChannel.send(text) };
 * ```
 */
export interface MessageChannel {
  /** Sends one text message (FastRTC's JSON strings). May be async; failures are the caller's. */
  send(message: string): void | Promise<void>;
}

/**
 * Who is on the line, for telephone connections (Twilio Media Streams): what Twilio's `start`
 * message carried. `from`/`to` are only known when the TwiML passed them as `<Parameter>`s named
 * `From`/`To` (as {@link https://www.twilio.com/docs/voice/twiml/stream | Twilio's webhook}
 * sends them; `stream.twiml({ call: webhookParams })` does it).
 *
 * @example
 * ```ts
 * const { telephone } = getCurrentContext();
 * if (telephone) log.info("call", { sid: telephone.callSid, from: telephone.from });
 * ```
 */
export interface TelephoneCallInfo {
  /** Twilio's Call SID (`CA…`), or `""` when the `start` message had none. */
  callSid: string;
  /** Twilio's Stream SID (`MZ…`), also the connection id (`webrtcId`). */
  streamSid: string;
  /** The caller's number, from the `From` (or `from`) custom parameter. */
  from?: string;
  /** The number called, from the `To` (or `to`) custom parameter. */
  to?: string;
  /** Every `<Parameter>` of the TwiML `<Stream>` (`start.customParameters`). */
  parameters: Readonly<Record<string, string>>;
}

/**
 * The connection whose handler code is running, as returned by {@link getCurrentContext}.
 * @example
 * ```ts
 * const { webrtcId }: Context = getCurrentContext();
 * ```
 */
export interface Context {
  /** The connection id (`webrtc_id`, `websocket_id` or the Twilio stream). */
  webrtcId: string;
  /** The WebSocket for WebSocket and telephone connections, else `null`. */
  websocket: unknown;
  /** The call, on telephone connections (Twilio); absent on WebRTC and `/websocket/offer`. */
  telephone?: TelephoneCallInfo;
}

/**
 * Internal: everything a session puts into the async context of handler code.
 *
 * @internal
 */
export interface SessionContext extends Context {
  channel: MessageChannel | null;
  clock: Clock;
}

const storage = new AsyncLocalStorage<SessionContext>();

/**
 * Returns the connection whose handler code is running: inside `receive`, `emit`, `startUp`,
 * `shutdown` and reply generators.
 *
 * @throws Error `"No context found"` outside handler code.
 * @example
 * ```ts
 * async function* reply(audio: AudioChunk) {
 *   const { webrtcId } = getCurrentContext();
 *   yield new AdditionalOutputs(`turn for ${webrtcId}`);
 * }
 * ```
 */
export function getCurrentContext(): Context {
  const ctx = storage.getStore();
  if (!ctx) throw new Error("No context found");
  return ctx.telephone
    ? { webrtcId: ctx.webrtcId, websocket: ctx.websocket, telephone: ctx.telephone }
    : { webrtcId: ctx.webrtcId, websocket: ctx.websocket };
}

/**
 * Internal: the full session context, or undefined outside handler code.
 *
 * @internal
 */
export function currentSessionContext(): SessionContext | undefined {
  return storage.getStore();
}

/**
 * Internal: the clock of the running session, or real time outside one.
 *
 * @internal
 */
export function currentClock(): Clock {
  return storage.getStore()?.clock ?? realClock;
}

/**
 * Internal: runs `fn` with `ctx` as the current connection.
 *
 * @internal
 */
export function runWithContext<T>(ctx: SessionContext, fn: () => T): T {
  return storage.run(ctx, fn);
}
