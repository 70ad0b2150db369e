import { describe, expect, it } from "vitest";
import { ClientResampler, floatToPcm16, pcm16ToFloat } from "./resampler.js";

function sine(rate: number, hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Least-squares amplitude of a `hz` sinusoid in `x` (any phase). */
function amplitudeAt(x: Float32Array, rate: number, hz: number): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
    c += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(s, c)) / x.length;
}

function resampleAll(input: Float32Array, from: number, to: number, chunk: number): Float32Array {
  const rs = new ClientResampler(from, to);
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += chunk)
    parts.push(rs.process(input.subarray(i, i + chunk)));
  parts.push(rs.flush());
  return concat(parts);
}

describe("ClientResampler", () => {
  it.each([
    [16000, 48000],
    [48000, 16000],
    [44100, 48000],
    [48000, 24000],
    [8000, 48000],
    [22050, 16000],
  ])("%i → %i: ceil(N·out/in) samples, a 440 Hz tone keeps its amplitude and phase", (from, to) => {
    const input = sine(from, 440, 0.5);
    const out = resampleAll(input, from, to, 317);
    expect(out.length).toBe(Math.ceil((input.length * to) / from));
    // compare away from the edges with the ideal tone at the output rate
    const ideal = sine(to, 440, 0.5);
    let maxErr = 0;
    for (let i = Math.round(to * 0.05); i < Math.round(to * 0.45); i++) {
      maxErr = Math.max(maxErr, Math.abs(out[i]! - ideal[i]!));
    }
    expect(maxErr).toBeLessThan(0.005);
  });

  it("is independent of the chunking", () => {
    const input = sine(16000, 1000, 0.3);
    const whole = resampleAll(input, 16000, 48000, input.length);
    const small = resampleAll(input, 16000, 48000, 7);
    expect(small.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(small[i]).toBeCloseTo(whole[i]!, 5);
  });

  it("filters out content above the new Nyquist frequency when downsampling", () => {
    const input = sine(48000, 12000, 0.5); // aliases to 4 kHz at 16 kHz without filtering
    const out = resampleAll(input, 48000, 16000, 960);
    expect(amplitudeAt(out.subarray(800, 7200), 16000, 4000)).toBeLessThan(0.005);
  });

  it("passes equal rates through and handles an odd ratio without a weight table", () => {
    const same = new ClientResampler(24000, 24000);
    const x = sine(24000, 300, 0.01);
    expect(same.process(x)).toEqual(x);
    expect(same.flush().length).toBe(0);
    const odd = resampleAll(sine(47999, 440, 0.2), 47999, 48000, 1000);
    expect(odd.length).toBe(Math.ceil((Math.round(47999 * 0.2) * 48000) / 47999));
    expect(amplitudeAt(odd.subarray(1000, 9000), 48000, 440)).toBeCloseTo(0.5, 2);
  });

  it("rejects invalid rates", () => {
    expect(() => new ClientResampler(0, 16000)).toThrow(RangeError);
    expect(() => new ClientResampler(16000, 44100.5)).toThrow(RangeError);
  });
});

describe("PCM conversions", () => {
  it("scales by 32768, rounds and saturates", () => {
    expect(floatToPcm16(new Float32Array([0, 0.5, -1, 1, 2, -2]))).toEqual(
      new Int16Array([0, 16384, -32768, 32767, 32767, -32768]),
    );
    expect(pcm16ToFloat(new Int16Array([16384, -32768]))).toEqual(new Float32Array([0.5, -1]));
  });
});
