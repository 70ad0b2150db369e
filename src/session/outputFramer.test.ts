import { describe, expect, it } from "vitest";
import { levelDb } from "../audio/level.js";
import { OutputFramer } from "./outputFramer.js";

function tone(n: number, rate: number, hz = 440): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

describe("OutputFramer", () => {
  it("frames at the wire rate in one resampling step (48 kHz emitted, 8 kHz frames)", () => {
    const framer = new OutputFramer(8000, { quality: "fast" });
    const frames = framer.push([48000, tone(48000, 48000)]);
    frames.push(...framer.flush());
    for (const f of frames) {
      expect(f.rate).toBe(8000);
      expect(f.samples.length).toBe(160);
    }
    expect(frames.length).toBe(51); // 1 s + the filter's tail, zero-padded
    // The 440 Hz tone keeps its level (8000 peak = −15.2 dBFS RMS) in the middle frames.
    expect(levelDb(frames[25]!.samples)).toBeCloseTo(-15.2, 0);
  });

  it("native rates are framed as they are, bit for bit; other rates go to the default rate", () => {
    const framer = new OutputFramer(24000, { nativeRates: [24000, 48000] });
    const audio = tone(9600, 48000);
    const frames = framer.push([48000, audio]);
    expect(frames.map((f) => f.rate)).toEqual(Array(10).fill(48000));
    expect(Int16Array.from(frames.flatMap((f) => [...f.samples]))).toEqual(audio);
    // 22.05 kHz is not native: resampled to 24 kHz; the partial 48 kHz frame is flushed first.
    const more = framer.push([48000, tone(480, 48000)]);
    expect(more).toEqual([]);
    const switched = framer.push([22050, tone(2205, 22050)]);
    expect(switched[0]?.rate).toBe(48000);
    expect(switched[0]?.samples.length).toBe(960);
    expect(switched.slice(1).every((f) => f.rate === 24000 && f.samples.length === 480)).toBe(true);
  });

  it("without options every frame is at the output rate (the handler's)", () => {
    const framer = new OutputFramer(24000);
    const frames = framer.push([48000, tone(9600, 48000)]);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((f) => f.rate === 24000 && f.samples.length === 480)).toBe(true);
  });

  it("int16 and float input give the same frames; frames never share the caller's array", () => {
    const audio = tone(4800, 48000);
    const floats = Float32Array.from(audio, (v) => v / 32768);
    const a = new OutputFramer(8000, { quality: "fast" });
    const b = new OutputFramer(8000, { quality: "fast" });
    const fromInts = [...a.push([48000, audio]), ...a.flush()];
    const fromFloats = [...b.push([48000, floats]), ...b.flush()];
    expect(fromInts.map((f) => [...f.samples])).toEqual(fromFloats.map((f) => [...f.samples]));
    // At the frame rate the samples are copied: the handler may reuse its array.
    const native = new OutputFramer(48000, { nativeRates: [48000] });
    const mine = tone(1920, 48000);
    const frames = native.push([48000, mine]);
    mine.fill(0);
    expect(frames.map((f) => [...f.samples])).toEqual([
      [...tone(1920, 48000).subarray(0, 960)],
      [...tone(1920, 48000).subarray(960)],
    ]);
    expect(() => native.push([48000, [1, 2] as unknown as Int16Array])).toThrow(TypeError);
  });
});
