/**
 * Sample storage accepted by the library: 16-bit signed integers or 32-bit floats in [-1, 1].
 * Multi-channel audio is interleaved (L, R, L, R, ...).
 */
export type AudioSamples = Int16Array | Float32Array;

/** Channel layout of an {@link AudioChunk}. `"stereo"` samples are interleaved. */
export type AudioLayout = "mono" | "stereo";

/**
 * A piece of audio as handlers receive and yield it: `[sampleRate, samples]` or
 * `[sampleRate, samples, layout]` (layout defaults to `"mono"`).
 *
 * What a handler's `receive()` gets is always `[inputSampleRate, Int16Array]`, mono unless the
 * handler asked for `expectedLayout: "stereo"`.
 *
 * @example
 * ```ts
 * const oneSecondOfSilence: AudioChunk = [16000, new Int16Array(16000)];
 * ```
 */
export type AudioChunk =
  | readonly [sampleRate: number, samples: AudioSamples]
  | readonly [sampleRate: number, samples: AudioSamples, layout: AudioLayout];

/** The highest sample rate the library accepts, in Hz. */
export const MAX_SAMPLE_RATE = 384_000;
