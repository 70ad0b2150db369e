/**
 * `fastrtc-ts/client/node`: everything from `fastrtc-ts/client`, plus {@link NodeAudioClient},
 * a FastRTC client on the werift WebRTC stack that sends and receives audio as PCM (Opus on the
 * wire), and {@link NodeWebSocketClient}, the WebSocket transport on the `ws` package. For
 * tests, bots and load generation.
 *
 * @example
 * ```ts
 * import { NodeAudioClient } from "fastrtc-ts/client/node";
 *
 * const client = new NodeAudioClient({ url: "http://localhost:8000" });
 * client.on("audio", ({ samples }) => speaker.write(samples)); // 48 kHz mono int16
 * await client.connect();
 * await client.playAudio([16000, question]);
 * ```
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import {
  MediaStreamTrack,
  type RTCDtlsTransport,
  RTCPeerConnection,
  type RTCPeerConnectionConfig,
  type RTCRtpTransceiver,
  type RtpPacket,
} from "werift";
import { WebSocket } from "ws";
import { assertSampleRate, audioToInt16, downmixToMono } from "../audio/convert.js";
import type { AudioChunk } from "../audio/types.js";
import {
  JitterBuffer,
  type JitterBufferOptions,
  seqDiff,
} from "../transports/webrtc/jitterBuffer.js";
import { OPUS_FRAME, OPUS_RATE, OpusStreamDecoder } from "../transports/webrtc/opus.js";
import {
  OpusPacketizer,
  type OpusPacketizerOptions,
  toRtpPacket,
} from "../transports/webrtc/opusPacketizer.js";
import { installReceiverFastPaths } from "../transports/webrtc/receiverFastPaths.js";
import { installRtpHeaderParser } from "../transports/webrtc/rtpHeaderParser.js";
import type {
  ClientEvents,
  ClientOptions,
  MediaStreamLike,
  PeerConnectionLike,
  RtcConfigurationLike,
} from "./clientTypes.js";
import { FastRTCClientError } from "./errors.js";
import { FastRTCClient } from "./FastRTCClient.js";
import { FastRTCWebSocketClient } from "./WebSocketClient.js";
import type {
  WebSocketAudio,
  WebSocketClientEvents,
  WebSocketClientOptions,
  WebSocketLike,
} from "./websocketTypes.js";

export * from "./index.js";

/** Payload type used when the negotiated Opus payload type cannot be found. */
const DEFAULT_OPUS_PAYLOAD_TYPE = 111;

/**
 * Longest wait in `stop()` for the server to acknowledge the data channel's close before the
 * peer connection is closed (it normally takes one round trip).
 */
const CHANNEL_CLOSE_WAIT_MS = 1000;

/**
 * RTP header fields of a received packet (or, for concealed audio, of the lost one).
 *
 * @example
 * ```ts
 * client.on("audio", ({ rtp }: { rtp: RtpInfo }) => track(rtp.sequenceNumber));
 * ```
 */
export interface RtpInfo {
  sequenceNumber: number;
  /** RTP timestamp (48 kHz clock). Estimated from the previous packet for concealed audio. */
  timestamp: number;
  marker: boolean;
}

/**
 * One 20 ms block of received audio.
 *
 * @example
 * ```ts
 * client.on("audio", (a: ReceivedAudio) => {
 *   if (!a.concealed) latency.push(performance.now() - a.receivedAt);
 * });
 * ```
 */
export interface ReceivedAudio {
  /** Mono int16 samples at 48 kHz (960 for a 20 ms packet). */
  samples: Int16Array;
  /** Always 48000. */
  sampleRate: number;
  /** `performance.now()` when the packet arrived (when it was concealed, for lost packets). */
  receivedAt: number;
  /** True when this is packet-loss concealment for a packet that never arrived. */
  concealed: boolean;
  rtp: RtpInfo;
}

/**
 * Events of a {@link NodeAudioClient}: all {@link ClientEvents} plus `audio`.
 *
 * @example
 * ```ts
 * client.on("audio", (a) => sink.write(a.samples));
 * ```
 */
export interface NodeAudioClientEvents extends ClientEvents {
  audio: ReceivedAudio;
}

/**
 * Options of a {@link NodeAudioClient}: those of `FastRTCClient`, with werift defaults.
 *
 * @example
 * ```ts
 * const options: NodeAudioClientOptions = { url: "http://localhost:8000", trickle: false };
 * ```
 */
export interface NodeAudioClientOptions extends Omit<ClientOptions, "createPeerConnection"> {
  /**
   * Creates the werift peer connection. Default: `new RTCPeerConnection({ iceServers: [],
   * ...config })`, i.e. like a browser, no STUN server unless `rtcConfiguration` names one
   * (werift alone would default to Google's).
   */
  createPeerConnection?: (config: RtcConfigurationLike) => RTCPeerConnection;
  /** Options of the receive jitter buffer. Default: `JitterBuffer` defaults (3 held packets). */
  jitterBuffer?: JitterBufferOptions;
  /** Options of the send packetizer. Default: `OpusPacketizer` defaults (random seq/ts). */
  packetizer?: OpusPacketizerOptions;
}

/**
 * Options of {@link NodeAudioClient.sendAudio}.
 *
 * @example
 * ```ts
 * client.sendAudio([16000, chunk], { discontinuity: true } satisfies SendAudioOptions);
 * ```
 */
export interface SendAudioOptions {
  /**
   * The audio starts after a pause: the first packet gets the RTP marker bit and its timestamp
   * jumps by the time that passed. Default `false`.
   */
  discontinuity?: boolean;
}

/**
 * Options of {@link NodeAudioClient.playAudio}.
 *
 * @example
 * ```ts
 * await client.playAudio([16000, speech], { realtime: true, signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface PlayAudioOptions {
  /** Send 20 ms frames on wall-clock pace (`true`, default) or all at once (`false`). */
  realtime?: boolean;
  /** Marks the start of the chunk as a new talkspurt (see {@link SendAudioOptions}). Default `true`. */
  discontinuity?: boolean;
  /** Stops playback early (the promise then resolves). Default: none. */
  signal?: AbortSignal;
}

/**
 * A FastRTC client for Node on werift, with audio in and out as PCM:
 *
 * - sending (`send-receive`, `send`): {@link sendAudio} / {@link playAudio} take mono audio at
 *   any rate; it is resampled to 48 kHz, encoded as 20 ms Opus packets and sent as RTP on the
 *   client's audio track.
 * - receiving (`send-receive`, `receive`): the server's RTP goes through a jitter buffer (reorder,
 *   loss detection) and an Opus decoder (with concealment for lost packets), and each 20 ms is
 *   emitted as an `audio` event, downmixed to 48 kHz mono.
 *
 * `connect()` takes no media: the audio track is created by the client.
 *
 * Creating one makes werift, process-wide, parse RTP headers with this library's parser (the same
 * header objects, less garbage, and a header whose extension runs past its packet is refused
 * instead of stalling the event loop; see docs/architecture.md, "RTP headers").
 *
 * @example
 * ```ts
 * const client = new NodeAudioClient({ url: "http://localhost:8000" });
 * const received: Int16Array[] = [];
 * client.on("audio", (a) => received.push(a.samples));
 * client.on("log", (m) => m.data === "response_starting" && markReplyStart());
 * await client.connect();
 * await client.playAudio([24000, speech]);           // paced like a microphone
 * await client.playAudio([24000, new Int16Array(24000)]); // 1 s of silence: end of turn
 * await client.stop();
 * ```
 */
export class NodeAudioClient extends FastRTCClient<NodeAudioClientEvents> {
  readonly #packetizer: OpusPacketizer;
  readonly #jitter: JitterBuffer<{ payload: Uint8Array; rtp: RtpInfo; receivedAt: number }>;
  readonly #decoder = new OpusStreamDecoder();
  #transceiver: RTCRtpTransceiver | null = null;
  #track: MediaStreamTrack | null = null;
  readonly #subscribed = new Set<MediaStreamTrack>();
  readonly #unsubscribes: (() => void)[] = [];
  #lastRtp: RtpInfo | null = null;
  /** Every DTLS transport the peer connection has had (see #stopOrphanTransports). */
  readonly #transports = new Set<RTCDtlsTransport>();
  #orphansStopped: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | null = null;
  #packetsReceived = 0;
  #packetsSent = 0;
  #decodeErrors = 0;

  constructor(options: NodeAudioClientOptions = {}) {
    installRtpHeaderParser();
    installReceiverFastPaths();
    const { jitterBuffer, packetizer, createPeerConnection, ...rest } = options;
    const create = createPeerConnection ?? defaultWeriftPeerConnection;
    super({ ...rest, createPeerConnection: (config) => asPeerConnectionLike(create(config)) });
    this.#packetizer = new OpusPacketizer(packetizer);
    this.#jitter = new JitterBuffer(jitterBuffer);
    this.on("track", (event) => this.#onTrack(event.track as MediaStreamTrack));
    this.on("state", (state) => {
      if (state === "closed" || state === "failed") this.#release();
    });
  }

  /** The werift peer connection (`null` before `connect()`). */
  override get peerConnection(): RTCPeerConnection | null {
    return super.peerConnection as RTCPeerConnection | null;
  }

  /** The audio transceiver (`null` before `connect()`). */
  get transceiver(): RTCRtpTransceiver | null {
    return this.#transceiver;
  }

  /** RTP packets received from the server (before reordering; duplicates included). */
  get packetsReceived(): number {
    return this.#packetsReceived;
  }

  /** RTP packets written to the audio track. */
  get packetsSent(): number {
    return this.#packetsSent;
  }

  /** Received packets declared lost by the jitter buffer (each concealed, up to a limit). */
  get packetsLost(): number {
    return this.#jitter.lost;
  }

  /** Received packets dropped as duplicates or as too late. */
  get packetsDropped(): number {
    return this.#jitter.dropped;
  }

  /** Received payloads the Opus decoder rejected (dropped). */
  get decodeErrors(): number {
    return this.#decodeErrors;
  }

  /**
   * Stops the client (see `FastRTCClient.stop`), including the ICE transports werift drops
   * during BUNDLE negotiation but never closes itself. Idempotent: every call returns the same
   * promise. (werift frees the UDP sockets shortly after the promise resolves.)
   *
   * The server learns that the client left from the data channel's close (werift sends no DTLS
   * close alert), so a connected client first closes its channel and waits, at most
   * 1 s, until the server acknowledged it (the SCTP stream reset), and only then closes the
   * peer connection. Closing both at once lost the channel's close about one time in four, and
   * the server then held the slot until ICE consent expired (~30 s).
   */
  override stop(): Promise<void> {
    this.#stopped ??= this.#closeChannel()
      .then(() => super.stop())
      .then(() => this.#orphansStopped);
    return this.#stopped;
  }

  /** Closes the data channel and waits (bounded) until the server acknowledged it. */
  async #closeChannel(): Promise<void> {
    const dc = this.dataChannel;
    if (dc === null || this.state !== "connected" || dc.readyState !== "open") return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        dc.removeEventListener("close", done);
        resolve();
      };
      const timer = setTimeout(done, CHANNEL_CLOSE_WAIT_MS);
      dc.addEventListener("close", done);
      try {
        dc.close();
      } catch {
        done();
      }
      if (dc.readyState === "closed") done();
    });
  }

  /**
   * Connects (see `FastRTCClient.connect`). The audio transceiver is created by the client:
   * `sendrecv` in `send-receive` mode, `sendonly` in `send` mode, `recvonly` in `receive` mode.
   */
  override connect(): Promise<void> {
    return super.connect();
  }

  /**
   * Encodes and sends audio at once (no pacing: call it every 20 ms, or use
   * {@link playAudio}). Audio is cut into 20 ms packets; a remainder shorter than 20 ms (at
   * 48 kHz, after resampling) waits for the next call.
   *
   * @param chunk an `AudioChunk`: `[sampleRate, samples]` mono, or
   *   `[sampleRate, samples, "stereo"]` interleaved (downmixed to mono); int16, or float32 in
   *   [-1, 1].
   * @returns the number of RTP packets sent.
   * @throws FastRTCClientError if not connected or in `receive` mode; RangeError for a bad rate.
   */
  sendAudio(chunk: AudioChunk, options: SendAudioOptions = {}): number {
    const track = this.#track;
    if (track === null) {
      throw new FastRTCClientError("sendAudio() is not available in receive mode");
    }
    if (this.state !== "connected") {
      throw new FastRTCClientError(`sendAudio() needs a connected client (state: ${this.state})`);
    }
    const [rate, pcm] = monoInt16(chunk);
    const payloads = this.#packetizer.push(pcm, rate, options.discontinuity ?? false);
    const payloadType = this.#payloadType();
    for (const p of payloads) track.writeRtp(toRtpPacket(p, payloadType));
    this.#packetsSent += payloads.length;
    return payloads.length;
  }

  /**
   * Sends audio in 20 ms frames. With `realtime` (default) frame _k_ is sent at
   * `start + k·20 ms` (drift-corrected timers) and the promise resolves when the audio's
   * duration has elapsed, i.e. like a microphone. Playback ends early, without error, when
   * the client stops or `signal` aborts.
   *
   * @param chunk an `AudioChunk`, as for {@link sendAudio}.
   * @throws FastRTCClientError if not connected or in `receive` mode.
   */
  async playAudio(chunk: AudioChunk, options: PlayAudioOptions = {}): Promise<void> {
    const discontinuity = options.discontinuity ?? true;
    if (!(options.realtime ?? true)) {
      this.sendAudio(chunk, { discontinuity });
      return;
    }
    const [rate, samples] = monoInt16(chunk);
    const frames = Math.ceil((samples.length * 50) / rate);
    const start = performance.now();
    for (let k = 0; k < frames; k++) {
      if (options.signal?.aborted || (k > 0 && this.state !== "connected")) return;
      const from = Math.round((k * rate) / 50);
      const to = Math.min(samples.length, Math.round(((k + 1) * rate) / 50));
      this.sendAudio([rate, samples.subarray(from, to)], {
        discontinuity: discontinuity && k === 0,
      });
      const wait = start + (k + 1) * 20 - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }

  protected override addMedia(pc: PeerConnectionLike, _media: MediaStreamLike | undefined): void {
    const wpc = pc as unknown as RTCPeerConnection;
    const record = (): void => {
      for (const t of wpc.dtlsTransports) this.#transports.add(t);
    };
    const gathering = wpc.iceGatheringStateChange.subscribe(record);
    const candidates = wpc.onIceCandidate.subscribe(record);
    this.#unsubscribes.push(gathering.unSubscribe, candidates.unSubscribe);
    if (this.mode === "receive") {
      this.#transceiver = wpc.addTransceiver("audio", { direction: "recvonly" });
      return;
    }
    const track = new MediaStreamTrack({ kind: "audio" });
    this.#track = track;
    this.#transceiver = wpc.addTransceiver(track, {
      direction: this.mode === "send" ? "sendonly" : "sendrecv",
    });
  }

  #payloadType(): number {
    const t = this.#transceiver;
    const negotiated = t?.sender.codec;
    if (negotiated !== undefined && /opus/i.test(negotiated.mimeType))
      return negotiated.payloadType;
    return t?.getPayloadType("audio/opus") ?? DEFAULT_OPUS_PAYLOAD_TYPE;
  }

  #onTrack(track: MediaStreamTrack): void {
    if (this.mode === "send" || track.kind !== "audio" || this.#subscribed.has(track)) return;
    this.#subscribed.add(track);
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp) => this.#onRtp(rtp));
    this.#unsubscribes.push(unSubscribe);
  }

  #onRtp(packet: RtpPacket): void {
    if (this.state === "closed" || this.state === "failed") return;
    this.#packetsReceived++;
    const receivedAt = performance.now();
    const { header } = packet;
    const rtp: RtpInfo = {
      sequenceNumber: header.sequenceNumber,
      timestamp: header.timestamp,
      marker: header.marker,
    };
    for (const out of this.#jitter.push(header.sequenceNumber, {
      payload: packet.payload,
      rtp,
      receivedAt,
    })) {
      if (out.kind === "packet") {
        let stereo: Int16Array;
        try {
          stereo = this.#decoder.decode(out.item.payload);
        } catch {
          this.#decodeErrors++;
          continue;
        }
        this.#lastRtp = out.item.rtp;
        this.#emitAudio(stereo, out.item.receivedAt, false, out.item.rtp);
      } else {
        const last = this.#lastRtp;
        const steps = last === null ? 1 : seqDiff(out.seq, last.sequenceNumber);
        const estimated: RtpInfo = {
          sequenceNumber: out.seq,
          timestamp: ((last?.timestamp ?? 0) + steps * OPUS_FRAME) >>> 0,
          marker: false,
        };
        this.#emitAudio(this.#decoder.conceal(), performance.now(), true, estimated);
      }
    }
  }

  #emitAudio(stereo: Int16Array, receivedAt: number, concealed: boolean, rtp: RtpInfo): void {
    this.emit("audio", {
      samples: downmixToMono(stereo, 2),
      sampleRate: OPUS_RATE,
      receivedAt,
      concealed,
      rtp,
    });
  }

  #release(): void {
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    this.#subscribed.clear();
    this.#track?.stop();
    this.#orphansStopped = this.#stopOrphanTransports();
  }

  /**
   * werift 0.24 creates one ICE/DTLS transport per m-line when it makes the offer (audio and
   * data channel), drops all but the first when the answer bundles them, and never closes the
   * dropped ones: their UDP sockets stay open after `pc.close()`. Stop those here.
   */
  async #stopOrphanTransports(): Promise<void> {
    const current = new Set(this.peerConnection?.dtlsTransports ?? []);
    const orphans = [...this.#transports].filter((t) => !current.has(t) && t.state !== "closed");
    this.#transports.clear();
    await Promise.allSettled(orphans.map((t) => t.stop()));
  }
}

function defaultWeriftPeerConnection(config: RtcConfigurationLike): RTCPeerConnection {
  return new RTCPeerConnection({ iceServers: [], ...(config as RTCPeerConnectionConfig) });
}

/** werift's RTCPeerConnection satisfies {@link PeerConnectionLike}; this checks it at compile time. */
function asPeerConnectionLike(pc: RTCPeerConnection): PeerConnectionLike {
  return pc;
}

/** Validates a chunk and returns it as mono int16. */
function monoInt16(chunk: AudioChunk): [number, Int16Array] {
  const [rate, samples, layout] = chunk;
  assertSampleRate(rate);
  const int16 = samples instanceof Int16Array ? samples : audioToInt16(samples);
  return [rate, layout === "stereo" ? downmixToMono(int16, 2) : int16];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// WebSocket transport
// ---------------------------------------------------------------------------------------------

/**
 * Options of {@link createNodeWebSocket}.
 *
 * @example
 * ```ts
 * createNodeWebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
 * ```
 */
export interface NodeWebSocketOptions {
  /** Extra headers of the upgrade request (e.g. authorization). Default `{}`. */
  headers?: Record<string, string>;
}

/** How long to wait for the body of a refused upgrade before giving up on it. */
const UPGRADE_BODY_TIMEOUT_MS = 2000;
/** Most of a refused upgrade's body kept. */
const UPGRADE_BODY_LIMIT = 8192;

/**
 * Opens a socket with the `ws` package, for `createWebSocket`. When the server refuses the
 * upgrade, the socket gets `upgradeResponse` (`{status, body}`, the body cut at 8 KiB) before it
 * closes, so the client can reject with `WebSocketUpgradeError`.
 *
 * @example
 * ```ts
 * const client = new FastRTCWebSocketClient({
 *   url: "http://localhost:8000",
 *   createWebSocket: (url) => createNodeWebSocket(url, { headers: { "x-api-key": key } }),
 * });
 * ```
 */
export function createNodeWebSocket(
  url: string,
  options: NodeWebSocketOptions = {},
): WebSocketLike {
  const ws = new WebSocket(url, { headers: { ...options.headers } });
  ws.on("unexpected-response", (_req, res: IncomingMessage) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const body = Buffer.concat(chunks).toString("utf8").slice(0, UPGRADE_BODY_LIMIT);
      (ws as { upgradeResponse?: { status: number; body: string } }).upgradeResponse = {
        status: res.statusCode ?? 0,
        body,
      };
      ws.terminate();
    };
    const timer = setTimeout(finish, UPGRADE_BODY_TIMEOUT_MS);
    res.on("data", (chunk: Buffer) => {
      if (size < UPGRADE_BODY_LIMIT) chunks.push(chunk);
      size += chunk.length;
    });
    res.on("end", finish);
    res.on("error", finish);
    res.on("close", finish);
  });
  return asWebSocketLike(ws);
}

/** `ws`'s WebSocket satisfies {@link WebSocketLike}; this checks it at compile time. */
function asWebSocketLike(ws: WebSocket): WebSocketLike {
  return ws;
}

/**
 * Options of a {@link NodeWebSocketClient}: those of `FastRTCWebSocketClient`, plus upgrade
 * headers and audio collection.
 *
 * @example
 * ```ts
 * const options: NodeWebSocketClientOptions = {
 *   url: "http://localhost:8000",
 *   inputSampleRate: 16000,
 *   headers: { Authorization: "Bearer t" },
 * };
 * ```
 */
export interface NodeWebSocketClientOptions extends WebSocketClientOptions {
  /** Extra headers of the upgrade request (ignored with `createWebSocket`). Default `{}`. */
  headers?: Record<string, string>;
  /** Keep every received `audio` block in {@link NodeWebSocketClient.received}. Default `true`. */
  collectAudio?: boolean;
}

/**
 * Options of {@link NodeWebSocketClient.playAudio}.
 *
 * @example
 * ```ts
 * await client.playAudio(pcm, 16000, { realtime: false } satisfies PlayWebSocketAudioOptions);
 * ```
 */
export interface PlayWebSocketAudioOptions {
  /** Send 20 ms frames on wall-clock pace (`true`, default) or all at once (`false`). */
  realtime?: boolean;
  /** Stops playback early (the promise then resolves; nothing is flushed). Default: none. */
  signal?: AbortSignal;
}

/**
 * The WebSocket client for Node: `FastRTCWebSocketClient` on the `ws` package (upgrade headers,
 * HTTP status of refused upgrades), plus {@link playAudio} to stream a whole buffer like a
 * microphone and a record of the received audio.
 *
 * @example
 * ```ts
 * const client = new NodeWebSocketClient({ url: "http://localhost:8000", inputSampleRate: 24000 });
 * client.on("log", (m) => m.data === "response_starting" && markReplyStart());
 * await client.connect();
 * await client.playAudio(question, 16000);          // paced, resampled to 24 kHz
 * await client.playAudio(new Int16Array(16000), 16000); // 1 s of silence: end of turn
 * await waitUntil(() => client.received.length > 50);
 * const reply = client.receivedAudio();              // int16 at outputSampleRate
 * await client.stop();
 * ```
 */
export class NodeWebSocketClient extends FastRTCWebSocketClient<WebSocketClientEvents> {
  readonly #received: WebSocketAudio[] = [];
  readonly #clears: number[] = [];

  constructor(options: NodeWebSocketClientOptions = {}) {
    const { headers, collectAudio, createWebSocket, ...rest } = options;
    super({
      ...rest,
      createWebSocket: createWebSocket ?? ((url) => createNodeWebSocket(url, { headers })),
    });
    if (collectAudio ?? true) this.on("audio", (a) => this.#received.push(a));
    this.on("clear", (c) => this.#clears.push(c.receivedAt));
  }

  /** Every received audio block, in order (empty with `collectAudio: false`). */
  get received(): readonly WebSocketAudio[] {
    return this.#received;
  }

  /** `performance.now()` of every `clear` message received. */
  get clears(): readonly number[] {
    return this.#clears;
  }

  /** All received audio, concatenated (int16 at `outputSampleRate`). */
  receivedAudio(): Int16Array {
    const out = new Int16Array(this.#received.reduce((n, a) => n + a.samples.length, 0));
    let at = 0;
    for (const a of this.#received) {
      out.set(a.samples, at);
      at += a.samples.length;
    }
    return out;
  }

  /** Forgets the received audio and clears recorded so far. */
  resetReceived(): void {
    this.#received.length = 0;
    this.#clears.length = 0;
  }

  /**
   * Sends a whole buffer as 20 ms `media` messages, then flushes the remainder. With `realtime`
   * (default) frame _k_ is sent at `start + k·20 ms` (drift-corrected) and the promise resolves
   * when the audio's duration has elapsed, like a microphone; otherwise everything is sent at
   * once. Ends early, without error, when the client stops or `signal` aborts.
   *
   * @param samples mono int16 PCM, or float32 in [-1, 1].
   * @param sampleRate their rate (resampled to `inputSampleRate` if different). Default:
   *   `inputSampleRate`.
   * @throws FastRTCClientError if not connected; RangeError for an invalid rate.
   */
  async playAudio(
    samples: Int16Array | Float32Array,
    sampleRate = this.inputSampleRate,
    options: PlayWebSocketAudioOptions = {},
  ): Promise<void> {
    if (!(options.realtime ?? true)) {
      this.sendAudio(samples, sampleRate);
      this.flushAudio();
      return;
    }
    const frames = Math.ceil((samples.length * 50) / sampleRate);
    const start = performance.now();
    for (let k = 0; k < frames; k++) {
      if (options.signal?.aborted || (k > 0 && this.state !== "connected")) return;
      const from = Math.round((k * sampleRate) / 50);
      const to = Math.min(samples.length, Math.round(((k + 1) * sampleRate) / 50));
      this.sendAudio(samples.subarray(from, to), sampleRate);
      const wait = start + (k + 1) * 20 - performance.now();
      if (wait > 0) await sleep(wait);
    }
    if (options.signal?.aborted || this.state !== "connected") return;
    this.flushAudio();
  }
}
