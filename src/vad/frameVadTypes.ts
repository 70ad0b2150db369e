import type { AudioChunk } from "../audio/types.js";

/** Sample rate of the frame VAD's input: 16 kHz. */
export const FRAME_VAD_RATE = 16_000;
/** Samples per frame at 16 kHz: 512 (Silero v5/v6 step). */
export const FRAME_VAD_SAMPLES = 512;
/** Milliseconds per frame: 32. */
export const FRAME_VAD_MS = (FRAME_VAD_SAMPLES / FRAME_VAD_RATE) * 1000;

/**
 * One connection's stream through a frame VAD: audio in, one speech probability per 32 ms frame
 * out. The model's recurrent state (and the 64-sample context) carries from frame to frame.
 *
 * @example
 * ```ts
 * const vad = getFrameVad();
 * const stream = vad.createStream();
 * const probs = await stream.push([48000, pcm20ms]); // 0 or 1 frames' probabilities
 * stream.close();
 * ```
 */
export interface FrameVadStream {
  /**
   * Feeds mono audio of any rate (resampled to 16 kHz); resolves with the probability of every
   * 32 ms frame completed by this audio, in order (often none or one). Calls must not overlap:
   * await each before the next.
   */
  push(audio: AudioChunk): Promise<Float32Array>;
  /** Forgets the recurrent state and any partial frame, as for a new connection. */
  reset(): void;
  /** Frees the stream; `push` after `close` rejects. */
  close(): void;
}

/**
 * A frame-level voice-activity model shared by every connection of a process (Silero v6.2 by
 * default, see `getFrameVad`). Implementations may evaluate the frames of many streams together.
 *
 * @example
 * ```ts
 * const vad: FrameVad = getFrameVad();
 * await vad.warmup();
 * new ReplyOnPause(fn, { frameVad: vad });
 * ```
 */
export interface FrameVad {
  /** A new stream with zeroed state. */
  createStream(): FrameVadStream;
  /** Loads the model so the first frame is fast. */
  warmup(): Promise<void>;
}
