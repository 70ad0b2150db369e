/**
 * The sample checks and PCM conversions that need nothing else: no Node APIs, no logger, so the
 * browser client and the server share them (and the resampler built on them).
 *
 * @module
 */
import { MAX_SAMPLE_RATE } from "./types.js";

/**
 * Human-readable name of a value's type for error messages: the constructor name for objects
 * (`"Int32Array"`, `"Array"`), `"null"`, or the `typeof` string.
 *
 * @example
 * ```ts
 * describeType(new Int32Array(1)); // "Int32Array"
 * describeType(null);              // "null"
 * ```
 */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

/**
 * Converts floats to 16-bit PCM by scaling by 32768 and rounding to nearest, saturating at
 * -32768 / 32767 (`NaN` → 0). This is the exact inverse of `x / 32768`, so
 * `floatToInt16Rounded(audioToFloat32(pcm))` reproduces `pcm` bit for bit; use it for
 * signal-processing round trips (resampling, file I/O). {@link audioToInt16} keeps FastRTC's
 * `trunc(x * 32767)` convention instead.
 *
 * @example
 * ```ts
 * floatToInt16Rounded(new Float32Array([-1, 0.5, 2])); // Int16Array [-32768, 16384, 32767]
 * ```
 */
export function floatToInt16Rounded(x: Float32Array): Int16Array {
  if (!(x instanceof Float32Array)) {
    throw new TypeError(`Unsupported audio data type: ${describeType(x)}`);
  }
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = roundToInt16(x[i]! * 32768);
  return out;
}

/**
 * `Math.round(s)` (halves up) clamped to the int16 range, NaN as 0: the sample value of a scaled
 * float. Computed as `floor(s + 32768.5) - 32768` in integers, which is exact for every `s` in
 * range (a float sample times 32768 has at most 24 significant bits) and about four times as
 * fast as `Math.round` in V8, which has to keep `-0` apart.
 *
 * @example
 * ```ts
 * roundToInt16(0.25 * 32768); // 8192
 * roundToInt16(-2.5); // -2, as Math.round
 * roundToInt16(1e9); // 32767
 * ```
 */
export function roundToInt16(s: number): number {
  return s > 32767 ? 32767 : s >= -32768 ? ((s + 32768.5) | 0) - 32768 : s < 0 ? -32768 : 0;
}

/**
 * Asserts that `rate` is a usable sample rate: an integer number of Hz in
 * `1 ..= MAX_SAMPLE_RATE` (384 000).
 *
 * @param what how to name the value in the error message (default `"sample rate"`).
 * @throws TypeError if `rate` is not a finite integer number; RangeError if it is out of range.
 * @example
 * ```ts
 * assertSampleRate(48000);            // ok
 * assertSampleRate(0, "output rate"); // RangeError: output rate must be between 1 and 384000 Hz, got 0
 * ```
 */
export function assertSampleRate(rate: unknown, what = "sample rate"): asserts rate is number {
  if (typeof rate !== "number" || !Number.isFinite(rate) || !Number.isInteger(rate)) {
    throw new TypeError(
      `${what} must be an integer number of Hz, got ${typeof rate === "number" ? String(rate) : describeType(rate)}`,
    );
  }
  if (rate <= 0 || rate > MAX_SAMPLE_RATE) {
    throw new RangeError(`${what} must be between 1 and ${MAX_SAMPLE_RATE} Hz, got ${rate}`);
  }
}

/**
 * Converts 16-bit PCM to floats by dividing by 32768 (the inverse of
 * {@link floatToInt16Rounded}).
 *
 * @example
 * ```ts
 * int16ToFloat(new Int16Array([16384, -32768])); // Float32Array [0.5, -1]
 * ```
 */
export function int16ToFloat(x: Int16Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! / 32768;
  return out;
}
