/**
 * Sample storage accepted by the library: 16-bit signed integers or 32-bit floats in [-1, 1].
 * Multi-channel audio is interleaved (L, R, L, R, ...).
 * @example
 * ```ts
 * const samples: AudioSamples = new Int16Array(960);
 * ```
 */
export type AudioSamples = Int16Array | Float32Array;

/**
 * Channel layout of an {@link AudioChunk}. `"stereo"` samples are interleaved.
 *
 * @example
 * ```ts
 * const chunk: AudioChunk = [48000, interleavedLR, "stereo" satisfies AudioLayout];
 * ```
 */
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

/**
 * The highest sample rate the library accepts, in Hz.
 *
 * @example
 * ```ts
 * if (rate > MAX_SAMPLE_RATE) throw new RangeError("rate too high");
 * ```
 */
export const MAX_SAMPLE_RATE = 384_000;
