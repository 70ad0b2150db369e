import { describe, expect, it } from "vitest";
import { floatToInt16Rounded, int16ToFloat, roundToInt16 } from "./pcm.js";

describe("pcm", () => {
  it("int16ToFloat divides by 32768 and floatToInt16Rounded inverts it, saturating", () => {
    expect(int16ToFloat(new Int16Array([16384, -32768, 0]))).toEqual(
      new Float32Array([0.5, -1, 0]),
    );
    expect(floatToInt16Rounded(new Float32Array([0, 0.5, -1, 1, 2, -2, Number.NaN]))).toEqual(
      new Int16Array([0, 16384, -32768, 32767, 32767, -32768, 0]),
    );
    const all = new Int16Array(65536).map((_, i) => i - 32768);
    expect(floatToInt16Rounded(int16ToFloat(all))).toEqual(all);
  });

  it("roundToInt16 is Math.round clamped to int16 (NaN as 0) for every scaled float sample", () => {
    const reference = (s: number) => {
      const r = Math.round(s);
      return r > 32767 ? 32767 : r < -32768 ? -32768 : Number.isNaN(r) ? 0 : r;
    };
    const f = Math.fround;
    const cases = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0,
      -0,
      1e-30,
      -1e-30,
      0.5,
      -0.5,
      1.5,
      -1.5,
      -2.5,
      32766.5,
      32767,
      32767.5,
      -32767.5,
      -32768,
      -32768.5,
      -32769,
      f(0.5 - 2 ** -25),
      -f(0.5 - 2 ** -25),
      1e9,
      -1e9,
    ];
    // Random float samples, in and out of range, scaled as the converters scale them.
    let seed = 7;
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      cases.push(f((seed / 2 ** 32 - 0.5) * (i % 3 === 0 ? 2.2 : i % 3 === 1 ? 0.01 : 2)) * 32768);
    }
    // Every half-integer in range.
    for (let v = -32769; v <= 32768; v++) cases.push(v + 0.5);
    const mismatches = cases.filter((s) => !Object.is(roundToInt16(s) + 0, reference(s) + 0));
    expect(mismatches).toEqual([]);
  });
});
