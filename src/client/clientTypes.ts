/**
 * Public types of the FastRTC client SDK. No runtime code, no platform types: the structural
 * `*Like` interfaces below are satisfied both by the browser's WebRTC objects and by the Node entry's WebRTC stack.
 *
 * @module
 */

/**
 * Lifecycle of a client. `idle` until `connect()`, `connecting` during signalling and ICE/DTLS,
 * `connected` once the peer connection is connected and the `"text"` data channel is open.
 * `closed` after `stop()` (or when the server ends the session); `failed` when connecting failed
 * or the connection broke.
 *
 * @example
 * ```ts
 * client.on("state", (s: ClientState) => {
 *   if (s === "failed") showRetryButton();
 * });
 * ```
 */
export type ClientState = "idle" | "connecting" | "connected" | "closed" | "failed";

/**
 * Which way media flows, as the server's `Stream(mode=...)`: `send-receive` (talk and listen),
 * `send` (the server only listens), `receive` (the server only talks).
 *
 * @example
 * ```ts
 * const mode: ClientMode = "receive";
 * ```
 */
export type ClientMode = "send-receive" | "send" | "receive";

// ---------------------------------------------------------------------------------------------
// Server → client data-channel messages (reference §4.1)
// ---------------------------------------------------------------------------------------------

/**
 * The server wants the current inputs: the app should POST them to its input hook (for example
 * `/input_hook`) with this client's `webrtcId`.
 *
 * @example
 * ```ts
 * client.on("send_input", () => postInputs(client.webrtcId, { voice: "alloy" }));
 * ```
 */
export interface SendInputMessage {
  type: "send_input";
  /** Always `[]` on FastRTC servers. */
  data: unknown;
}

/**
 * New additional outputs are waiting in the server's output stream (e.g. `GET /outputs`).
 *
 * @example
 * ```ts
 * client.on("fetch_output", () => refreshTranscript());
 * ```
 */
export interface FetchOutputMessage {
  type: "fetch_output";
  /** Always `[]` on FastRTC servers. */
  data: unknown;
}

/**
 * A progress log, e.g. `started_talking`, `pause_detected`, `response_starting`, or the echo
 * `Server received: <text>` of a message the client sent.
 *
 * @example
 * ```ts
 * client.on("log", (m: LogMessage) => {
 *   if (m.data === "pause_detected") showSpinner();
 * });
 * ```
 */
export interface LogMessage {
  type: "log";
  data: string;
}

/**
 * A stop word was recognised (ReplyOnStopWords).
 *
 * @example
 * ```ts
 * client.on("stopword", (m: StopwordMessage) => highlight(m.data));
 * ```
 */
export interface StopwordMessage {
  type: "stopword";
  /** Usually `""`. */
  data: string;
}

/**
 * The server ended its outbound stream (a `CloseStream`). The server leaves the peer connection
 * open; the client is expected to close it (see `ClientOptions.autoClose`).
 *
 * @example
 * ```ts
 * client.on("end_stream", (m: EndStreamMessage) => notify(m.data));
 * ```
 */
export interface EndStreamMessage {
  type: "end_stream";
  /** The `CloseStream` message text (may be `""`). */
  data: string;
}

/**
 * The app changed the connection's status (`stream.update_connection(id, ...)`).
 *
 * @example
 * ```ts
 * client.on("update_connection", (m: UpdateConnectionMessage) => setOnline(m.data === "open"));
 * ```
 */
export interface UpdateConnectionMessage {
  type: "update_connection";
  data: "open" | "closed";
}

/**
 * An error raised by the handler. FastRTC sends the text in `message`; some servers use `data`:
 * both are accepted and normalised to `message`.
 *
 * @example
 * ```ts
 * client.on("error", (m: ErrorMessage) => toast(m.message));
 * ```
 */
export interface ErrorMessage {
  type: "error";
  message: string;
}

/**
 * A warning from handler code (`Warning(text)`); text in `message` (or `data`, normalised).
 *
 * @example
 * ```ts
 * client.on("warning", (m: WarningMessage) => toast(m.message));
 * ```
 */
export interface WarningMessage {
  type: "warning";
  message: string;
  /**
   * `"client"` when the client raised the warning itself (the WebSocket client does for a
   * malformed server message); absent for warnings the server sent.
   */
  origin?: "client";
}

/**
 * Every message a FastRTC server sends on the data channel, discriminated by `type`.
 *
 * @example
 * ```ts
 * function handle(m: ServerMessage) {
 *   switch (m.type) {
 *     case "error": return toast(m.message);
 *     case "log": return setStatus(m.data);
 *   }
 * }
 * ```
 */
export type ServerMessage =
  | SendInputMessage
  | FetchOutputMessage
  | LogMessage
  | StopwordMessage
  | EndStreamMessage
  | UpdateConnectionMessage
  | ErrorMessage
  | WarningMessage;

/**
 * Text that is not valid JSON, or JSON that is not one of the known {@link ServerMessage}s
 * (unknown `type`, or a known `type` with malformed fields). `raw` is the text as received.
 *
 * @example
 * ```ts
 * client.on("message", (m) => {
 *   if (m.type === "unknown") debugLog(m.raw);
 * });
 * ```
 */
export interface UnknownServerMessage {
  type: "unknown";
  raw: string;
}

/**
 * What {@link parseServerMessage} returns: a known message or an unknown one.
 *
 * @example
 * ```ts
 * const m: ParsedServerMessage = parseServerMessage(text);
 * ```
 */
export type ParsedServerMessage = ServerMessage | UnknownServerMessage;

// ---------------------------------------------------------------------------------------------
// Structural platform types (browser WebRTC and the Node stack both satisfy them)
// ---------------------------------------------------------------------------------------------

/**
 * A media track: the browser's `MediaStreamTrack` or the Node stack's.
 *
 * @example
 * ```ts
 * const track: MediaStreamTrackLike = stream.getAudioTracks()[0];
 * ```
 */
export interface MediaStreamTrackLike {
  readonly kind: string;
  readonly id?: string;
}

/**
 * A media stream: the browser's `MediaStream` (from `getUserMedia`) or the Node stack's.
 *
 * @example
 * ```ts
 * const media: MediaStreamLike = await navigator.mediaDevices.getUserMedia({ audio: true });
 * ```
 */
export interface MediaStreamLike {
  getTracks(): MediaStreamTrackLike[];
}

/**
 * A session description as returned by `createOffer()` / `localDescription`.
 *
 * @example
 * ```ts
 * const offer: SessionDescriptionLike = await pc.createOffer();
 * ```
 */
export interface SessionDescriptionLike {
  type?: "offer" | "answer" | "pranswer" | "rollback";
  sdp?: string;
}

/**
 * Direction of a transceiver.
 *
 * @example
 * ```ts
 * pc.addTransceiver("audio", { direction: "recvonly" satisfies TransceiverDirection });
 * ```
 */
export type TransceiverDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/**
 * An event listener as the client registers it (the event object is inspected structurally).
 *
 * @example
 * ```ts
 * const listener: EventListenerLike = (event) => inspect(event);
 * ```
 */
export type EventListenerLike = (event: unknown) => void;

/**
 * The subset of `RTCDataChannel` the client uses.
 *
 * @example
 * ```ts
 * const dc: DataChannelLike = pc.createDataChannel("text");
 * ```
 */
export interface DataChannelLike {
  readonly label: string;
  readonly readyState: string;
  send(data: string): void;
  close(): void;
  addEventListener(type: string, listener: EventListenerLike): void;
  removeEventListener(type: string, listener: EventListenerLike): void;
}

/**
 * The subset of `RTCPeerConnection` the client uses. The browser's `RTCPeerConnection` and
 * the Node entry's `RTCPeerConnection` both satisfy it.
 *
 * @example
 * ```ts
 * const pc: PeerConnectionLike = new RTCPeerConnection({ iceServers: [] });
 * ```
 */
export interface PeerConnectionLike {
  readonly connectionState: string;
  readonly iceGatheringState: string;
  readonly localDescription: SessionDescriptionLike | null;
  createDataChannel(label: string): DataChannelLike;
  createOffer(): Promise<SessionDescriptionLike>;
  setLocalDescription(description: SessionDescriptionLike): Promise<unknown>;
  setRemoteDescription(description: { type: "answer"; sdp: string }): Promise<unknown>;
  addTrack(track: MediaStreamTrackLike, ...streams: MediaStreamLike[]): unknown;
  addTransceiver(
    trackOrKind: MediaStreamTrackLike | string,
    // "stopped" only because the DOM typings list it (the client never passes it)
    init?: { direction?: TransceiverDirection | "stopped"; streams?: MediaStreamLike[] },
  ): unknown;
  addEventListener(type: string, listener: EventListenerLike): void;
  removeEventListener(type: string, listener: EventListenerLike): void;
  close(): unknown;
}

/**
 * An ICE candidate as found in an `icecandidate` event (an `RTCIceCandidate`, in browsers and
 * in Node). `toJSON()` gives the body FastRTC expects.
 *
 * @example
 * ```ts
 * const init = (candidate as IceCandidateLike).toJSON?.();
 * ```
 */
export interface IceCandidateLike {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
  toJSON?(): unknown;
}

/**
 * An ICE server entry (STUN/TURN), as in `RTCConfiguration.iceServers`.
 *
 * @example
 * ```ts
 * const stun: IceServerLike = { urls: "stun:stun.l.google.com:19302" };
 * ```
 */
export interface IceServerLike {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Peer-connection configuration, passed unchanged to `createPeerConnection`. FastRTC's
 * credential helpers (`get_cloudflare_turn_credentials`, ...) return objects of this shape.
 *
 * @example
 * ```ts
 * const config: RtcConfigurationLike = { iceServers: [{ urls: "stun:stun.l.google.com:19302" }] };
 * ```
 */
export interface RtcConfigurationLike {
  iceServers?: IceServerLike[];
  iceTransportPolicy?: "all" | "relay";
  [key: string]: unknown;
}

/**
 * The part of a `fetch` `Response` the client reads.
 *
 * @example
 * ```ts
 * const res: FetchResponseLike = await fetch(url);
 * ```
 */
export interface FetchResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

/**
 * A `fetch`-compatible function (the global `fetch` fits; so does a fake in tests).
 *
 * @example
 * ```ts
 * const fetchLike: FetchLike = (url, init) => fetch(url, init);
 * ```
 */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<FetchResponseLike>;

/**
 * The remote track the platform announced (the fields of the browser's `RTCTrackEvent`).
 *
 * @example
 * ```ts
 * client.on("track", (e: RemoteTrackEvent) => {
 *   audioElement.srcObject = e.streams[0];
 * });
 * ```
 */
export interface RemoteTrackEvent {
  /** The platform's remote `MediaStreamTrack`. */
  track: MediaStreamTrackLike;
  /** The platform's `MediaStream`s the track belongs to (may be empty). */
  streams: readonly MediaStreamLike[];
}

// ---------------------------------------------------------------------------------------------
// Options and events
// ---------------------------------------------------------------------------------------------

/**
 * Options of a {@link FastRTCClient}.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   url: "https://my-app.example",
 *   rtcConfiguration: { iceServers: [{ urls: "stun:stun.l.google.com:19302" }] },
 * };
 * ```
 */
export interface ClientOptions {
  /**
   * Base URL of the server, without a trailing slash (one is removed if present).
   * Default `""`: same origin (browsers only; Node's `fetch` needs an absolute URL).
   */
  url?: string;
  /** Prefix the stream is mounted under (`stream.mount(app, path=...)`). Default `""`. */
  path?: string;
  /** Passed to `createPeerConnection`. Default `{}`. */
  rtcConfiguration?: RtcConfigurationLike;
  /** The connection's id, sent with every request. Default: `Math.random().toString(36).slice(2)`. */
  webrtcId?: string;
  /**
   * Default `true`: post the offer at once, then POST each local ICE candidate as
   * `{candidate, webrtc_id, type: "ice-candidate"}`. `false`: wait until ICE gathering is
   * complete and post the full SDP (no candidate requests).
   */
  trickle?: boolean;
  /** The `fetch` used for signalling. Default: the global `fetch` (looked up at `connect()`). */
  fetch?: FetchLike;
  /** Extra HTTP headers for every signalling request (e.g. authorization). Default `{}`. */
  headers?: Record<string, string>;
  /**
   * Creates the peer connection. Default: `new globalThis.RTCPeerConnection(config)` (browsers);
   * the Node entry (`fastrtc-ts/client/node`) provides one for Node.
   */
  createPeerConnection?: (config: RtcConfigurationLike) => PeerConnectionLike;
  /** Media direction, as the server's `mode`. Default `"send-receive"`. */
  mode?: ClientMode;
  /**
   * Media kinds to request in `receive` mode (one `recvonly` transceiver each).
   * Default `["audio"]`.
   */
  receiveKinds?: ReadonlyArray<"audio" | "video">;
  /**
   * Maximum time for `connect()`, from the call until connected with the data channel open.
   * Default `30000` ms; on expiry `connect()` rejects with `ConnectTimeoutError`.
   */
  connectTimeoutMs?: number;
  /**
   * Close the client when the server ends the session: on `end_stream` and on
   * `update_connection` `"closed"` (after the event has been emitted), and when the data channel
   * closes while connected. Default `true` (what FastRTC's Gradio frontend does).
   */
  autoClose?: boolean;
}

/**
 * The events every client (WebRTC and WebSocket) emits for server messages: `message` (every
 * parsed message, before the typed event) and one event per known message `type`.
 *
 * @example
 * ```ts
 * function wire(client: { on<K extends keyof ServerMessageEvents>(n: K, f: (p: ServerMessageEvents[K]) => void): unknown }) {
 *   client.on("error", (m) => toast(m.message));
 * }
 * ```
 */
export interface ServerMessageEvents {
  message: ParsedServerMessage;
  send_input: SendInputMessage;
  fetch_output: FetchOutputMessage;
  log: LogMessage;
  stopword: StopwordMessage;
  end_stream: EndStreamMessage;
  update_connection: UpdateConnectionMessage;
  error: ErrorMessage;
  warning: WarningMessage;
}

/**
 * Events of a {@link FastRTCClient} and their payloads: one per server message type, plus
 * `message` (every parsed message, before the typed event), `track`, `state` and
 * `datachannel-open`.
 *
 * @example
 * ```ts
 * const off = client.on("log", (m) => setStatus(m.data));
 * client.on("state", (s) => setBadge(s));
 * off();
 * ```
 */
export interface ClientEvents extends ServerMessageEvents {
  track: RemoteTrackEvent;
  state: ClientState;
  "datachannel-open": DataChannelLike;
}
