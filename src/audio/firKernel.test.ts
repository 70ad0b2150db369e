import { afterEach, describe, expect, it } from "vitest";
import { getFirKernel, setFirKernelEnabled } from "./firKernel.js";
import { floatToInt16Rounded } from "./pcm.js";
import { type ResampleQuality, StreamingResampler } from "./resample.js";

afterEach(() => setFirKernelEnabled(true));

/** A deterministic test signal: a sweep plus noise, within ±0.9. */
function signal(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = 0.5 * Math.sin(i * i * 1e-6 + seed) + 0.4 * (s / 2 ** 32 - 0.5);
  }
  return x;
}

/** Feeds `x` in chunks of varying size (from `sizes`, cycling), then flushes. */
function stream(
  inputRate: number,
  outputRate: number,
  quality: ResampleQuality,
  x: Float32Array,
  sizes: number[],
): Float32Array {
  const rs = new StreamingResampler(inputRate, outputRate, { quality });
  const parts: Float32Array[] = [];
  let at = 0;
  for (let i = 0; at < x.length; i++) {
    const n = sizes[i % sizes.length] as number;
    parts.push(rs.process(x.subarray(at, at + n)));
    at += n;
  }
  parts.push(rs.flush());
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe("FirKernel (WebAssembly SIMD resampling loop)", () => {
  it("is available on this Node", () => {
    expect(getFirKernel()).not.toBeNull();
  });

  const cases: [number, number, ResampleQuality][] = [
    [8000, 48000, "fast"],
    [48000, 8000, "fast"],
    [8000, 16000, "fast"],
    [48000, 16000, "fast"],
    [24000, 8000, "fast"],
    [8000, 48000, "high"],
    [48000, 24000, "high"],
    [16000, 24000, "high"],
    [44100, 48000, "high"],
    [22050, 16000, "high"],
  ];
  for (const [inputRate, outputRate, quality] of cases) {
    it(`${inputRate} → ${outputRate} Hz (${quality}): bit-for-bit the JavaScript loop's output`, () => {
      const x = signal(Math.round(inputRate * 0.37), inputRate);
      const sizes = [inputRate / 50, 1, 7, Math.round(inputRate / 33), 0, 513];
      setFirKernelEnabled(false);
      const js = stream(inputRate, outputRate, quality, x, sizes);
      setFirKernelEnabled(true);
      expect(getFirKernel()).not.toBeNull();
      const simd = stream(inputRate, outputRate, quality, x, sizes);
      expect(simd.length).toBe(js.length);
      expect(Buffer.from(simd.buffer).equals(Buffer.from(js.buffer))).toBe(true);
    });
  }

  it("keeps its banks apart when many designs are in use, and grows its memory", () => {
    const x = signal(48000 * 3, 3);
    setFirKernelEnabled(false);
    const js = [
      stream(48000, 16000, "high", x, [960]),
      stream(48000, 8000, "high", x, [48000 * 3]),
    ];
    setFirKernelEnabled(true);
    const simd = [
      stream(48000, 16000, "high", x, [960]),
      stream(48000, 8000, "high", x, [48000 * 3]),
    ];
    for (let i = 0; i < js.length; i++) {
      expect(Buffer.from(simd[i]!.buffer).equals(Buffer.from(js[i]!.buffer))).toBe(true);
    }
  });

  it("processInt16 equals floatToInt16Rounded(process()), with the kernel and without", () => {
    // Louder than full scale in places, so the clipping is exercised too.
    const x = signal(8000, 5).map((v) => v * 1.3);
    for (const kernel of [true, false]) {
      setFirKernelEnabled(kernel);
      const floats = new StreamingResampler(8000, 48000, { quality: "fast" });
      const ints = new StreamingResampler(8000, 48000, { quality: "fast" });
      for (let at = 0; at < x.length; at += 160) {
        const chunk = x.subarray(at, at + 160);
        const want = floatToInt16Rounded(floats.process(chunk));
        const got = ints.processInt16(chunk);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    }
    expect(Array.from(new StreamingResampler(16000, 16000).processInt16(x.subarray(0, 4)))).toEqual(
      Array.from(floatToInt16Rounded(x.subarray(0, 4))),
    );
  });
});
