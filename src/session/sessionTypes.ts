import type { ResampleQuality } from "../audio/resample.js";
import type { MessageChannel, TelephoneCallInfo } from "../handlers/context.js";
import type { AdditionalOutputs } from "../handlers/outputs.js";
import type { Clock } from "../utils/clock.js";
import type { SessionTurnEvent } from "./turnTypes.js";

/**
 * One 20 ms frame of outbound audio, released by the session at its play time.
 *
 * @example
 * ```ts
 * new Session(handler, { id, onAudio: (frame: OutputFrame) => encoder.write(frame.samples) });
 * ```
 */
export interface OutputFrame {
  /** Mono int16 samples, `sampleRate / 50` of them. */
  samples: Int16Array;
  /**
   * The frame's rate: the handler's `outputSampleRate`, unless the transport asked for another
   * (see {@link SessionOptions.output}).
   */
  sampleRate: number;
  /**
   * Position of the frame's first sample in the outbound stream, in samples at the handler's
   * `outputSampleRate` (monotonic; every frame is 20 ms).
   */
  pts: number;
  /**
   * True for the first frame after a gap or a `clearQueue()`: the stream restarted, so a
   * transport may mark it (RTP marker bit) or jump its timestamps.
   */
  discontinuity: boolean;
}

/**
 * What an interruption dropped, passed to {@link SessionOptions.onClear}.
 *
 * @example
 * ```ts
 * new Session(handler, { id, onClear: ({ droppedFrames }) => log(droppedFrames * 20, "ms dropped") });
 * ```
 */
export interface ClearInfo {
  /** Output frames (20 ms each) that were queued and will never be released. */
  droppedFrames: number;
  /**
   * Frames released since output last (re)started after a pause or a clear: the part of the
   * interrupted reply that the client was sent.
   */
  releasedFrames: number;
}

/**
 * Why a session ended.
 *
 * @example
 * ```ts
 * session.ended.then(() => {
 *   const reason: SessionEndReason | null = session.endReason;
 * });
 * ```
 */
export type SessionEndReason = { kind: "close-stream"; message: string } | { kind: "closed" };

/**
 * How the session serves the connection. Same values as `Stream`'s `mode`.
 *
 * @example
 * ```ts
 * new Session(handler, { id, mode: "send" satisfies SessionMode });
 * ```
 */
export type SessionMode = "send-receive" | "send" | "receive";

/**
 * The wire format of a session's output frames (see {@link SessionOptions.output}).
 *
 * @example
 * ```ts
 * const output: SessionOutputOptions = { nativeRates: [8000, 12000, 16000, 24000, 48000] };
 * ```
 */
export interface SessionOutputOptions {
  /** Rate of the output frames (Hz, a multiple of 50). Default: the handler's `outputSampleRate`. */
  sampleRate?: number;
  /** Emitted rates framed as they are (multiples of 50), without resampling. Default: none. */
  nativeRates?: readonly number[];
  /** Resampler quality for the other rates. Default `"high"`. */
  quality?: ResampleQuality;
}

/**
 * Options of a {@link Session}.
 *
 * @example
 * ```ts
 * const options: SessionOptions = { id: "abc", channel, onAudio, idlePollMs: 20 };
 * new Session(handler.copy(), options).start();
 * ```
 */
export interface SessionOptions {
  /** Connection id seen by handler code (`getCurrentContext().webrtcId`). Required. */
  id: string;
  /** Where side-band JSON messages go. Default `null` (messages are dropped). */
  channel?: MessageChannel | null;
  /** Time source for pacing and polling. Default: real time. */
  clock?: Clock;
  /**
   * `"send-receive"` (default) plays output; `"send"` runs the handler but discards its audio;
   * `"receive"` plays output and expects no input.
   */
  mode?: SessionMode;
  /**
   * The rate the transport's wire wants output frames at, so emitted audio is resampled once,
   * straight to it: `sampleRate` (default: the handler's `outputSampleRate`), `nativeRates`
   * (emitted audio at one of these rates is framed at its own rate, not resampled: an Opus
   * encoder takes 8/12/16/24/48 kHz) and `quality` of the resampler (default `"high"`; `"fast"`
   * where the wire is coarser than its 60 dB, e.g. 8-bit µ-law).
   *
   * @example
   * ```ts
   * new Session(handler, { id, output: { sampleRate: 8000, quality: "fast" } }); // Twilio
   * ```
   */
  output?: SessionOutputOptions;
  /**
   * The rate, in Hz, at which this connection's audio arrives when the transport fixes it (8000
   * on phone calls). The session then asks the handler's `receiveRateFor(wireInputRate)` at what
   * rate `receive()` takes the frames; a handler that answers with the wire rate gets the audio
   * without resampling. Default: none (frames are converted to `inputSampleRate`).
   */
  wireInputRate?: number;
  /**
   * Quality of the resampling of input audio to the handler's `inputSampleRate`. `"fast"` (60 dB,
   * about half the work) is plenty for 8 kHz µ-law phone audio, whose own noise floor is higher.
   * Default `"high"`.
   */
  inputQuality?: ResampleQuality;
  /**
   * How long each frame given to `receive()` is. `"samples"`: as many samples as the first
   * inbound chunk (FastRTC's WebRTC framing: 960 samples every 20 ms at 48 kHz, every 60 ms at
   * 16 kHz). `"duration"`: as long as the first chunk (FastRTC's phone path: each 20 ms µ-law
   * message resampled as a whole, 960 samples at 48 kHz). Default `"samples"`.
   */
  inputFraming?: "samples" | "duration";
  /** Called with each output frame at its play time. Default: none (frames are dropped). */
  onAudio?: (frame: OutputFrame) => void;
  /** Called with each `AdditionalOutputs` the handler produces. */
  onOutputs?: (outputs: AdditionalOutputs) => void;
  /**
   * Called after `clearQueue()` (an interruption) with the number of output frames that were
   * queued and are now dropped, so a transport can tell its far end to drop buffered audio too
   * (Twilio `clear`). Not called when nothing is playing: no frame was queued and the last one
   * was released more than a frame (plus `sendAheadMs`) before.
   */
  onClear?: (info: ClearInfo) => void;
  /**
   * Release output frames up to this many ms before their play time, so a client that buffers
   * (a WebSocket client, Twilio) never runs dry on network jitter. Interruptions still drop
   * everything not yet released. Default `0` (release at play time, as WebRTC wants).
   */
  sendAheadMs?: number;
  /**
   * Called when the handler pauses playback (barge-in at speech onset): the transport tells its
   * far end to drop what it buffered (Twilio `clear`). `rewoundFrames` released frames that the
   * client had not played yet were put back in the queue, to be sent again on resume.
   */
  onPause?: (info: { rewoundFrames: number }) => void;
  /**
   * How many of the frames released so far the client has not played yet (Twilio: from its
   * `mark` echoes). Default: the frames released within the last `sendAheadMs`.
   */
  unplayedFrames?: () => number;
  /** Called with each lifecycle step of each turn (see {@link SessionTurnEvent}). */
  onTurnEvent?: (event: SessionTurnEvent) => void;
  /** Called once when the session ends, with the reason. */
  onEnd?: (reason: SessionEndReason) => void;
  /** The WebSocket of a WebSocket/telephone connection, exposed through the context. */
  websocket?: unknown;
  /** The call of a telephone connection, exposed through the context (`telephone`). */
  telephone?: TelephoneCallInfo;
  /** Telephone semantics for the handler (`phoneMode`). Default `false`. */
  phoneMode?: boolean;
  /**
   * Longest wait between two `emit()` calls while the handler has nothing to send, in ms.
   * New input, arguments and triggers poll at once. Default `20`.
   */
  idlePollMs?: number;
  /**
   * A gap longer than this between two output frames restarts pacing at "now" instead of
   * catching up (FastRTC: 10 frames). Default `200`.
   */
  reanchorAfterMs?: number;
}
