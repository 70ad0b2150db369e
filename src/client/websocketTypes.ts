/**
 * Public types of the WebSocket transport of the client SDK ({@link FastRTCWebSocketClient}).
 * No runtime code, no platform types.
 *
 * @module
 */

import type { ClientState, EventListenerLike, ServerMessageEvents } from "./clientTypes.js";
import type { OfferRejectedError } from "./errors.js";

/**
 * The subset of a WebSocket the client uses: the browser's `WebSocket`, and the `ws` package's
 * `WebSocket` (used by the Node entry) both satisfy it. `readyState` follows the standard
 * values: 0 connecting, 1 open, 2 closing, 3 closed. `message` events carry text frames as
 * strings in `data`; `close` events carry `code`, `reason` and `wasClean`.
 *
 * @example
 * ```ts
 * const socket: WebSocketLike = new WebSocket("wss://my-app.example/websocket/offer");
 * ```
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: EventListenerLike): void;
  removeEventListener(type: string, listener: EventListenerLike): void;
  /** Closes at once without the closing handshake, where available (the `ws` package). */
  terminate?(): void;
  /**
   * Set by the Node entry's socket factory when the server refused the upgrade with an HTTP
   * status (browsers never expose it). Read by the client to raise `WebSocketUpgradeError`.
   */
  readonly upgradeResponse?: { status: number; body: string } | undefined;
}

/**
 * Creates the socket for a `ws:`/`wss:` URL.
 *
 * @example
 * ```ts
 * const create: CreateWebSocket = (url) => new WebSocket(url, ["fastrtc"]);
 * ```
 */
export type CreateWebSocket = (url: string) => WebSocketLike;

/**
 * Options of a {@link FastRTCWebSocketClient}.
 *
 * @example
 * ```ts
 * const options: WebSocketClientOptions = {
 *   url: "https://my-app.example",
 *   inputSampleRate: 16000, // the server handler's input_sample_rate
 *   pingIntervalMs: 15000,
 * };
 * ```
 */
export interface WebSocketClientOptions {
  /**
   * Base URL of the server: `http(s)://` (mapped to `ws(s)://`) or `ws(s)://`; a path and a
   * query string in it are kept. Default `""`: same origin (browsers only).
   */
  url?: string;
  /** Prefix the stream is mounted under (`stream.mount(app, path=...)`). Default `""`. */
  path?: string;
  /**
   * The connection's id, sent as `websocket_id` in the `start` message (use it for the app's
   * input hook and output stream). Default: `Math.random().toString(36).slice(2)`.
   */
  websocketId?: string;
  /**
   * Rate the server's handler expects (its `input_sample_rate`): the server does not resample
   * WebSocket audio, so this MUST match. {@link FastRTCWebSocketClient.sendAudio} resamples to
   * it. Default `48000`.
   */
  inputSampleRate?: number;
  /** Rate of the audio the server sends (its handler's `output_sample_rate`). Default `24000`. */
  outputSampleRate?: number;
  /** Creates the socket. Default: `new globalThis.WebSocket(url)` (looked up at `connect()`). */
  createWebSocket?: CreateWebSocket;
  /** Maximum time for `connect()`. Default `30000` ms; then `ConnectTimeoutError`. */
  connectTimeoutMs?: number;
  /**
   * Default `true`: after `start`, `connect()` sends a `ping` and resolves on its `pong`. The
   * server handles messages in order and checks the concurrency limit while handling `start`,
   * so the `pong` proves the session was accepted and a rejection always rejects `connect()`.
   * `false`: resolve as soon as `start` is sent; a later rejection emits `rejected` and the
   * state becomes `failed`.
   */
  confirmStart?: boolean;
  /** Send a keep-alive `ping` this often, in ms, while connected. Default: none. */
  pingIntervalMs?: number;
  /**
   * How long {@link FastRTCWebSocketClient.ping} (and keep-alive pings) wait for the `pong`.
   * A keep-alive ping that times out fails the connection. Default `10000` ms.
   */
  pingTimeoutMs?: number;
  /**
   * How long `stop()` waits for the socket's closing handshake before giving up (and
   * terminating the socket where possible). Default `3000` ms.
   */
  closeTimeoutMs?: number;
}

/**
 * A block of audio from the server (one `media` message: 20 ms on fastrtc-ts servers, one
 * emitted chunk on Python FastRTC).
 *
 * @example
 * ```ts
 * client.on("audio", (a: WebSocketAudio) => player.enqueue(a.samples, a.sampleRate));
 * ```
 */
export interface WebSocketAudio {
  /** Mono 16-bit PCM, decoded from µ-law. */
  samples: Int16Array;
  /** The client's `outputSampleRate` (the protocol does not carry the rate). */
  sampleRate: number;
  /** `performance.now()` when the message arrived. */
  receivedAt: number;
}

/**
 * Payload of the `pong` event.
 *
 * @example
 * ```ts
 * client.on("pong", (p: WebSocketPong) => p.rttMs !== undefined && rtts.push(p.rttMs));
 * ```
 */
export interface WebSocketPong {
  /** `performance.now()` when the pong arrived. */
  receivedAt: number;
  /** Round-trip time of the oldest outstanding ping, or `undefined` for an unsolicited pong. */
  rttMs: number | undefined;
}

/**
 * Payload of the `clear` event.
 *
 * @example
 * ```ts
 * client.on("clear", (c: WebSocketClear) => player.dropQueued());
 * ```
 */
export interface WebSocketClear {
  /** `performance.now()` when the message arrived. */
  receivedAt: number;
}

/**
 * Payload of the `close` event: the socket's close code and reason.
 *
 * @example
 * ```ts
 * client.on("close", (c: WebSocketCloseInfo) => {
 *   if (c.code === 1013) showError("Server busy");
 * });
 * ```
 */
export interface WebSocketCloseInfo {
  /**
   * The close code: `1000` normal (after `stop`, an `end_stream`, or the server's time limit),
   * `1009` message too big, `1013` try again later (concurrency limit), `1006` abnormal (no
   * close frame, also used when `stop()` gave up waiting).
   */
  code: number;
  /** The close reason (often `""`). */
  reason: string;
  /** Whether the closing handshake completed. */
  wasClean: boolean;
}

/**
 * Events of a {@link FastRTCWebSocketClient}: the server-message events of the WebRTC client
 * (`message`, `log`, `send_input`, `fetch_output`, `error`, `warning`, `end_stream`,
 * `stopword`, `update_connection`), `state`, and the WebSocket-specific `audio`, `clear`,
 * `pong`, `close` and `rejected`.
 *
 * `message` carries what the WebRTC client's `message` carries: every side-band message
 * (`{"type": ...}`), parsed, plus unknown and invalid frames as `{type: "unknown", raw}`; the
 * protocol's own `media`, `pong` and `clear` frames only get their dedicated events.
 *
 * `warning` also reports protocol problems found by the client itself (a frame that is not
 * JSON, a `media` message without a valid payload, a binary frame): those have
 * `origin: "client"`.
 *
 * @example
 * ```ts
 * client.on("audio", (a) => player.enqueue(a.samples));
 * client.on("clear", () => player.dropQueued());
 * client.on("close", ({ code }) => setStatus(`closed ${code}`));
 * ```
 */
export interface WebSocketClientEvents extends ServerMessageEvents {
  state: ClientState;
  audio: WebSocketAudio;
  /** The server interrupted its reply: drop audio queued for playback. */
  clear: WebSocketClear;
  pong: WebSocketPong;
  /** The socket closed (emitted once, after the last message). */
  close: WebSocketCloseInfo;
  /**
   * The server sent `{"status": "failed", "meta": ...}` (e.g. the concurrency limit): the typed
   * error (`ConcurrencyLimitError`, ...). Emitted before `connect()` rejects with it.
   */
  rejected: OfferRejectedError;
}
