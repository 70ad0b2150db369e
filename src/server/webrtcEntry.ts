import type { StreamHandlerBase } from "../handlers/StreamHandler.js";
import { getLogger } from "../logger.js";
import { Session } from "../session/Session.js";
import type { SessionMode } from "../session/sessionTypes.js";
import type { MediaThreadPool } from "../transports/webrtc/mediaThread/MediaThreadPool.js";
import { OPUS_INPUT_RATES, type OpusEncoderSettings } from "../transports/webrtc/opus.js";
import {
  DEFAULT_NEGOTIATION_TIMEOUT_MS,
  type PeerOptions,
  WebRtcConnection,
} from "../transports/webrtc/WebRtcConnection.js";
import type {
  IceServer,
  MediaPeer,
  OfferedMedia,
  PeerState,
  WebRtcConnectionEvents,
} from "../transports/webrtc/webrtcTypes.js";
import { type Clock, startTimer } from "../utils/clock.js";
import type { ConnectionEntry } from "./connectionEntry.js";
import type { OutputsBus } from "./outputsBus.js";
import type { StreamEventSink } from "./streamEvents.js";

const log = getLogger("server");

/**
 * Least inactivity limit for clients that send no audio (browsers report RTCP every ~5 s).
 *
 * @example
 * ```ts
 * const limit = clientSends ? configured : Math.max(configured, RECEIVE_ONLY_MIN_INACTIVITY_MS);
 * ```
 */
export const RECEIVE_ONLY_MIN_INACTIVITY_MS = 15_000;

/**
 * How far ahead of its play time a reply frame goes to a media thread's pacer
 * (`webrtcMediaThreads`): a main-thread stall up to this long does not reach the wire.
 */
export const MEDIA_THREAD_SEND_AHEAD_MS = 60;

/**
 * The text of a typed turn sent on the data channel (`{"type":"text","data":"..."}`, a
 * fastrtc-ts extension), or null for any other message (answered with FastRTC's echo log).
 */
function textTurn(message: string): string | null {
  if (!message.startsWith("{")) return null;
  try {
    const value = JSON.parse(message) as { type?: unknown; data?: unknown };
    return value.type === "text" && typeof value.data === "string" ? value.data : null;
  } catch {
    return null;
  }
}

/** Everything a {@link WebRtcEntry} needs from its stream.
 *
 * @internal
 */
export interface WebRtcEntryOptions {
  id: string;
  handler: StreamHandlerBase;
  mode: SessionMode;
  clock: Clock;
  iceServers: IceServer[];
  /** `"relay"`: the server uses TURN relay candidates only. */
  iceTransportPolicy?: "all" | "relay";
  additionalHostAddresses: string[];
  /** UDP ports ICE may bind; `null` any. */
  udpPortRange: [number, number] | null;
  /** The Opus encoder of the replies (checked); `{}` libopus's defaults. */
  opus: OpusEncoderSettings;
  /**
   * ms without any inbound RTP, RTCP or data-channel traffic after which a connected peer is
   * taken for dead and cleaned up; `null` never.
   */
  inactivityTimeoutMs: number | null;
  connectTimeoutMs: number;
  timeLimitMs: number | null;
  outputs: OutputsBus;
  events: StreamEventSink;
  /** Send turn steps to the client as `log` messages too. */
  sendTurnMetrics: boolean;
  /** Called once when the entry is cleaned up (frees its slot). */
  onCleanup: (entry: WebRtcEntry) => void;
  /** Media threads to host the peer on; `null`: on this thread. */
  mediaThreads: MediaThreadPool | null;
}

/**
 * One WebRTC connection of a stream: its peer, its handler copy and the session that runs
 * it. Starts the session when FastRTC would (send modes: once the client's data channel and
 * audio track are both there; receive mode: once connected), enforces the connect timeout and
 * `timeLimit`, and cleans up exactly once on every path.
 *
 * @internal
 */
export class WebRtcEntry implements ConnectionEntry {
  readonly transport = "webrtc" as const;
  readonly id: string;
  readonly handler: StreamHandlerBase;
  readonly connection: MediaPeer;
  /** True once an audio section was accepted (FastRTC's "registered media connection"). */
  mediaRegistered = false;
  /** True while its offer is being answered (a second offer with the id is refused). */
  negotiating = false;
  #session: Session | null = null;
  #connectTimer: { cancel(): void } | null = null;
  #timeLimitTimer: { cancel(): void } | null = null;
  #watchdog: { cancel(): void } | null = null;
  /** True when the client offered to send audio (it then sends RTP every 20 ms). */
  #clientSends = false;
  #cleanup: Promise<void> | null = null;
  readonly #opts: WebRtcEntryOptions;

  constructor(options: WebRtcEntryOptions) {
    this.#opts = options;
    this.id = options.id;
    this.handler = options.handler;
    const peerOptions: PeerOptions = {
      iceServers: options.iceServers,
      additionalHostAddresses: options.additionalHostAddresses,
      ...(options.udpPortRange ? { udpPortRange: options.udpPortRange } : {}),
      opus: options.opus,
      ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
      // Every await on the peer while answering is bounded (issue 12, D3).
      negotiationTimeoutMs: Math.min(options.connectTimeoutMs, DEFAULT_NEGOTIATION_TIMEOUT_MS),
    };
    const events: WebRtcConnectionEvents = {
      onAudio: (pcm) => this.#session?.pushAudio([48000, pcm, "stereo"]),
      onDataChannel: () => this.#maybeStart(),
      onDataChannelMessage: (text) => {
        const turn = textTurn(text);
        if (turn !== null && this.#session) {
          this.#session.pushText(turn);
          return;
        }
        this.connection.sendMessage(
          JSON.stringify({ type: "log", data: `Server received: ${text}` }),
        );
      },
      onStateChange: (state) => this.#onState(state),
    };
    this.connection = options.mediaThreads
      ? options.mediaThreads.open(peerOptions, events)
      : new WebRtcConnection(peerOptions, events);
  }

  /** The running session, once started. */
  get session(): Session | null {
    return this.#session;
  }

  /** True after cleanup started. */
  get closed(): boolean {
    return this.#cleanup !== null;
  }

  /** Accepts the offered audio section with the direction the stream's mode implies. */
  acceptAudio(media: OfferedMedia): void {
    const mode = this.#opts.mode;
    const clientSends = media.direction === "sendrecv" || media.direction === "sendonly";
    const clientReceives = media.direction === "sendrecv" || media.direction === "recvonly";
    const weSend = mode !== "send" && clientReceives;
    const weReceive = mode !== "receive" && clientSends;
    const direction =
      weSend && weReceive ? "sendrecv" : weSend ? "sendonly" : weReceive ? "recvonly" : "inactive";
    this.connection.acceptAudio(media, direction);
    this.mediaRegistered = true;
    this.#clientSends ||= clientSends;
  }

  /** Starts the 30 s (by default) wait for "connected". */
  armConnectTimeout(): void {
    this.#connectTimer = startTimer(this.#opts.clock, this.#opts.connectTimeoutMs, () => {
      log.info("connection did not connect in time", { id: this.id });
      void this.cleanup();
    });
  }

  /**
   * Ends the connection: stops the session (`shutdown()` once, then `reset()`), closes the peer,
   * ends output streams and frees the slot. Idempotent.
   */
  cleanup(): Promise<void> {
    this.#cleanup ??= (async () => {
      this.#connectTimer?.cancel();
      this.#timeLimitTimer?.cancel();
      this.#watchdog?.cancel();
      this.#opts.onCleanup(this);
      this.#opts.outputs.end(this.id);
      try {
        await this.#session?.close();
      } finally {
        await this.connection.close();
      }
    })();
    return this.#cleanup;
  }

  /** Sends a raw text message on the data channel; false when it is not open. */
  send(message: object): boolean {
    return this.connection.sendMessage(JSON.stringify(message));
  }

  #onState(state: PeerState): void {
    if (state === "connected") {
      this.#connectTimer?.cancel();
      this.#connectTimer = null;
      const limit = this.#opts.timeLimitMs;
      if (limit !== null && !this.#timeLimitTimer) {
        this.#timeLimitTimer = startTimer(this.#opts.clock, limit, () => {
          log.info("time limit reached", { id: this.id });
          void this.cleanup();
        });
      }
      this.#watchInbound();
      this.#maybeStart();
    } else if (state === "failed" || state === "closed") {
      void this.cleanup();
    }
  }

  /**
   * The dead-peer watchdog: a browser tab that is killed, a laptop that sleeps or a network that
   * drops sends nothing more, and ICE consent (30 s) would notice late. Counts what arrives
   * (RTP, RTCP, DTLS/SCTP) on a clock tick; after the inactivity timeout without any, the
   * connection ends. A client that only receives sends RTCP reports every few seconds only:
   * its limit is at least {@link RECEIVE_ONLY_MIN_INACTIVITY_MS}.
   */
  #watchInbound(): void {
    const configured = this.#opts.inactivityTimeoutMs;
    if (configured === null || this.#watchdog || this.closed) return;
    const limit = this.#clientSends
      ? configured
      : Math.max(configured, RECEIVE_ONLY_MIN_INACTIVITY_MS);
    const clock = this.#opts.clock;
    const tick = Math.max(10, Math.min(1000, limit / 4));
    let seen = this.connection.inboundDatagrams;
    let lastChange = clock.now();
    const check = () => {
      if (this.closed) return;
      const count = this.connection.inboundDatagrams;
      const now = clock.now();
      if (count !== seen) {
        seen = count;
        lastChange = now;
      } else if (now - lastChange >= limit) {
        log.info("peer sent nothing: closing the connection", {
          id: this.id,
          silentMs: now - lastChange,
        });
        void this.cleanup();
        return;
      }
      this.#watchdog = startTimer(clock, tick, check);
    };
    this.#watchdog = startTimer(clock, tick, check);
  }

  #maybeStart(): void {
    if (this.#session || this.closed || !this.mediaRegistered) return;
    const receiveOnly = this.#opts.mode === "receive";
    if (receiveOnly ? this.connection.state !== "connected" : !this.connection.hasDataChannel)
      return;
    const threaded = this.#opts.mediaThreads !== null;
    const session = new Session(this.handler, {
      id: this.id,
      mode: this.#opts.mode,
      clock: this.#opts.clock,
      channel: { send: (text) => void this.connection.sendMessage(text) },
      // Opus takes 8/12/16/24/48 kHz as they are: audio emitted at one of them is not resampled.
      output: { nativeRates: OPUS_INPUT_RATES },
      onAudio: (frame) => {
        this.connection.sendAudio(frame.samples, frame.sampleRate, frame.discontinuity);
      },
      // On a media thread, frames are queued there and paced on its timers.
      ...(threaded
        ? {
            sendAheadMs: MEDIA_THREAD_SEND_AHEAD_MS,
            onPause: () => this.connection.dropQueuedAudio(),
          }
        : {}),
      onOutputs: (outputs) => this.#opts.outputs.push(this.id, outputs),
      onTurnEvent: (e) => {
        this.#opts.events("turn", { ...e, id: this.id, transport: "webrtc" });
        if (this.#opts.sendTurnMetrics) this.send({ type: "log", data: "turn_event", meta: e });
      },
      onClear: ({ releasedFrames, droppedFrames }) => {
        // Frames released within the send-ahead were still queued on the media thread.
        const unplayed = threaded ? Math.min(releasedFrames, MEDIA_THREAD_SEND_AHEAD_MS / 20) : 0;
        if (threaded) this.connection.dropQueuedAudio();
        this.#opts.events("interrupted", {
          id: this.id,
          transport: "webrtc",
          sentMs: (releasedFrames - unplayed) * 20,
          playedMs: (releasedFrames - unplayed) * 20,
          droppedMs: (droppedFrames + unplayed) * 20,
        });
      },
    });
    this.#session = session;
    session.start();
  }
}
