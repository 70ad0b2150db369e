import { describe, expect, it } from "vitest";
import { floatToInt16Rounded } from "./pcm.js";
import { resample, resampleInt16, StreamingResampler } from "./resample.js";

function tone(freq: number, rate: number, n: number, amp = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** Amplitude of the component at `freq` in x[start, start+len) (Hann-windowed DFT bin). */
function amplitudeAt(x: Float32Array, freq: number, rate: number, start: number, len: number) {
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = 0; i < len; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / len);
    const v = x[start + i]! * w;
    const ph = (2 * Math.PI * freq * i) / rate;
    re += v * Math.cos(ph);
    im += v * Math.sin(ph);
    wsum += w;
  }
  return ((freq === 0 ? 1 : 2) * Math.hypot(re, im)) / wsum;
}

function db(x: number): number {
  return 20 * Math.log10(Math.max(x, 1e-12));
}

/** Resamples a 0.6 s unit sine and returns the output amplitude at `measureFreq` (steady state). */
function response(inRate: number, outRate: number, freq: number, measureFreq = freq): number {
  const y = new StreamingResampler(inRate, outRate).process(tone(freq, inRate, inRate * 0.6));
  const len = Math.floor(outRate * 0.25);
  return amplitudeAt(y, measureFreq, outRate, y.length - len, len);
}

function noise(n: number, seed = 1): Float32Array {
  let s = seed;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function argmaxAbs(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (Math.abs(x[i]!) > Math.abs(x[best]!)) best = i;
  return best;
}

describe("StreamingResampler", () => {
  it("passes equal rates through as a copy with no delay", () => {
    const rs = new StreamingResampler(16000, 16000);
    const x = noise(100);
    const y = rs.process(x);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(rs.delaySamples).toBe(0);
    expect(rs.flush().length).toBe(0);
  });

  it("processTransient gives process's outputs, from float or int16 input, without a new array per call", () => {
    for (const [from, to, quality] of [
      [48000, 16000, "fast"],
      [8000, 16000, "fast"],
      [16000, 16000, "high"],
    ] as const) {
      const a = new StreamingResampler(from, to, { quality });
      const b = new StreamingResampler(from, to, { quality });
      const c = new StreamingResampler(from, to, { quality });
      const x = noise(from / 50 / 2 + 7, 3);
      for (let k = 0; k < 40; k++) {
        const chunk = x.subarray(0, x.length - (k % 5));
        const ints = floatToInt16Rounded(chunk);
        const want = Float32Array.from(a.process(Float32Array.from(ints, (v) => v / 32768)));
        // Copied at once, as a caller must: the next call may reuse the memory.
        const fromInts = Float32Array.from(b.processTransient(ints));
        const fromFloats = Float32Array.from(
          c.processTransient(Float32Array.from(ints, (v) => v / 32768)),
        );
        expect(fromInts, `${from}→${to} call ${k}`).toEqual(want);
        expect(fromFloats, `${from}→${to} call ${k}`).toEqual(want);
      }
    }
  });

  it("48k→16k passband is flat within ±0.1 dB up to 0.8 × output Nyquist", () => {
    for (const f of [50, 440, 1000, 3000, 5000, 6000, 6400]) {
      expect(Math.abs(db(response(48000, 16000, f)))).toBeLessThan(0.1);
    }
  });

  it("48k→16k rejects aliases by at least 70 dB", () => {
    // tone → folded frequency at 16 kHz
    const cases: [number, number][] = [
      [8200, 7800],
      [9000, 7000],
      [12000, 4000],
      [16000, 0],
      [20000, 4000],
      [23000, 7000],
    ];
    for (const [f, folded] of cases) {
      const y = new StreamingResampler(48000, 16000).process(tone(f, 48000, 48000 * 0.6));
      const len = 4000;
      const a = amplitudeAt(y, folded, 16000, y.length - len, len);
      expect(db(a), `${f} Hz`).toBeLessThan(-70);
      let e = 0;
      for (let i = y.length - len; i < y.length; i++) e += y[i]! * y[i]!;
      expect(db(Math.sqrt((2 * e) / len)), `${f} Hz energy`).toBeLessThan(-70);
    }
  });

  it("16k→48k rejects images by at least 70 dB and keeps the passband", () => {
    for (const f of [300, 3000, 6400, 7600]) {
      if (f <= 6400) expect(Math.abs(db(response(16000, 48000, f)))).toBeLessThan(0.1);
      for (const image of [16000 - f, 16000 + f, 32000 - f]) {
        expect(db(response(16000, 48000, f, image)), `${f} → ${image}`).toBeLessThan(-70);
      }
    }
  });

  it("22050→48000 keeps the passband and produces the right lengths", () => {
    for (const f of [200, 2000, 6000, 8820]) {
      expect(Math.abs(db(response(22050, 48000, f)))).toBeLessThan(0.1);
    }
    expect(db(response(22050, 48000, 8000, 22050 - 8000))).toBeLessThan(-70);
    const rs = new StreamingResampler(22050, 48000);
    expect(rs.process(new Float32Array(441)).length).toBe(960); // 20 ms in, 20 ms out
    expect(rs.process(new Float32Array(100)).length).toBe(Math.ceil((541 * 48000) / 22050) - 960);
    expect(resample(new Float32Array(22051), 22050, 48000).length).toBe(
      Math.round((22051 * 48000) / 22050),
    );
  });

  it("44100→16000 keeps the passband, rejects aliases and has the right length", () => {
    for (const f of [1000, 6400]) expect(Math.abs(db(response(44100, 16000, f)))).toBeLessThan(0.1);
    expect(db(response(44100, 16000, 10000, 6000))).toBeLessThan(-70);
    expect(resample(new Float32Array(44100), 44100, 16000).length).toBe(16000);
    expect(resample(new Float32Array(1000), 44100, 16000).length).toBe(363);
  });

  it("handles awkward ratios (interpolated table path): 7999→48000 and 48000→7999", () => {
    for (const f of [500, 3000]) {
      expect(Math.abs(db(response(7999, 48000, f)))).toBeLessThan(0.1);
      expect(db(response(7999, 48000, f, 7999 - f))).toBeLessThan(-70);
    }
    expect(Math.abs(db(response(48000, 7999, 3000)))).toBeLessThan(0.1);
    expect(db(response(48000, 7999, 5000, 7999 - 5000))).toBeLessThan(-70);
    expect(resample(new Float32Array(7999), 7999, 48000).length).toBe(48000);
    expect(resample(new Float32Array(1234), 11025, 48000).length).toBe(
      Math.round((1234 * 48000) / 11025),
    );
  });

  it("gives the same output whether fed at once or in arbitrary pieces", () => {
    const x = noise(20000, 7);
    for (const [a, b] of [
      [48000, 16000],
      [16000, 48000],
      [22050, 48000],
      [44100, 16000],
      [7999, 48000],
      [48000, 24000],
    ] as const) {
      const whole = new StreamingResampler(a, b);
      const ref = concat([whole.process(x), whole.flush()]);
      const pieces = new StreamingResampler(a, b);
      const parts: Float32Array[] = [];
      let pos = 0;
      let k = 0;
      while (pos < x.length) {
        const size = [0, 1, 7, 960, 333, 2, 4097][k++ % 7]!;
        parts.push(pieces.process(x.subarray(pos, Math.min(x.length, pos + size))));
        pos += size;
      }
      parts.push(pieces.flush());
      const got = concat(parts);
      expect(got.length, `${a}→${b}`).toBe(ref.length);
      expect(got.length).toBe(Math.ceil((x.length * b) / a) + whole.delaySamples);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref[i]!));
      expect(maxDiff, `${a}→${b}`).toBe(0);
    }
  });

  it("emits exactly outRate/inRate samples per 20 ms frame", () => {
    const rs = new StreamingResampler(48000, 16000);
    for (let i = 0; i < 10; i++) expect(rs.process(noise(960, i)).length).toBe(320);
    const up = new StreamingResampler(16000, 48000);
    for (let i = 0; i < 10; i++) expect(up.process(noise(320, i)).length).toBe(960);
  });

  it("delays an impulse by delaySamples in streaming mode", () => {
    const x = new Float32Array(4800);
    x[1200] = 1;
    const rs = new StreamingResampler(48000, 16000);
    const y = concat([rs.process(x), rs.flush()]);
    expect(Math.abs(argmaxAbs(y) - (400 + rs.delaySamples))).toBeLessThanOrEqual(1);
  });

  it("reset() forgets previous input", () => {
    const x = noise(3000, 3);
    const fresh = new StreamingResampler(16000, 24000).process(x);
    const rs = new StreamingResampler(16000, 24000);
    rs.process(noise(1234, 9));
    rs.reset();
    expect(rs.process(x)).toEqual(fresh);
  });

  it("handles empty input", () => {
    const rs = new StreamingResampler(48000, 16000);
    expect(rs.process(new Float32Array(0)).length).toBe(0);
    expect(rs.flush().length).toBe(0);
    expect(resample(new Float32Array(0), 48000, 16000).length).toBe(0);
    expect(resample(new Float32Array(1), 48000, 16000).length).toBe(0);
    expect(resample(new Float32Array(2), 48000, 16000).length).toBe(1);
  });

  it("validates rates, quality and input type", () => {
    expect(() => new StreamingResampler(0, 16000)).toThrow(RangeError);
    expect(() => new StreamingResampler(48000, 400000)).toThrow(RangeError);
    expect(() => new StreamingResampler(44100.5, 16000)).toThrow(TypeError);
    expect(() => new StreamingResampler(Number.NaN, 16000)).toThrow(TypeError);
    expect(() => new StreamingResampler("48000" as unknown as number, 16000)).toThrow(TypeError);
    expect(
      () => new StreamingResampler(48000, 16000, { quality: "best" as unknown as "high" }),
    ).toThrow(TypeError);
    const rs = new StreamingResampler(48000, 16000);
    expect(() => rs.process([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => resample(new Int16Array(4) as unknown as Float32Array, 48000, 16000)).toThrow(
      /Float32Array/,
    );
    expect(() => resample(new Float32Array(4), 48000, -1)).toThrow(RangeError);
  });

  it("'fast' quality still rejects aliases by 60 dB with less delay", () => {
    const fast = new StreamingResampler(48000, 16000, { quality: "fast" });
    expect(fast.delaySamples).toBeLessThan(new StreamingResampler(48000, 16000).delaySamples);
    const y = fast.process(tone(9000, 48000, 28800));
    expect(db(amplitudeAt(y, 7000, 16000, y.length - 4000, 4000))).toBeLessThan(-60);
  });
});

describe("resample (one-shot)", () => {
  it("is time-aligned: an impulse at t lands at t·out/in (±1)", () => {
    const cases: [number, number, number][] = [
      [48000, 16000, 1000],
      [16000, 48000, 500],
      [22050, 48000, 2205],
      [44100, 16000, 4410],
      [7999, 48000, 800],
      [16000, 24000, 301],
    ];
    for (const [a, b, t] of cases) {
      const x = new Float32Array(a / 2);
      x[t] = 1;
      const y = resample(x, a, b);
      expect(Math.abs(argmaxAbs(y) - (t * b) / a), `${a}→${b}`).toBeLessThanOrEqual(1);
    }
  });

  it("keeps a sine's phase (output ≈ the sine sampled at the new rate)", () => {
    const y = resample(tone(1000, 48000, 4800), 48000, 16000);
    const ref = tone(1000, 16000, 1600);
    let maxErr = 0;
    for (let i = 200; i < 1400; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - ref[i]!));
    expect(maxErr).toBeLessThan(1e-3);
  });

  it("returns a copy for equal rates", () => {
    const x = noise(10);
    const y = resample(x, 16000, 16000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });
});

describe("resampleInt16", () => {
  it("resamples 16-bit PCM and saturates", () => {
    const x = new Int16Array(4800);
    for (let i = 0; i < x.length; i++) x[i] = i % 96 < 48 ? 32767 : -32768; // 500 Hz square
    const y = resampleInt16(x, 48000, 16000);
    expect(y).toBeInstanceOf(Int16Array);
    expect(y.length).toBe(1600);
    expect(Math.max(...y)).toBe(32767); // Gibbs overshoot clipped
    expect(Math.min(...y)).toBe(-32768);
    const s = new Int16Array(1600);
    for (let i = 0; i < s.length; i++) s[i] = Math.round(10000 * Math.sin((2 * Math.PI * i) / 16));
    const up = resampleInt16(s, 16000, 48000);
    for (let i = 300; i < 4500; i += 3) expect(Math.abs(up[i]! - s[i / 3]!)).toBeLessThanOrEqual(2);
    expect(resampleInt16(s, 16000, 16000)).toEqual(s);
    expect(() => resampleInt16(new Float32Array(2) as unknown as Int16Array, 1, 2)).toThrow(
      TypeError,
    );
  });

  it("is the float resample() rounded to int16, in either quality, for any length", () => {
    for (const quality of ["high", "fast"] as const) {
      for (const n of [0, 1, 7, 160, 1000, 48_001]) {
        const x = new Int16Array(n);
        for (let i = 0; i < n; i++)
          x[i] = Math.round(20000 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
        const f = new Float32Array(n);
        for (let i = 0; i < n; i++) f[i] = x[i]! / 32768;
        for (const [a, b] of [
          [8000, 48000],
          [48000, 8000],
          [44100, 16000],
        ] as const) {
          const want = floatToInt16Rounded(resample(f, a, b, { quality }));
          expect(resampleInt16(x, a, b, { quality })).toEqual(want);
        }
      }
    }
    // "fast" is a different filter than "high".
    const x = new Int16Array(800).map((_, i) => Math.round(9000 * Math.sin(i * 0.9)));
    expect(resampleInt16(x, 8000, 48000, { quality: "fast" })).not.toEqual(
      resampleInt16(x, 8000, 48000),
    );
  });
});
