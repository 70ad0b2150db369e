import type { AudioChunk } from "../audio/types.js";

/**
 * A stretch of detected speech, as sample indices into the 16 kHz audio the model analysed.
 *
 * @example
 * ```ts
 * const [, chunks] = await model.vad([16000, pcm]);
 * for (const { start, end }: SpeechChunk of chunks) console.log(start / 16000, end / 16000);
 * ```
 */
export interface SpeechChunk {
  /** First sample of the segment (inclusive). */
  start: number;
  /** First sample after the segment (exclusive). */
  end: number;
}

/**
 * What `vad()` returns: the seconds of speech found in the audio (the summed length of the
 * speech chunks) and the chunks themselves.
 * @example
 * ```ts
 * const [seconds, chunks]: VadResult = await model.vad([16000, pcm]);
 * ```
 */
export type VadResult = [speechDurationSeconds: number, chunks: SpeechChunk[]];

/**
 * A voice-activity model used for turn taking (FastRTC's `PauseDetectionModel`). Pass one as
 * `model` to `ReplyOnPause` to replace Silero.
 *
 * @example
 * ```ts
 * const energyVad: PauseDetectionModel = {
 *   async vad([rate, samples]) {
 *     const loud = rms(samples) > 0.05;
 *     return [loud ? samples.length / rate : 0, []];
 *   },
 *   async warmup() {},
 * };
 * ```
 */
export interface PauseDetectionModel<Options = unknown> {
  /**
   * Measures speech in `audio` (any sample rate; mono). `options` are passed through from
   * the handler's `modelOptions` unchanged.
   */
  vad(audio: AudioChunk, options?: Options): Promise<VadResult>;
  /** Loads weights and runs the model once so the first real call is fast. */
  warmup(): Promise<void>;
}

/**
 * Silero VAD options (FastRTC's `SileroVadOptions`), with FastRTC's defaults.
 * @example
 * ```ts
 * new ReplyOnPause(fn, { modelOptions: { minSilenceDurationMs: 100 } satisfies Partial<SileroVadOptions> });
 * ```
 */
export interface SileroVadOptions {
  /** Speech probability at or above which a window is speech. Default `0.5`. */
  threshold: number;
  /** Segments shorter than this are dropped, in ms. Default `250`. */
  minSpeechDurationMs: number;
  /** Segments longer than this are split, in seconds. Default `Infinity`. */
  maxSpeechDurationS: number;
  /** Silence needed to end a segment, in ms. Default `2000`. */
  minSilenceDurationMs: number;
  /** Samples per model window at 16 kHz (512, 1024 or 1536). Default `1024`. */
  windowSizeSamples: number;
  /** Padding added to both sides of each segment, in ms. Default `400`. */
  speechPadMs: number;
}

/**
 * FastRTC's defaults: 0.5 / 250 / Infinity / 2000 / 1024 / 400.
 *
 * @example
 * ```ts
 * const options = { ...DEFAULT_SILERO_VAD_OPTIONS, threshold: 0.6 };
 * ```
 */
export const DEFAULT_SILERO_VAD_OPTIONS: Readonly<SileroVadOptions> = Object.freeze({
  threshold: 0.5,
  minSpeechDurationMs: 250,
  maxSpeechDurationS: Number.POSITIVE_INFINITY,
  minSilenceDurationMs: 2000,
  windowSizeSamples: 1024,
  speechPadMs: 400,
});
