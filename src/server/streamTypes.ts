import type { AudioGenerator } from "../handlers/GeneratorHandler.js";
import type { StreamHandlerBase } from "../handlers/StreamHandler.js";
import type { SessionMode } from "../session/sessionTypes.js";
import type { RtcConfiguration } from "../transports/webrtc/webrtcTypes.js";
import type { UIArgs } from "../ui/pageTypes.js";
import type { Clock } from "../utils/clock.js";

export type { UIArgs };

/**
 * Which way media flows: `"send-receive"` (talk and hear), `"send"` (client to server only),
 * `"receive"` (server to client only).
 *
 * @example
 * ```ts
 * const mode: StreamMode = "send-receive";
 * ```
 */
export type StreamMode = SessionMode;

/**
 * The media of a stream. Only `"audio"` exists today; `"video"` and `"audio-video"` are
 * rejected with a clear error.
 *
 * @example
 * ```ts
 * const modality: Modality = "audio";
 * ```
 */
export type Modality = "audio";

/**
 * The client-side peer configuration served to the page: an object, or a function (sync or
 * async) called for each page load, e.g. to mint short-lived TURN credentials.
 *
 * @example
 * ```ts
 * const rtc: RtcConfigurationSource = async () => ({ iceServers: await fetchTurn() });
 * ```
 */
export type RtcConfigurationSource =
  | RtcConfiguration
  | (() => RtcConfiguration | Promise<RtcConfiguration>);

/**
 * Options of a {@link Stream}.
 *
 * @example
 * ```ts
 * const options: StreamOptions = {
 *   handler: new ReplyOnPause(echo),
 *   modality: "audio",
 *   mode: "send-receive",
 *   concurrencyLimit: 20,
 * };
 * ```
 */
export interface StreamOptions {
  /**
   * For `"send-receive"` and `"send"`: a handler instance (`ReplyOnPause`, `StreamHandler`, ...),
   * copied for each connection. For `"receive"`: a generator function (or a handler).
   */
  handler: StreamHandlerBase | AudioGenerator;
  /** Default `"send-receive"`. */
  mode?: StreamMode;
  /** Default `"audio"` (FastRTC's default is video, which does not exist here yet). */
  modality?: Modality;
  /**
   * Most simultaneous connections (peer connections, with or without media). Default `10`
   * (FastRTC's default of 1 surprised its users). `Infinity` or `null` for no limit.
   */
  concurrencyLimit?: number | null;
  /** Seconds a connection may stay open once connected; `null` (default) for no limit. */
  timeLimit?: number | null;
  /** Seconds an answered connection has to reach "connected" before it is dropped. Default `30`. */
  connectTimeout?: number;
  /** Peer configuration for the browser (served to the built-in page). Default `{}`. */
  rtcConfiguration?: RtcConfigurationSource | null;
  /**
   * Peer configuration of the server side: only `iceServers` is used. Default: no ICE servers
   * (host candidates only; FastRTC used a public STUN server, which needs internet access).
   */
  serverRtcConfiguration?: RtcConfiguration | null;
  /** `getUserMedia` audio constraints for the built-in page. Default: FastRTC's (spec §9.4). */
  trackConstraints?: Record<string, unknown> | null;
  /** Ignore offered tracks of other kinds (video) instead of failing the offer. Default `false`. */
  allowExtraTracks?: boolean;
  /** Look of the built-in page. */
  uiArgs?: UIArgs;
  /** Largest accepted request body, in bytes. Default `65536` (an SDP offer is a few kB). */
  maxBodyBytes?: number;
  /**
   * Extra host addresses for the server's ICE candidates (e.g. `["127.0.0.1"]`). Default: none,
   * or `["127.0.0.1"]` when the machine has no non-loopback IPv4 address.
   */
  additionalHostAddresses?: string[];
  /** Time source for timeouts and pacing (tests). Default: real time. */
  clock?: Clock;
}

/**
 * Where {@link Stream.mount} puts the routes.
 *
 * @example
 * ```ts
 * stream.mount(app, { path: "/api", ui: true });
 * ```
 */
export interface MountOptions {
  /** Prefix of every route, e.g. `"/api"`. Default `""`. */
  path?: string;
  /** Also serve the built-in page at `{path}/`. Default `false` for mount, `true` for launch. */
  ui?: boolean;
}

/**
 * Where {@link Stream.launch} listens.
 *
 * @example
 * ```ts
 * await stream.launch({ port: 0, host: "127.0.0.1" });
 * ```
 */
export interface LaunchOptions {
  /** TCP port; `0` picks a free one. Default `7860` (or env `PORT`). */
  port?: number;
  /** Interface to listen on. Default `"127.0.0.1"`. */
  host?: string;
}

/**
 * A running server from {@link Stream.launch}.
 *
 * @example
 * ```ts
 * const server: LaunchedServer = await stream.launch({ port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export interface LaunchedServer {
  /** Base URL, e.g. `http://127.0.0.1:7860`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops listening and ends every connection of the stream. */
  close(): Promise<void>;
}

/**
 * An HTTP answer produced by the stream's routes (framework neutral).
 *
 * @example
 * ```ts
 * const res: RouteResponse = await stream.offer(body);
 * reply.status(res.status).send(res.body);
 * ```
 */
export interface RouteResponse {
  status: number;
  body: unknown;
}
