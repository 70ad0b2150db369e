/**
 * `fastrtc-ts/client`: typed clients for FastRTC servers (Python FastRTC and fastrtc-ts) that
 * run in browsers: `FastRTCClient` (WebRTC) and `FastRTCWebSocketClient` (the µ-law WebSocket
 * transport), with the same typed events for server messages. Node programs import
 * `fastrtc-ts/client/node` instead, which re-exports all of this plus `NodeAudioClient` (a Node
 * WebRTC stack, Opus audio in and out) and `NodeWebSocketClient` (on the `ws` package).
 *
 * @example
 * ```ts
 * import { FastRTCClient, ConcurrencyLimitError } from "fastrtc-ts/client";
 *
 * const client = new FastRTCClient({ url: "https://my-app.example" });
 * client.on("error", (m) => toast(m.message));
 * try {
 *   await client.connect(await navigator.mediaDevices.getUserMedia({ audio: true }));
 * } catch (e) {
 *   if (e instanceof ConcurrencyLimitError) toast(`Server full (${e.limit})`);
 * }
 * ```
 *
 * @module
 */

export type * from "./clientTypes.js";
export { type Listener, TypedEmitter, type TypedEmitterOptions } from "./emitter.js";
export {
  ConcurrencyLimitError,
  ConnectAbortedError,
  ConnectionExistsError,
  ConnectTimeoutError,
  FastRTCClientError,
  InvalidAnswerError,
  OfferHttpError,
  OfferRejectedError,
  OfferRequestError,
  offerRejection,
  PingTimeoutError,
  SampleRateMismatchError,
  WebSocketClosedError,
  WebSocketUpgradeError,
} from "./errors.js";
export { FastRTCClient } from "./FastRTCClient.js";
export { parseServerMessage } from "./messages.js";
export { websocketEndpoint } from "./url.js";
export { FastRTCWebSocketClient } from "./WebSocketClient.js";
export type * from "./websocketTypes.js";
