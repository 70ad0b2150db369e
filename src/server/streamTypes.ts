import type { Server } from "node:http";
import type { ClusterOptions } from "../cluster/coordinatorTypes.js";
import type { AudioGenerator } from "../handlers/GeneratorHandler.js";
import type { StreamHandlerBase } from "../handlers/StreamHandler.js";
import type { SessionMode } from "../session/sessionTypes.js";
import type { OpusApplication } from "../transports/webrtc/opus.js";
import type { RtcConfiguration } from "../transports/webrtc/webrtcTypes.js";
import type { InputComponent, OutputComponent } from "../ui/componentTypes.js";
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
 * What an {@link AuthHook} sees of a request: `/webrtc/offer` posts (offers and trickled
 * candidates) and `/websocket/offer` upgrades, before anything is allocated for them.
 *
 * @example
 * ```ts
 * const auth: AuthHook = ({ headers, url }: AuthRequest) =>
 *   headers.authorization === `Bearer ${token}` || url.searchParams.get("token") === token;
 * ```
 */
export interface AuthRequest {
  /**
   * `"webrtc"` for `POST /webrtc/offer`, `"websocket"` for the `/websocket/offer` upgrade,
   * `"http"` for `/input_hook` and `/outputs`.
   */
  transport: "webrtc" | "websocket" | "http";
  /** The request URL (absolute, built from the Host header), with its query string. */
  url: URL;
  /** Request headers, lower-case names. */
  headers: Readonly<Record<string, string | undefined>>;
}

/**
 * The decision of an {@link AuthHook}: `true` lets the request in; `false` refuses it with 401
 * `{"detail":"Unauthorized"}`; an object refuses it with that status and detail.
 *
 * @example
 * ```ts
 * const decision: AuthDecision = { status: 403, detail: "This room is full" };
 * ```
 */
export type AuthDecision = boolean | { status: number; detail: string };

/**
 * Checks a request before the stream allocates anything for it (an app-level token, a session
 * cookie). A hook that throws refuses the request with 500.
 *
 * @example
 * ```ts
 * new Stream({ handler, auth: async ({ headers }) => verifyJwt(headers.authorization) });
 * ```
 */
export type AuthHook = (request: AuthRequest) => AuthDecision | Promise<AuthDecision>;

/**
 * The telephone routes (`/telephone/incoming` and the Media Streams socket `/telephone/handler`).
 *
 * @example
 * ```ts
 * const telephone: TelephoneOptions = {
 *   authToken: process.env.TWILIO_AUTH_TOKEN,
 *   publicUrl: "https://voice.example.com",
 * };
 * ```
 */
export interface TelephoneOptions {
  /**
   * The Twilio auth token. When set, `X-Twilio-Signature` is checked on the webhook and on the
   * Media Streams upgrade, and requests without a valid one get 403. Default: env
   * `TWILIO_AUTH_TOKEN`, else none (no check, as FastRTC). `null` turns the check off.
   */
  authToken?: string | null;
  /**
   * The scheme and host (plus any path a proxy strips) Twilio uses to reach this server, e.g.
   * `"https://voice.example.com"`. The TwiML stream URL and the signed URLs are built from it.
   * Default: from the request (`X-Forwarded-Proto`/`X-Forwarded-Host`, then `Host`): headers any
   * client can set, so the signature is then checked against a URL the caller chose. Set it
   * behind a proxy, and whenever the server can be reached other than through Twilio's URL.
   */
  publicUrl?: string | null;
  /** Said before the call is connected. `null` says nothing. Default FastRTC's "Connecting to the AI assistant." */
  greeting?: string | null;
  /** Said after the stream ends. `null` says nothing. Default FastRTC's "The call has been disconnected." */
  goodbye?: string | null;
}

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
   * Peer configuration of the server side: `iceServers` (werift uses the first `stun:` and the
   * first `turn:` URL) and `iceTransportPolicy` (`"relay"`: TURN relay candidates only) are
   * used. Default: no ICE servers (host candidates only; FastRTC used a public STUN server,
   * which needs internet access). A function (sync or async) is called for each offer, so
   * short-lived TURN credentials stay fresh; if it throws, the offer gets 503.
   */
  serverRtcConfiguration?: RtcConfigurationSource | null;
  /**
   * Seconds without any inbound traffic after which a connection is taken for dead and ended,
   * freeing its slot (a killed tab, a sleeping laptop, a dropped network). WebRTC: RTP, RTCP
   * and data-channel traffic count (a client that only receives audio gets at least 15 s: it
   * reports every few seconds); WebSocket and telephone: any frame counts, and a quiet socket
   * is pinged halfway (clients answer pings by themselves). `null` turns it off (FastRTC has
   * none: ICE consent ends a vanished WebRTC peer after ~30 s). Default `5`.
   */
  inactivityTimeout?: number | null;
  /**
   * Give each connection a secret token and require it wherever a request names a connection
   * id, so users who learn another session's id cannot reach it: the offer's answer carries
   * `fastrtc_token` (WebSocket: a `{"type":"log","data":"connection_token","meta":{"fastrtc_token"}}`
   * message after `start`); trickled candidates send it back in the `fastrtc_token` field,
   * `/input_hook` in the `X-FastRTC-Token` header, `/outputs` in that header or the
   * `fastrtc_token` query parameter (EventSource cannot set headers); 403 otherwise. The
   * built-in page and `fastrtc-ts/client` do this. Telephone calls get no token (their outputs
   * are read with `stream.outputStream`). Default `false` (FastRTC: ids only).
   */
  connectionTokens?: boolean;
  /** `getUserMedia` audio constraints for the built-in page. Default: FastRTC's (spec §9.4). */
  trackConstraints?: Record<string, unknown> | null;
  /** Ignore offered tracks of other kinds (video) instead of failing the offer. Default `false`. */
  allowExtraTracks?: boolean;
  /** Look of the built-in page. */
  uiArgs?: UIArgs;
  /** Largest accepted request body, in bytes. Default `65536` (an SDP offer is a few kB). */
  maxBodyBytes?: number;
  /**
   * Largest accepted WebSocket message, in bytes; a bigger one closes the socket with 1009.
   * Default `1048576` (a 48 kHz µ-law message of 10 s is 640 kB).
   */
  maxMessageBytes?: number;
  /** Checks `/webrtc/offer`, `/websocket/offer`, `/input_hook` and `/outputs` requests first. Default: none (open). */
  auth?: AuthHook | null;
  /**
   * Extra inputs beside the voice (textbox, number, slider, dropdown, checkbox), rendered by
   * the built-in page and sent to the handler with `setInput` when it asks (`send_input`).
   * Default `[]`.
   */
  additionalInputs?: InputComponent[];
  /**
   * Extra outputs (chatbot, textbox, json) fed by the handler's `AdditionalOutputs`, rendered by
   * the built-in page from `GET {path}/outputs`. Default `[]`.
   */
  additionalOutputs?: OutputComponent[];
  /**
   * Merges each `AdditionalOutputs` into the outputs' current values:
   * `(current, ...args) => newValues` (one value per output). Default: the args replace the
   * values (FastRTC's default).
   */
  additionalOutputsHandler?: ((current: unknown[], ...args: unknown[]) => unknown[]) | null;
  /**
   * Serve `POST {path}/input_hook` and `GET {path}/outputs` (server-sent events), the routes
   * FastRTC's demos write by hand. Default: true when `additionalInputs` or `additionalOutputs`
   * are declared, else false.
   */
  ioRoutes?: boolean;
  /**
   * Also send each turn step to the client, as `{"type":"log","data":"turn_event","meta":{...}}`
   * (FastRTC clients ignore log values they do not know). Default `false`.
   */
  sendTurnMetrics?: boolean;
  /**
   * The telephone routes' settings, or `false` to not serve them. Default `{}` (served; the
   * signature is checked when env `TWILIO_AUTH_TOKEN` is set).
   */
  telephone?: TelephoneOptions | false;
  /**
   * Extra host addresses for the server's ICE candidates (e.g. `["127.0.0.1"]`). Default: none,
   * or `["127.0.0.1"]` when the machine has no non-loopback IPv4 address.
   */
  additionalHostAddresses?: string[];
  /** Time source for timeouts and pacing (tests). Default: real time. */
  clock?: Clock;
  /**
   * Run as one service across processes and hosts: `{ redisUrl }` shares the concurrency slots,
   * routes requests about a connection to the process that owns it and fans out its outputs
   * through Redis (media stays on the owning process). Default: none; the workers of
   * `launch({ workers })` are then coordinated by their primary process. See docs/deployment.md.
   */
  cluster?: ClusterOptions | null;
  /**
   * UDP ports the server's WebRTC peers bind for ICE, `[min, max]` inclusive (one port per
   * connection), so a firewall can open exactly that range on each host. Default `null`: any
   * ephemeral port.
   */
  udpPortRange?: [number, number] | null;
  /**
   * Complexity of the Opus encoder for the audio sent to WebRTC clients, 0 (cheapest) to 10.
   * Encoding is the largest single cost of a WebRTC session's CPU (docs/benchmarks.md, B4):
   * 5 costs about a quarter less than libopus's default 9, at a small loss of quality per bit
   * for speech. Default `null`: libopus's default (9).
   */
  opusComplexity?: number | null;
  /**
   * What the Opus encoder of the audio sent to WebRTC clients is tuned for: `"voip"` (speech:
   * SILK and hybrid modes, what browsers send), `"audio"`, or `"restricted_lowdelay"` (CELT
   * only: about a quarter of `"voip"`'s encoding time, 4 ms less delay, speech a little less
   * good at the same bitrate; pair it with `opusBitrate: 32_000` or more). Every client decodes
   * all three. Default `null`: `"voip"`. See docs/deployment.md for the CPU figures.
   *
   * @example
   * ```ts
   * new Stream({ handler, opusApplication: "restricted_lowdelay", opusBitrate: 32_000 });
   * ```
   */
  opusApplication?: OpusApplication | null;
  /**
   * Target bitrate of the Opus encoder for the audio sent to WebRTC clients, in bits per second
   * (6,000 to 510,000; variable around it). Default `null`: libopus's automatic choice.
   */
  opusBitrate?: number | null;
  /**
   * Worker threads that host the WebRTC peers: ICE, DTLS, SRTP, RTP, the data channel, Opus and
   * the pacing of reply audio run there, while sessions and handlers stay on the main thread.
   * Reply frames then go to the thread up to 60 ms before their play time and are sent from its
   * own timers, so a stall of the main thread (a GC pause, a handler's work, many sessions) does
   * not delay or bunch reply packets. Threads start on the first offer; each new peer goes to
   * the thread with the fewest. Needs the real clock (pacing is in real time). Default `0`: the
   * peers run on the main thread. See docs/benchmarks.md (B4) for what it changes.
   *
   * @example
   * ```ts
   * new Stream({ handler, webrtcMediaThreads: 1 });
   * ```
   */
  webrtcMediaThreads?: number;
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
  /**
   * Also serve the built-in page at `{path}/` (and at `{path}` without the slash). Default
   * `false` for mount (the app usually has its own page there), `true` for launch. Left out,
   * mount logs one warning per stream that no page is served; an explicit `false` is silent.
   */
  ui?: boolean;
  /**
   * The HTTP server the app runs on, for the WebSocket routes (`/websocket/offer`,
   * `/telephone/handler`) of apps that do not know their server (Express, Hono). Not needed
   * when mounting on a `node:http` server or a Fastify instance. Default: none.
   */
  server?: Server | null;
  /**
   * Serve `GET {path}/health`: 200 `{"status":"ok",...}` while this process takes connections,
   * 503 while it drains or cannot reach the service's shared state (for load balancers).
   * Default `true`.
   */
  health?: boolean;
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
  /**
   * Serve HTTPS (and `wss://`) with this key and certificate (PEM). Browsers give the
   * microphone only to HTTPS pages (or localhost): a phone on the LAN needs this.
   * `selfSignedCertificate()` makes one for local use. Default: none (HTTP).
   */
  https?: { key: string | Buffer; cert: string | Buffer } | null;
  /**
   * Processes serving the stream on this port (`node:cluster`): the app's script is run again
   * in each worker (so keep its side effects in what `launch` starts). Slots are counted across
   * them by the primary process, or through Redis with `cluster.redisUrl`. `"auto"` is one per
   * core. Default `1` (this process serves).
   */
  workers?: number | "auto";
  /**
   * On SIGTERM, stop taking connections, let live ones finish for up to `drainTimeout` seconds,
   * then close them and exit. Default `true`; `false` leaves signals to the app.
   */
  handleSignals?: boolean;
  /** Seconds a drain (SIGTERM, or `close()` of a workers launch) waits for live connections. Default `30`. */
  drainTimeout?: number;
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
  /** Node ids of the worker processes of `launch({ workers })` (empty when this process serves). */
  workers: string[];
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
