import { describe, expect, it } from "vitest";
import { resolveSileroOptions, segmentSpeech, speechDuration } from "./speechTimestamps.js";
import type { SileroVadOptions } from "./types.js";
import { DEFAULT_SILERO_VAD_OPTIONS } from "./types.js";

const W = 512;
const S = 0.9; // speech
const Q = 0.0; // silence

/** Options for raw segmentation tests: 512-sample windows, no padding. */
function raw(over: Partial<SileroVadOptions> = {}): SileroVadOptions {
  return resolveSileroOptions({
    windowSizeSamples: W,
    speechPadMs: 0,
    minSpeechDurationMs: 0,
    minSilenceDurationMs: 100, // 1600 samples
    ...over,
  });
}

/** Builds a probability sequence from runs: [[value, count], ...]. */
function runs(...parts: [number, number][]): number[] {
  const out: number[] = [];
  for (const [v, n] of parts) for (let k = 0; k < n; k++) out.push(v);
  return out;
}

describe("resolveSileroOptions", () => {
  it("53: defaults are 0.5 / 250 / Infinity / 2000 / 1024 / 400", () => {
    expect(resolveSileroOptions()).toEqual({
      threshold: 0.5,
      minSpeechDurationMs: 250,
      maxSpeechDurationS: Number.POSITIVE_INFINITY,
      minSilenceDurationMs: 2000,
      windowSizeSamples: 1024,
      speechPadMs: 400,
    });
    expect(resolveSileroOptions(null)).toEqual({ ...DEFAULT_SILERO_VAD_OPTIONS });
    expect(resolveSileroOptions({ threshold: undefined })).toEqual({
      ...DEFAULT_SILERO_VAD_OPTIONS,
    });
  });

  it("overrides only the given fields and returns a fresh object", () => {
    const a = resolveSileroOptions({ minSilenceDurationMs: 100, windowSizeSamples: 512 });
    expect(a.minSilenceDurationMs).toBe(100);
    expect(a.windowSizeSamples).toBe(512);
    expect(a.threshold).toBe(0.5);
    a.threshold = 0.9;
    expect(DEFAULT_SILERO_VAD_OPTIONS.threshold).toBe(0.5);
  });

  it("rejects bad values with TypeError / RangeError", () => {
    expect(() => resolveSileroOptions({ threshold: 0 })).toThrow(RangeError);
    expect(() => resolveSileroOptions({ threshold: 1 })).toThrow(/threshold must be in \(0, 1\)/);
    expect(() => resolveSileroOptions({ threshold: Number.NaN })).toThrow(TypeError);
    expect(() => resolveSileroOptions({ threshold: "0.5" as unknown as number })).toThrow(
      TypeError,
    );
    expect(() => resolveSileroOptions({ windowSizeSamples: 0 })).toThrow(RangeError);
    expect(() => resolveSileroOptions({ windowSizeSamples: 512.5 })).toThrow(/positive integer/);
    expect(() => resolveSileroOptions({ minSpeechDurationMs: -1 })).toThrow(RangeError);
    expect(() => resolveSileroOptions({ minSilenceDurationMs: Number.POSITIVE_INFINITY })).toThrow(
      /finite/,
    );
    expect(() => resolveSileroOptions({ speechPadMs: -5 })).toThrow(RangeError);
    expect(() => resolveSileroOptions({ maxSpeechDurationS: -1 })).toThrow(RangeError);
    expect(resolveSileroOptions({ maxSpeechDurationS: 5 }).maxSpeechDurationS).toBe(5);
    expect(() => resolveSileroOptions(5 as unknown as Partial<SileroVadOptions>)).toThrow(
      TypeError,
    );
  });

  it("rejects unknown keys and hints at the camelCase name of snake_case keys", () => {
    expect(() =>
      resolveSileroOptions({
        min_silence_duration_ms: 100,
      } as unknown as Partial<SileroVadOptions>),
    ).toThrow(/did you mean "minSilenceDurationMs"/);
    expect(() => resolveSileroOptions({ foo: 1 } as unknown as Partial<SileroVadOptions>)).toThrow(
      TypeError,
    );
  });
});

describe("segmentSpeech (§9.3)", () => {
  it("no speech gives no chunks", () => {
    expect(segmentSpeech(runs([Q, 20]), 20 * W, raw())).toEqual([]);
    expect(segmentSpeech([], 0, raw())).toEqual([]);
  });

  it("a window at exactly the threshold triggers; just below does not", () => {
    expect(segmentSpeech(runs([Q, 2], [0.5, 1], [Q, 10]), 13 * W, raw())).toEqual([
      { start: 2 * W, end: 3 * W },
    ]);
    expect(segmentSpeech(runs([Q, 2], [0.4999, 1], [Q, 10]), 13 * W, raw())).toEqual([]);
  });

  it("probabilities between threshold-0.15 and threshold neither start nor end speech", () => {
    // 0.4 is above the negative threshold 0.35: the segment never closes, runs to the end.
    const probs = runs([S, 2], [0.4, 20]);
    expect(segmentSpeech(probs, 22 * W + 100, raw())).toEqual([{ start: 0, end: 22 * W + 100 }]);
    // 0.34 is below it: silence.
    const probs2 = runs([S, 2], [0.34, 20]);
    expect(segmentSpeech(probs2, 22 * W, raw())).toEqual([{ start: 0, end: 2 * W }]);
    // Threshold 0.3 gives a negative threshold of 0.15.
    const probs3 = runs([0.31, 2], [0.2, 20]);
    expect(segmentSpeech(probs3, 22 * W, raw({ threshold: 0.3 }))).toEqual([
      { start: 0, end: 22 * W },
    ]);
  });

  it("closes a segment at the start of a silence once it lasts minSilence", () => {
    // minSilence 1600 samples: the silence starting at window 5 (2560) ends the segment at the
    // window where pos - 2560 >= 1600, i.e. window 9; the end is the silence start.
    const probs = runs([Q, 1], [S, 4], [Q, 3]);
    // Only 3 silent windows (1024 samples < 1600): not closed in the loop, tail runs to len.
    expect(segmentSpeech(probs, 8 * W, raw())).toEqual([{ start: W, end: 8 * W }]);
    const probs2 = runs([Q, 1], [S, 4], [Q, 5]);
    expect(segmentSpeech(probs2, 10 * W, raw())).toEqual([{ start: W, end: 5 * W }]);
  });

  it("temp_end is reset by speech inside a short silence", () => {
    // silence of 2 windows (1024 < 1600) inside speech, then a long silence.
    const probs = runs([S, 3], [Q, 2], [S, 3], [Q, 6]);
    expect(segmentSpeech(probs, 14 * W, raw())).toEqual([{ start: 0, end: 8 * W }]);
  });

  it("drops segments not longer than minSpeech", () => {
    // 250 ms = 4000 samples; a segment of 7 windows = 3584 samples is dropped.
    const probs = runs([S, 7], [Q, 6], [S, 9], [Q, 6]);
    expect(segmentSpeech(probs, 28 * W, raw({ minSpeechDurationMs: 250 }))).toEqual([
      { start: 13 * W, end: 22 * W },
    ]);
    // Exactly minSpeech (8 windows = 4096 samples, minSpeech 256 ms = 4096): dropped (strict >).
    const probs2 = runs([S, 8], [Q, 6]);
    expect(segmentSpeech(probs2, 14 * W, raw({ minSpeechDurationMs: 256 }))).toEqual([]);
  });

  it("tail: a segment still open runs to audioLength unless too short", () => {
    const len = 10 * W - 200;
    expect(segmentSpeech(runs([Q, 2], [S, 8]), len, raw())).toEqual([{ start: 2 * W, end: len }]);
    // len - start = 3896 <= 4000: dropped.
    expect(segmentSpeech(runs([Q, 2], [S, 8]), len, raw({ minSpeechDurationMs: 250 }))).toEqual([]);
  });

  it("max speech split without prev_end cuts at the current window and re-triggers later", () => {
    // maxSpeech = 16000*0.16 - 512 - 0 = 2048 samples.
    const probs = runs([S, 12]);
    const out = segmentSpeech(probs, 12 * W, raw({ maxSpeechDurationS: 0.16 }));
    // window 5 (2560 > 2048) closes [0, 2560); window 5 is consumed; window 6 re-triggers;
    // window 11 (5632 - 3072 = 2560 > 2048) closes [3072, 5632); nothing open after.
    expect(out).toEqual([
      { start: 0, end: 5 * W },
      { start: 6 * W, end: 11 * W },
    ]);
  });

  it("max speech split with prev_end cuts at the last >98 ms silence and continues", () => {
    // maxSpeech = 16000 - 512 = 15488; minSilence 1000 ms so the 160 ms pause does not close.
    const opts = raw({ maxSpeechDurationS: 1, minSilenceDurationMs: 1000 });
    const probs = runs([S, 10], [Q, 5], [S, 25]);
    expect(segmentSpeech(probs, 40 * W, opts)).toEqual([
      { start: 0, end: 10 * W },
      { start: 15 * W, end: 40 * W },
    ]);
  });

  it("a pause of 98 ms or less is not a split point", () => {
    // 4 silent windows: at the 4th, pos - temp_end = 1536 <= 1568, so prev_end stays unset and
    // the split happens at the current window instead.
    const opts = raw({ maxSpeechDurationS: 1, minSilenceDurationMs: 1000 });
    const probs = runs([S, 10], [Q, 4], [S, 26]);
    expect(segmentSpeech(probs, 40 * W, opts)).toEqual([
      { start: 0, end: 31 * W },
      { start: 32 * W, end: 40 * W },
    ]);
  });

  it("max speech split with prev_end while still silent ends the segment (no next_start)", () => {
    const opts = raw({ maxSpeechDurationS: 1, minSilenceDurationMs: 2000 });
    const probs = runs([S, 20], [Q, 20], [S, 10]);
    expect(segmentSpeech(probs, 50 * W, opts)).toEqual([
      { start: 0, end: 20 * W },
      { start: 40 * W, end: 50 * W },
    ]);
  });

  it("after a split the same window is checked for silence (fall-through)", () => {
    const opts = raw({ maxSpeechDurationS: 1, minSilenceDurationMs: 1000 });
    // split at window 31, which is silent: temp_end = 31*512 (not 32*512).
    const probs = runs([S, 10], [Q, 5], [S, 16], [Q, 39]);
    expect(segmentSpeech(probs, 70 * W, opts)).toEqual([
      { start: 0, end: 10 * W },
      { start: 15 * W, end: 31 * W },
    ]);
  });

  it("padding: far-apart segments get pad on both sides, clamped to [0, len]", () => {
    // pad 100 ms = 1600 samples.
    const opts = raw({ speechPadMs: 100 });
    const probs = runs([Q, 1], [S, 4], [Q, 20], [S, 4], [Q, 4]);
    const len = 33 * W - 10;
    expect(segmentSpeech(probs, len, opts)).toEqual([
      { start: 0, end: 5 * W + 1600 }, // 512 - 1600 clamps at 0
      { start: 25 * W - 1600, end: len }, // tail ends at len; + pad clamps at len
    ]);
  });

  it("padding: a gap shorter than 2·pad is split in half (floor)", () => {
    // pad 200 ms = 3200; segments [0, 2560) and [5120, 7168): gap 2560 < 6400 -> 1280 each.
    const opts = raw({ speechPadMs: 200 });
    const probs = runs([S, 5], [Q, 5], [S, 4], [Q, 20]);
    expect(segmentSpeech(probs, 34 * W, opts)).toEqual([
      { start: 0, end: 5 * W + 1280 },
      { start: 10 * W - 1280, end: 14 * W + 3200 },
    ]);
  });

  it("padding: fractional padding is truncated to integers", () => {
    // pad = 16000 * 10.03 / 1000 = 160.48 samples: start 1024 - 160.48 -> 863, end -> 1696.
    const opts = raw({ speechPadMs: 10.03, minSilenceDurationMs: 0 });
    const out = segmentSpeech(runs([Q, 2], [S, 1], [Q, 3]), 6 * W, opts);
    expect(out).toEqual([{ start: 863, end: 1696 }]);
  });

  it("padding: with minSilence 0 adjacent segments separated by one window merge by halves", () => {
    const opts = raw({ speechPadMs: 100, minSilenceDurationMs: 0 });
    // [S,Q,S,Q...]: segments [0,512), [1024,1536), gap 512 < 3200 -> +256 each.
    const out = segmentSpeech(runs([S, 1], [Q, 1], [S, 1], [Q, 1]), 4 * W, opts);
    expect(out).toEqual([
      { start: 0, end: 768 },
      { start: 768, end: 1536 + 512 },
    ]);
  });

  it("79: with defaults a 0.6 s chunk is 0.6 s iff a window in its first 5600 samples is speech", () => {
    const opts = resolveSileroOptions();
    for (let i = 0; i < 10; i++) {
      const probs = new Float32Array(10);
      probs[i] = 0.9;
      const chunks = segmentSpeech(probs, 9600, opts);
      const expected = i * 1024 < 5600 ? 0.6 : 0;
      expect(speechDuration(chunks), `window ${i}`).toBeCloseTo(expected, 10);
    }
  });

  it("78: speechDuration sums the chunk lengths at 16 kHz", () => {
    expect(speechDuration([])).toBe(0);
    expect(
      speechDuration([
        { start: 0, end: 8000 },
        { start: 10000, end: 26000 },
      ]),
    ).toBe(1.5);
  });
});
