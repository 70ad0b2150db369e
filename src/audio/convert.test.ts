import { describe, expect, it } from "vitest";
import {
  assertAudioChunk,
  assertSampleRate,
  audioToFloat32,
  audioToInt16,
  deinterleave,
  downmixToMono,
  floatToInt16Rounded,
  interleave,
  type LegacyAudioTuple,
} from "./convert.js";

type AnyInput = Parameters<typeof audioToFloat32>[0];

describe("audioToFloat32", () => {
  it("93: int16 [-32768, 0, 32767] → [-1.0, 0.0, 32767/32768]", () => {
    const out = audioToFloat32(new Int16Array([-32768, 0, 32767]));
    expect(out).toBeInstanceOf(Float32Array);
    expect([...out]).toEqual([-1, 0, Math.fround(32767 / 32768)]);
  });

  it("93: float32 passes through unchanged (same object)", () => {
    const x = new Float32Array([0.1, -0.5, 2]);
    expect(audioToFloat32(x)).toBe(x);
  });

  it("93: empty int16 → empty float32", () => {
    const out = audioToFloat32(new Int16Array(0));
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(0);
  });

  it("93: unsupported types → TypeError 'Unsupported audio data type'", () => {
    expect(() => audioToFloat32(new Int32Array(3) as unknown as AnyInput)).toThrow(TypeError);
    expect(() => audioToFloat32(new Int32Array(3) as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: Int32Array/,
    );
    expect(() => audioToFloat32(new Float64Array(1) as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: Float64Array/,
    );
    expect(() => audioToFloat32([1, 2] as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: Array/,
    );
    expect(() => audioToFloat32(null as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: null/,
    );
    expect(() => audioToFloat32(undefined as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: undefined/,
    );
  });

  it("93: accepts a legacy [sampleRate, samples] tuple", () => {
    const legacy: LegacyAudioTuple = [16000, new Int16Array(4)];
    expect([...audioToFloat32(legacy)]).toEqual([0, 0, 0, 0]);
    const f = new Float32Array(3);
    expect(audioToFloat32([16000, f])).toBe(f);
  });
});

describe("audioToInt16", () => {
  it("93: float32 [-1, 0, 1] → [-32767, 0, 32767]", () => {
    const out = audioToInt16(new Float32Array([-1, 0, 1]));
    expect(out).toBeInstanceOf(Int16Array);
    expect([...out]).toEqual([-32767, 0, 32767]);
  });

  it("93: truncates toward zero like FastRTC", () => {
    expect([...audioToInt16(new Float32Array([0.5, -0.5, 0.99999]))]).toEqual([
      16383, -16383, 32766,
    ]);
  });

  it("93: int16 passes through unchanged (same object)", () => {
    const x = new Int16Array([1, -2, 3]);
    expect(audioToInt16(x)).toBe(x);
  });

  it("93: empty float32 → empty int16", () => {
    const out = audioToInt16(new Float32Array(0));
    expect(out).toBeInstanceOf(Int16Array);
    expect(out.length).toBe(0);
  });

  it("93: unsupported types → TypeError 'Unsupported audio data type'", () => {
    expect(() => audioToInt16(new Int32Array(3) as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: Int32Array/,
    );
    expect(() => audioToInt16(new Uint8Array(3) as unknown as AnyInput)).toThrow(TypeError);
    expect(() => audioToInt16("x" as unknown as AnyInput)).toThrow(
      /Unsupported audio data type: string/,
    );
  });

  it("93: accepts a legacy [sampleRate, samples] tuple", () => {
    expect([...audioToInt16([16000, new Float32Array(3)])]).toEqual([0, 0, 0]);
  });

  it("clips out-of-range values and maps NaN to 0", () => {
    expect([...audioToInt16(new Float32Array([1.5, -2, Number.NaN, Infinity, -Infinity]))]).toEqual(
      [32767, -32767, 0, 32767, -32767],
    );
  });
});

describe("floatToInt16Rounded", () => {
  it("inverts x / 32768 exactly and saturates", () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    expect(floatToInt16Rounded(audioToFloat32(all))).toEqual(all);
    expect([...floatToInt16Rounded(new Float32Array([2, -2, Number.NaN]))]).toEqual([
      32767, -32768, 0,
    ]);
    expect(() => floatToInt16Rounded(new Int16Array(1) as unknown as Float32Array)).toThrow(
      TypeError,
    );
  });
});

describe("channel helpers", () => {
  it("downmixToMono averages interleaved channels, keeping the sample type", () => {
    const m = downmixToMono(new Int16Array([100, 201, -5, -6, 32767, 32767]), 2);
    expect(m).toBeInstanceOf(Int16Array);
    expect([...m]).toEqual([151, -5, 32767]);
    const f = downmixToMono(new Float32Array([0.5, -0.5, 1, 0, 0.25, 0.25]), 3);
    expect(f).toBeInstanceOf(Float32Array);
    expect([...f]).toEqual([Math.fround(1 / 3), Math.fround(0.5 / 3)]);
    const x = new Int16Array([1, 2]);
    const copy = downmixToMono(x, 1);
    expect(copy).toEqual(x);
    expect(copy).not.toBe(x);
    // Stereo int16: the average rounded halves up, as Math.round, at the extremes too.
    const pairs = [
      [-32768, -32768],
      [-32768, -32767],
      [32767, 32766],
      [-1, 0],
      [-3, 0],
      [1, 0],
    ];
    for (let i = 0; i < 1000; i++)
      pairs.push([((i * 7919) % 65536) - 32768, ((i * 104729) % 65536) - 32768]);
    const down = downmixToMono(new Int16Array(pairs.flat()), 2);
    expect([...down]).toEqual(pairs.map(([a, b]) => Math.round((a! + b!) / 2) + 0));
    expect(() => downmixToMono(new Int16Array(3), 2)).toThrow(RangeError);
    expect(() => downmixToMono(new Int16Array(4), 0)).toThrow(RangeError);
    expect(() => downmixToMono([1, 2] as unknown as Int16Array, 2)).toThrow(TypeError);
  });

  it("interleave and deinterleave are inverses", () => {
    const l = new Int16Array([1, 2, 3]);
    const r = new Int16Array([4, 5, 6]);
    const i = interleave([l, r]);
    expect([...i]).toEqual([1, 4, 2, 5, 3, 6]);
    const [l2, r2] = deinterleave(i, 2);
    expect(l2).toEqual(l);
    expect(r2).toEqual(r);
    expect(deinterleave(new Float32Array([0.5, 1]), 2)[1]).toBeInstanceOf(Float32Array);
    expect(() => interleave([])).toThrow(TypeError);
    expect(() => interleave([l, new Int16Array(2)])).toThrow(RangeError);
    expect(() => interleave<Int16Array>([l, new Float32Array(3) as unknown as Int16Array])).toThrow(
      TypeError,
    );
    expect(() => deinterleave(new Int16Array(5), 2)).toThrow(RangeError);
  });
});

describe("assertSampleRate", () => {
  it("accepts integer rates in range", () => {
    for (const r of [1, 8000, 16000, 44100, 48000, 384000])
      expect(() => assertSampleRate(r)).not.toThrow();
  });

  it("rejects non-numbers and non-integers with TypeError", () => {
    for (const r of ["16000", null, undefined, Number.NaN, Infinity, 44100.5, {}]) {
      expect(() => assertSampleRate(r), String(r)).toThrow(TypeError);
    }
    expect(() => assertSampleRate("16000", "input rate")).toThrow(/input rate/);
  });

  it("rejects out-of-range rates with RangeError", () => {
    for (const r of [0, -16000, 384001]) expect(() => assertSampleRate(r)).toThrow(RangeError);
    expect(() => assertSampleRate(0)).toThrow(/between 1 and 384000 Hz, got 0/);
  });
});

describe("assertAudioChunk", () => {
  it("accepts valid chunks", () => {
    expect(() => assertAudioChunk([16000, new Int16Array(4)])).not.toThrow();
    expect(() => assertAudioChunk([48000, new Float32Array(4), "stereo"])).not.toThrow();
    expect(() => assertAudioChunk([8000, new Int16Array(3), "mono"])).not.toThrow();
  });

  it("rejects each kind of malformed chunk with a clear message", () => {
    const cases: [unknown, ErrorConstructor | RangeErrorConstructor, RegExp][] = [
      [null, TypeError, /must be an array/],
      [new Int16Array(2), TypeError, /must be an array.*Int16Array/],
      [[16000], TypeError, /2 or 3 elements.*got 1/],
      [[16000, new Int16Array(2), "mono", 1], TypeError, /got 4/],
      [["16000", new Int16Array(2)], TypeError, /sample rate/],
      [[0, new Int16Array(2)], RangeError, /sample rate/],
      [[16000.5, new Int16Array(2)], TypeError, /sample rate/],
      [[16000, [1, 2]], TypeError, /samples must be an Int16Array or Float32Array, got Array/],
      [[16000, new Int32Array(2)], TypeError, /got Int32Array/],
      [[16000, new Int16Array(2), "surround"], TypeError, /layout must be "mono" or "stereo"/],
      [[16000, new Int16Array(2), undefined], TypeError, /layout/],
      [[16000, new Int16Array(3), "stereo"], RangeError, /even/],
    ];
    for (const [value, type, re] of cases) {
      expect(() => assertAudioChunk(value), re.source).toThrow(type);
      expect(() => assertAudioChunk(value), re.source).toThrow(re);
    }
    expect(() => assertAudioChunk(null, "reply")).toThrow(/^reply must be/);
  });
});
