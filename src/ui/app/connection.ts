/**
 * The only file of the page that touches the client SDK (`src/client/`). Everything else talks
 * to the {@link Connection} interface below, so an SDK change is absorbed here.
 */

import {
  ConcurrencyLimitError,
  ConnectionExistsError,
  ConnectTimeoutError,
  FastRTCClient,
  InvalidAnswerError,
  OfferHttpError,
  OfferRejectedError,
  type RemoteTrackEvent,
  type RtcConfigurationLike,
} from "../../client/index.js";
import { parseTurnStep, type TurnStep } from "./turnSteps.js";

export type { TurnStep } from "./turnSteps.js";

/**
 * Events of a {@link Connection}, with payloads reduced to what the page uses.
 *
 * @example
 * ```ts
 * const onLog = (data: ConnectionEvents["log"]) => data === "pause_detected";
 * ```
 */
export interface ConnectionEvents {
  /** `data` of a `log` message: "started_talking", "pause_detected", "response_starting", ... */
  log: string;
  /** Text of an `error` message. */
  error: string;
  /** Text of a `warning` message. */
  warning: string;
  /** The app ended the stream (`CloseStream`), with its message (may be ""). */
  end_stream: string;
  /** "open" or "closed". */
  update_connection: "open" | "closed";
  /** The remote audio, always as a stream. */
  track: MediaStream;
  /** The client's state. */
  state: "idle" | "connecting" | "connected" | "closed" | "failed";
  /** The server asks for the inputs' values (`send_input`), with the message's `data`. */
  send_input: unknown;
  /** The server produced outputs (`fetch_output`), with the message's `data`. */
  fetch_output: unknown;
  /** One step of a turn (`{"type":"log","data":"turn_event","meta":{...}}`, see {@link TurnStep}). */
  turn: TurnStep;
}

/**
 * One call to the FastRTC server.
 *
 * @example
 * ```ts
 * const connection = openConnection({ path: "", rtcConfiguration: {}, mode: "send-receive" });
 * const off = connection.on("log", (data) => setStatus(data));
 * await connection.connect(micStream);
 * connection.send(JSON.stringify({ type: "text", data: "hello" }));
 * connection.stop();
 * off();
 * ```
 */
export interface Connection {
  /** The id sent as `webrtc_id`, for the input hook and the outputs stream. */
  readonly webrtcId: string;
  /** The token the server gave with its answer (`connectionTokens`), or null. */
  readonly connectionToken: string | null;
  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof ConnectionEvents>(
    event: K,
    listener: (data: ConnectionEvents[K]) => void,
  ): () => void;
  /** Sends the offer and resolves once connected; rejects with the SDK's errors. */
  connect(stream: MediaStream | null): Promise<void>;
  /** Sends text on the data channel; throws when it is not open. */
  send(text: string): void;
  /**
   * Sends `track` instead of the audio track given to {@link connect} (another microphone),
   * without renegotiating. Resolves false when the call sends no audio.
   */
  replaceTrack(track: MediaStreamTrack): Promise<boolean>;
  /** Closes the call (the caller stops its own microphone tracks). */
  stop(): void;
}

/**
 * Where and how to connect.
 *
 * @example
 * ```ts
 * const options: ConnectionOptions = { path: "/api", rtcConfiguration: {}, mode: "send" };
 * ```
 */
export interface ConnectionOptions {
  /** Route prefix, "" for the root. */
  path: string;
  rtcConfiguration: Record<string, unknown>;
  mode: "send-receive" | "send" | "receive";
}

function remoteStream(event: RemoteTrackEvent): MediaStream {
  const first = event.streams[0];
  if (first instanceof MediaStream) return first;
  return new MediaStream([event.track as MediaStreamTrack]);
}

/**
 * Creates a call to the server that served this page (same origin), trickling ICE candidates.
 *
 * @example
 * ```ts
 * const connection = openConnection({
 *   path: config.path,
 *   rtcConfiguration: config.rtcConfiguration,
 *   mode: config.mode,
 * });
 * ```
 */
export function openConnection(options: ConnectionOptions): Connection {
  const client = new FastRTCClient({
    url: "",
    path: options.path,
    rtcConfiguration: options.rtcConfiguration as RtcConfigurationLike,
    mode: options.mode,
    trickle: true,
  });
  const subscribe = {
    log: (fn: (data: string) => void) => client.on("log", (m) => fn(m.data)),
    error: (fn: (data: string) => void) => client.on("error", (m) => fn(m.message)),
    warning: (fn: (data: string) => void) => client.on("warning", (m) => fn(m.message)),
    end_stream: (fn: (data: string) => void) => client.on("end_stream", (m) => fn(m.data)),
    update_connection: (fn: (data: "open" | "closed") => void) =>
      client.on("update_connection", (m) => fn(m.data)),
    track: (fn: (data: MediaStream) => void) => client.on("track", (e) => fn(remoteStream(e))),
    state: (fn: (data: ConnectionEvents["state"]) => void) => client.on("state", fn),
    send_input: (fn: (data: unknown) => void) => client.on("send_input", (m) => fn(m.data)),
    fetch_output: (fn: (data: unknown) => void) => client.on("fetch_output", (m) => fn(m.data)),
    // The SDK's log event carries no meta: read turn events from the data channel itself.
    turn: (fn: (data: TurnStep) => void) =>
      client.on("datachannel-open", (dc) => {
        dc.addEventListener("message", (event) => {
          const step = parseTurnStep((event as { data?: unknown }).data);
          if (step) fn(step);
        });
      }),
  } satisfies {
    [K in keyof ConnectionEvents]: (fn: (data: ConnectionEvents[K]) => void) => () => void;
  };
  return {
    webrtcId: client.webrtcId,
    get connectionToken() {
      return client.connectionToken;
    },
    on: (event, listener) => (subscribe[event] as (fn: typeof listener) => () => void)(listener),
    connect: (stream) => client.connect(stream ?? undefined),
    send: (text) => client.send(text),
    replaceTrack: async (track) => {
      const pc = client.peerConnection as RTCPeerConnection | null;
      const sender = pc?.getSenders().find((s) => s.track?.kind === "audio" || s.track === null);
      if (!sender) return false;
      await sender.replaceTrack(track);
      return true;
    },
    stop: () => {
      void client.stop();
    },
  };
}

/**
 * What to tell the person when {@link Connection.connect} failed.
 *
 * @example
 * ```ts
 * try {
 *   await connection.connect(mic);
 * } catch (err) {
 *   showError(describeConnectError(err));
 * }
 * ```
 */
export function describeConnectError(err: unknown): string {
  if (err instanceof ConcurrencyLimitError) {
    const limit = Number.isFinite(err.limit) ? ` (limit ${err.limit})` : "";
    return `Too many people are talking to this app right now${limit}. Try again in a moment.`;
  }
  if (err instanceof ConnectionExistsError) {
    return "This call is already connected elsewhere. Reload the page and try again.";
  }
  if (err instanceof OfferRejectedError) {
    if (err.code === "server_draining" || err.code === "cluster_unavailable") {
      return "The app is busy restarting or reconnecting. Try again in a moment.";
    }
    return `The app refused the call (${err.code}).`;
  }
  if (err instanceof OfferHttpError) {
    return `The app could not start the call (HTTP ${err.status}). Try again in a moment.`;
  }
  if (err instanceof InvalidAnswerError) {
    return "The app answered in a way this page does not understand. Is the address right?";
  }
  if (err instanceof ConnectTimeoutError) {
    return "The call could not connect in time. A VPN or a strict network may be blocking it.";
  }
  if (err instanceof TypeError) {
    return "The app could not be reached. Check your connection and try again.";
  }
  const message = err instanceof Error ? err.message : "";
  return message ? `Could not connect: ${message}` : "Could not connect to the app.";
}
