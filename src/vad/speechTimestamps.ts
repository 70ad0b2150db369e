/**
 * Turning a sequence of per-window speech probabilities into speech segments (FastRTC's
 * `get_speech_timestamps` segmentation, reference §9.3), and validation of `SileroVadOptions`.
 *
 * Everything here is pure: no model, no I/O.
 */

import type { SileroVadOptions, SpeechChunk } from "./types.js";
import { DEFAULT_SILERO_VAD_OPTIONS } from "./types.js";

/**
 * The sample rate at which Silero VAD analyses audio, in Hz (`16000`). Speech chunk indices are
 * samples at this rate.
 *
 * @example
 * ```ts
 * const seconds = (chunk.end - chunk.start) / VAD_SAMPLE_RATE;
 * ```
 */
export const VAD_SAMPLE_RATE = 16_000;

/** Silence (ms) after which a segment that exceeds the maximum length may be cut. */
const MIN_SILENCE_AT_MAX_SPEECH_MS = 98;

/** How far below `threshold` a probability must fall to count as silence. */
const NEGATIVE_THRESHOLD_OFFSET = 0.15;

const OPTION_KEYS: readonly (keyof SileroVadOptions)[] = [
  "threshold",
  "minSpeechDurationMs",
  "maxSpeechDurationS",
  "minSilenceDurationMs",
  "windowSizeSamples",
  "speechPadMs",
];

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function requireNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(
      `SileroVadOptions.${name} must be a number, got ${value === null ? "null" : typeof value}${
        typeof value === "number" ? " NaN" : ""
      }`,
    );
  }
  return value;
}

function requireDuration(name: string, value: unknown, allowInfinity: boolean): number {
  const n = requireNumber(name, value);
  if (n < 0) throw new RangeError(`SileroVadOptions.${name} must be >= 0, got ${n}`);
  if (!allowInfinity && !Number.isFinite(n)) {
    throw new RangeError(`SileroVadOptions.${name} must be finite, got ${n}`);
  }
  return n;
}

/**
 * Completes and validates Silero VAD options: missing (or `undefined`) fields take FastRTC's
 * defaults (`threshold` 0.5, `minSpeechDurationMs` 250, `maxSpeechDurationS` Infinity,
 * `minSilenceDurationMs` 2000, `windowSizeSamples` 1024, `speechPadMs` 400).
 *
 * Rules: `threshold` is a number in (0, 1); `windowSizeSamples` is a positive integer;
 * `minSpeechDurationMs`, `minSilenceDurationMs` and `speechPadMs` are finite and >= 0;
 * `maxSpeechDurationS` is >= 0 and may be `Infinity`. Unknown keys are rejected (a snake_case
 * key such as `min_silence_duration_ms` gets a hint with its camelCase name).
 *
 * @param partial - Options to override; `null`/`undefined` means all defaults.
 * @returns A new, complete options object.
 * @throws TypeError when `partial` is not an object, a key is unknown or a value is not a
 *   number (or is NaN); RangeError when a value is out of range.
 *
 * @example
 * ```ts
 * const opts = resolveSileroOptions({ minSilenceDurationMs: 100 });
 * // { threshold: 0.5, minSpeechDurationMs: 250, maxSpeechDurationS: Infinity,
 * //   minSilenceDurationMs: 100, windowSizeSamples: 1024, speechPadMs: 400 }
 * ```
 */
export function resolveSileroOptions(partial?: Partial<SileroVadOptions> | null): SileroVadOptions {
  const out: SileroVadOptions = { ...DEFAULT_SILERO_VAD_OPTIONS };
  if (partial === undefined || partial === null) return out;
  if (typeof partial !== "object" || Array.isArray(partial)) {
    throw new TypeError(
      `SileroVadOptions must be an object, got ${Array.isArray(partial) ? "array" : typeof partial}`,
    );
  }
  for (const key of Object.keys(partial)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      const camel = snakeToCamel(key);
      const hint = (OPTION_KEYS as readonly string[]).includes(camel)
        ? ` (did you mean "${camel}"?)`
        : ` (known options: ${OPTION_KEYS.join(", ")})`;
      throw new TypeError(`Unknown SileroVadOptions key "${key}"${hint}`);
    }
  }
  const p = partial as Record<string, unknown>;
  if (p.threshold !== undefined) {
    const t = requireNumber("threshold", p.threshold);
    if (!(t > 0 && t < 1)) {
      throw new RangeError(`SileroVadOptions.threshold must be in (0, 1), got ${t}`);
    }
    out.threshold = t;
  }
  if (p.windowSizeSamples !== undefined) {
    const w = requireNumber("windowSizeSamples", p.windowSizeSamples);
    if (!Number.isSafeInteger(w) || w <= 0) {
      throw new RangeError(
        `SileroVadOptions.windowSizeSamples must be a positive integer, got ${w}`,
      );
    }
    out.windowSizeSamples = w;
  }
  if (p.minSpeechDurationMs !== undefined) {
    out.minSpeechDurationMs = requireDuration("minSpeechDurationMs", p.minSpeechDurationMs, false);
  }
  if (p.maxSpeechDurationS !== undefined) {
    out.maxSpeechDurationS = requireDuration("maxSpeechDurationS", p.maxSpeechDurationS, true);
  }
  if (p.minSilenceDurationMs !== undefined) {
    out.minSilenceDurationMs = requireDuration(
      "minSilenceDurationMs",
      p.minSilenceDurationMs,
      false,
    );
  }
  if (p.speechPadMs !== undefined) {
    out.speechPadMs = requireDuration("speechPadMs", p.speechPadMs, false);
  }
  return out;
}

/** A segment under construction; `start` is absent while no segment is open. */
interface OpenSegment {
  start?: number;
  end?: number;
}

/**
 * Segments 16 kHz audio into speech chunks from per-window speech probabilities, exactly as
 * FastRTC's Silero wrapper does (reference §9.3):
 *
 * 1. A window with probability >= `threshold` opens a segment at its first sample.
 * 2. A window below `threshold - 0.15` starts (or continues) a silence; the segment closes at
 *    the silence start once the silence lasts `minSilenceDurationMs`, and is kept only if it is
 *    longer than `minSpeechDurationMs`. Speech in between cancels the pending silence.
 * 3. A segment longer than `maxSpeechDurationS` (minus one window and twice the padding) is
 *    split at the last silence longer than 98 ms, or else at the current window.
 * 4. A segment still open at the end runs to `audioLength` (if longer than the minimum).
 * 5. Every segment is padded by `speechPadMs` on each side, clamped to `[0, audioLength]`;
 *    when two segments are closer than twice the padding the gap is split between them.
 *
 * Window `i` covers samples `[i * windowSizeSamples, (i + 1) * windowSizeSamples)`.
 *
 * @param probs - Speech probability of each window, in order.
 * @param audioLength - Length of the analysed 16 kHz audio, in samples.
 * @param options - Complete options (see {@link resolveSileroOptions}); not re-validated.
 * @returns Speech chunks (integer sample indices, `end` exclusive), in order.
 *
 * @example
 * ```ts
 * const opts = resolveSileroOptions({ windowSizeSamples: 512, minSilenceDurationMs: 100 });
 * const probs = [0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0, 0, 0, 0, 0];
 * segmentSpeech(probs, 14 * 512, opts); // [{ start: 0, end: 7168 }] (padding clamps the edges)
 * ```
 */
export function segmentSpeech(
  probs: ArrayLike<number>,
  audioLength: number,
  options: SileroVadOptions,
): SpeechChunk[] {
  const sr = VAD_SAMPLE_RATE;
  const window = options.windowSizeSamples;
  const threshold = options.threshold;
  const negThreshold = threshold - NEGATIVE_THRESHOLD_OFFSET;
  const minSpeech = (sr * options.minSpeechDurationMs) / 1000;
  const pad = (sr * options.speechPadMs) / 1000;
  const maxSpeech = sr * options.maxSpeechDurationS - window - 2 * pad;
  const minSilence = (sr * options.minSilenceDurationMs) / 1000;
  const minSilenceAtMax = (sr * MIN_SILENCE_AT_MAX_SPEECH_MS) / 1000;

  const found: { start: number; end: number }[] = [];
  let triggered = false;
  // 0 means "not set" for these three, as in the reference algorithm.
  let tempEnd = 0;
  let prevEnd = 0;
  let nextStart = 0;
  let cur: OpenSegment = {};

  const close = (seg: OpenSegment): void => {
    found.push({ start: seg.start ?? 0, end: seg.end ?? 0 });
  };

  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] ?? 0;
    const pos = window * i;

    if (p >= threshold && tempEnd !== 0) {
      tempEnd = 0;
      if (nextStart < prevEnd) nextStart = pos;
    }

    if (p >= threshold && !triggered) {
      triggered = true;
      cur.start = pos;
      continue;
    }

    if (triggered && pos - (cur.start ?? 0) > maxSpeech) {
      if (prevEnd !== 0) {
        cur.end = prevEnd;
        close(cur);
        cur = {};
        if (nextStart < prevEnd) {
          triggered = false;
        } else {
          cur.start = nextStart;
        }
        prevEnd = 0;
        nextStart = 0;
        tempEnd = 0;
        // Falls through to the silence check with the same window.
      } else {
        cur.end = pos;
        close(cur);
        cur = {};
        prevEnd = 0;
        nextStart = 0;
        tempEnd = 0;
        triggered = false;
        continue;
      }
    }

    if (p < negThreshold && triggered) {
      if (tempEnd === 0) tempEnd = pos;
      if (pos - tempEnd > minSilenceAtMax) prevEnd = tempEnd;
      if (pos - tempEnd < minSilence) continue;
      cur.end = tempEnd;
      if (cur.end - (cur.start ?? 0) > minSpeech) close(cur);
      cur = {};
      prevEnd = 0;
      nextStart = 0;
      tempEnd = 0;
      triggered = false;
    }
  }

  if (cur.start !== undefined && audioLength - cur.start > minSpeech) {
    cur.end = audioLength;
    close(cur);
  }

  // Padding pass. Values may be fractional (padding from fractional ms); truncate at the end.
  for (let j = 0; j < found.length; j++) {
    const seg = found[j]!;
    if (j === 0) seg.start = Math.trunc(Math.max(0, seg.start - pad));
    const next = found[j + 1];
    if (next !== undefined) {
      const gap = next.start - seg.end;
      if (gap < 2 * pad) {
        const half = Math.floor(gap / 2);
        seg.end = Math.trunc(seg.end + half);
        next.start = Math.trunc(Math.max(0, next.start - half));
      } else {
        seg.end = Math.trunc(Math.min(audioLength, seg.end + pad));
        next.start = Math.trunc(Math.max(0, next.start - pad));
      }
    } else {
      seg.end = Math.trunc(Math.min(audioLength, seg.end + pad));
    }
  }
  return found.map((s) => ({ start: s.start, end: s.end }));
}

/**
 * Total length of `chunks` in seconds at 16 kHz: `Σ(end − start) / 16000` (what `vad()` returns
 * as the speech duration).
 *
 * @example
 * ```ts
 * speechDuration([{ start: 0, end: 8000 }, { start: 16000, end: 24000 }]); // 1
 * ```
 */
export function speechDuration(chunks: readonly SpeechChunk[]): number {
  let total = 0;
  for (const c of chunks) total += c.end - c.start;
  return total / VAD_SAMPLE_RATE;
}
