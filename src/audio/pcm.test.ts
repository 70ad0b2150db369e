import { describe, expect, it } from "vitest";
import { floatToInt16Rounded, int16ToFloat } from "./pcm.js";

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
});
