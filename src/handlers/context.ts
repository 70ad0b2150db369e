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
  return { webrtcId: ctx.webrtcId, websocket: ctx.websocket };
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
