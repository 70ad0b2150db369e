/**
 * Sample-format conversion, channel helpers and validation for {@link AudioChunk}s.
 *
 * Conventions: `Int16Array` holds 16-bit PCM, `Float32Array` holds floats nominally in [-1, 1].
 * Multi-channel audio is interleaved (L, R, L, R, ...).
 */
import { getLogger } from "../logger.js";
import { assertSampleRate, describeType } from "./pcm.js";
import type { AudioChunk, AudioSamples } from "./types.js";

export { assertSampleRate, describeType, floatToInt16Rounded } from "./pcm.js";

const log = getLogger("audio");

/**
 * A deprecated `[sampleRate, samples]` tuple, accepted by the converters for FastRTC parity.
 *
 * @example
 * ```ts
 * audioToFloat32([16000, pcm]); // same as audioToFloat32(pcm), logs a deprecation warning once
 * ```
 */
export type LegacyAudioTuple = readonly [sampleRate: number, samples: AudioSamples];

let legacyWarned = false;

function isLegacyTuple(value: unknown): value is LegacyAudioTuple {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "number" &&
    (value[1] instanceof Int16Array || value[1] instanceof Float32Array)
  );
}

function unwrapLegacy(x: unknown, fn: string): unknown {
  if (!isLegacyTuple(x)) return x;
  if (!legacyWarned) {
    legacyWarned = true;
    log.warn(
      `${fn}: passing a [sampleRate, samples] tuple is deprecated; pass the samples array itself`,
    );
  }
  return x[1];
}

/**
 * Converts audio samples to 32-bit floats.
 *
 * - `Int16Array` → a new `Float32Array` with every value divided by 32768 (so -32768 → -1.0).
 * - `Float32Array` → returned unchanged (the **same object**, not a copy).
 * - A legacy `[sampleRate, samples]` tuple → its samples are converted (deprecated, logs a
 *   warning once).
 *
 * @throws TypeError `"Unsupported audio data type: <name>"` for anything else (other typed
 *   arrays, plain arrays, `null`, ...).
 * @example
 * ```ts
 * audioToFloat32(new Int16Array([-32768, 0, 16384])); // Float32Array [-1, 0, 0.5]
 * ```
 */
export function audioToFloat32(x: AudioSamples | LegacyAudioTuple): Float32Array {
  const v = unwrapLegacy(x, "audioToFloat32");
  if (v instanceof Float32Array) return v;
  if (v instanceof Int16Array) {
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i]! / 32768;
    return out;
  }
  throw new TypeError(`Unsupported audio data type: ${describeType(v)}`);
}

/**
 * Converts audio samples to 16-bit integers.
 *
 * - `Float32Array` → a new `Int16Array` with `Math.trunc(clamp(x, -1, 1) * 32767)`; `NaN` → 0.
 *   (FastRTC truncates the same way but does not clip, so out-of-range floats wrap there; here
 *   they saturate.)
 * - `Int16Array` → returned unchanged (the **same object**).
 * - A legacy `[sampleRate, samples]` tuple → its samples are converted (deprecated).
 *
 * @throws TypeError `"Unsupported audio data type: <name>"` for anything else.
 * @example
 * ```ts
 * audioToInt16(new Float32Array([-1, 0, 1, 1.5])); // Int16Array [-32767, 0, 32767, 32767]
 * ```
 */
export function audioToInt16(x: AudioSamples | LegacyAudioTuple): Int16Array {
  const v = unwrapLegacy(x, "audioToInt16");
  if (v instanceof Int16Array) return v;
  if (v instanceof Float32Array) {
    const out = new Int16Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const s = v[i]!;
      if (s > 1) out[i] = 32767;
      else if (s < -1) out[i] = -32767;
      else if (!Number.isNaN(s)) out[i] = Math.trunc(s * 32767); // NaN stays 0
    }
    return out;
  }
  throw new TypeError(`Unsupported audio data type: ${describeType(v)}`);
}

function assertSamples(samples: unknown, what: string): asserts samples is AudioSamples {
  if (!(samples instanceof Int16Array || samples instanceof Float32Array)) {
    throw new TypeError(
      `${what} must be an Int16Array or Float32Array, got ${describeType(samples)}`,
    );
  }
}

function assertChannels(channels: unknown): asserts channels is number {
  if (typeof channels !== "number" || !Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a positive integer, got ${String(channels)}`);
  }
}

/** Checks interleaved samples hold whole frames of `channels` samples. */
function assertInterleaved(samples: unknown, channels: unknown): void {
  assertSamples(samples, "samples");
  assertChannels(channels);
  if ((samples as AudioSamples).length % channels !== 0) {
    throw new RangeError(
      `sample count ${(samples as AudioSamples).length} is not a multiple of the channel count ${channels}`,
    );
  }
}

/**
 * Averages interleaved multi-channel audio down to one channel. The result has the same sample
 * type as the input and is always a new array. Int16 averages are rounded to the nearest
 * integer (halves toward +∞).
 *
 * @param samples interleaved samples; the length must be a multiple of `channels`.
 * @param channels number of interleaved channels (1 returns a copy).
 * @throws RangeError if `channels` is not a positive integer or does not divide the length.
 * @example
 * ```ts
 * downmixToMono(new Int16Array([100, 200, -5, -6]), 2); // Int16Array [150, -5]
 * ```
 */
export function downmixToMono<T extends AudioSamples>(samples: T, channels: number): T {
  assertInterleaved(samples, channels);
  const frames = samples.length / channels;
  const isInt = samples instanceof Int16Array;
  const out = (isInt ? new Int16Array(frames) : new Float32Array(frames)) as T;
  if (channels === 1) {
    out.set(samples);
    return out;
  }
  if (isInt && channels === 2) {
    // WebRTC's stereo frames: Math.round(sum / 2) is (sum + 1) >> 1 for an integer sum (halves
    // up), without Math.round (slow in V8).
    for (let f = 0, i = 0; f < frames; f++, i += 2)
      out[f] = (samples[i]! + samples[i + 1]! + 1) >> 1;
    return out;
  }
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i++]!;
    out[f] = isInt ? Math.round(sum / channels) : sum / channels;
  }
  return out;
}

/**
 * Interleaves separate channel arrays (all of the same type and length) into one array.
 *
 * @throws TypeError if no channels are given or the types differ; RangeError if lengths differ.
 * @example
 * ```ts
 * interleave([new Int16Array([1, 2]), new Int16Array([3, 4])]); // Int16Array [1, 3, 2, 4]
 * ```
 */
export function interleave<T extends AudioSamples>(channels: readonly T[]): T {
  const first = channels[0];
  if (first === undefined) throw new TypeError("interleave needs at least one channel");
  assertSamples(first, "channel 0");
  const isInt = first instanceof Int16Array;
  const n = first.length;
  const count = channels.length;
  channels.forEach((ch, c) => {
    if (!(isInt ? ch instanceof Int16Array : ch instanceof Float32Array)) {
      throw new TypeError(`channel ${c} is a ${describeType(ch)}, expected ${describeType(first)}`);
    }
    if (ch.length !== n) {
      throw new RangeError(`channel ${c} has ${ch.length} samples, channel 0 has ${n}`);
    }
  });
  const out = (isInt ? new Int16Array(n * count) : new Float32Array(n * count)) as T;
  for (let c = 0; c < count; c++) {
    const ch = channels[c]!;
    for (let i = 0, j = c; i < n; i++, j += count) out[j] = ch[i]!;
  }
  return out;
}

/**
 * Splits interleaved audio into one array per channel (same sample type as the input).
 *
 * @throws RangeError if `channels` is not a positive integer or does not divide the length.
 * @example
 * ```ts
 * deinterleave(new Float32Array([0.1, 0.2, 0.3, 0.4]), 2); // [[0.1, 0.3], [0.2, 0.4]]
 * ```
 */
export function deinterleave<T extends AudioSamples>(samples: T, channels: number): T[] {
  assertInterleaved(samples, channels);
  const frames = samples.length / channels;
  const isInt = samples instanceof Int16Array;
  const out: T[] = [];
  for (let c = 0; c < channels; c++) {
    const ch = (isInt ? new Int16Array(frames) : new Float32Array(frames)) as T;
    for (let i = 0, j = c; i < frames; i++, j += channels) ch[i] = samples[j]!;
    out.push(ch);
  }
  return out;
}

/**
 * Asserts that `value` is a well-formed {@link AudioChunk}: an array `[sampleRate, samples]` or
 * `[sampleRate, samples, layout]` with a valid sample rate (see {@link assertSampleRate}),
 * samples in an `Int16Array` or `Float32Array`, layout `"mono"` or `"stereo"` when present, and
 * an even sample count for stereo.
 *
 * @param what how to name the value in error messages (default `"audio chunk"`).
 * @throws TypeError for a wrong shape or type; RangeError for a bad rate or an odd stereo length.
 * @example
 * ```ts
 * assertAudioChunk([16000, new Int16Array(320)]);            // ok
 * assertAudioChunk([16000, new Int16Array(3), "stereo"]);    // RangeError (odd stereo length)
 * ```
 */
export function assertAudioChunk(
  value: unknown,
  what = "audio chunk",
): asserts value is AudioChunk {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `${what} must be an array [sampleRate, samples] or [sampleRate, samples, layout], got ${describeType(value)}`,
    );
  }
  if (value.length !== 2 && value.length !== 3) {
    throw new TypeError(
      `${what} must have 2 or 3 elements [sampleRate, samples, layout?], got ${value.length}`,
    );
  }
  const [rate, samples, layout] = value as unknown[];
  assertSampleRate(rate, `${what}: sample rate`);
  assertSamples(samples, `${what}: samples`);
  if (value.length === 3 && layout !== "mono" && layout !== "stereo") {
    throw new TypeError(
      `${what}: layout must be "mono" or "stereo", got ${typeof layout === "string" ? JSON.stringify(layout) : describeType(layout)}`,
    );
  }
  if (layout === "stereo" && samples.length % 2 !== 0) {
    throw new RangeError(
      `${what}: stereo samples are interleaved and need an even count, got ${samples.length}`,
    );
  }
}
