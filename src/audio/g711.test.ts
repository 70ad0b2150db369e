import { describe, expect, it } from "vitest";
import { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from "./g711.js";

const ALL = new Int16Array(65536).map((_, i) => i - 32768);
const CODES = new Uint8Array(256).map((_, i) => i);

/** Position-weighted checksum of a code stream. */
function checksum(codes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < codes.length; i++) s = (s + (i + 1) * codes[i]!) % 2 ** 32;
  return s;
}

const SPOT = [-32768, -32635, -1000, -9, -8, -5, -4, -3, -1, 0, 1, 3, 4, 7, 8, 1000, 32767];

describe("G.711 µ-law", () => {
  it("encodes and decodes the reference values", () => {
    expect(muLawEncode(new Int16Array([0]))[0]).toBe(0xff);
    expect([...muLawDecode(new Uint8Array([0x00, 0x80, 0xff, 0x7f]))]).toEqual([
      -32124, 32124, 0, 0,
    ]);
    // Values produced by the widespread reference encoder (CPython audioop.lin2ulaw).
    expect([...muLawEncode(Int16Array.from(SPOT))]).toEqual([
      0, 0, 78, 125, 126, 126, 126, 126, 126, 255, 255, 255, 254, 254, 254, 206, 128,
    ]);
    expect(checksum(muLawEncode(ALL))).toBe(1906259550);
  });

  it("decodes every code to a value that re-encodes to the same code (0x7F ≡ 0xFF)", () => {
    const decoded = muLawDecode(CODES);
    const again = muLawEncode(decoded);
    for (let c = 0; c < 256; c++) expect(again[c]).toBe(c === 0x7f ? 0xff : c);
  });

  it("keeps the round-trip error within half a quantisation step", () => {
    const back = muLawDecode(muLawEncode(ALL));
    let violations = 0;
    for (let i = 0; i < ALL.length; i++) {
      const x = Math.max(-32635, Math.min(32635, ALL[i]!));
      // Step size in a segment is 8·2^segment ≤ (|x| + 132) / 16; error ≤ half a step (+ the
      // rounding of negative inputs to the 14-bit grid).
      if (Math.abs(back[i]! - x) > Math.max(8, (Math.abs(x) + 132) / 32) + 4) violations++;
    }
    expect(violations).toBe(0);
    let worstRel = 0;
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i]!;
      if (Math.abs(x) > 1000 && Math.abs(x) < 32000) {
        worstRel = Math.max(worstRel, Math.abs(back[i]! - x) / Math.abs(x));
      }
    }
    expect(worstRel).toBeLessThan(0.04);
  });

  it("is odd-symmetric on decode and rejects wrong input types", () => {
    const d = muLawDecode(CODES);
    for (let c = 0; c < 128; c++) expect(d[c]! + d[c + 128]!).toBe(0);
    expect(() => muLawEncode(new Float32Array(1) as unknown as Int16Array)).toThrow(TypeError);
    expect(() => muLawDecode([1] as unknown as Uint8Array)).toThrow(TypeError);
    expect(muLawDecode(Buffer.from([0xff])).length).toBe(1);
    expect(muLawEncode(new Int16Array(0)).length).toBe(0);
  });
});

describe("G.711 A-law", () => {
  it("encodes and decodes the reference values", () => {
    expect(aLawEncode(new Int16Array([0]))[0]).toBe(0xd5);
    expect([...aLawDecode(new Uint8Array([0xd5, 0x55, 0xaa, 0x2a]))]).toEqual([
      8, -8, 32256, -32256,
    ]);
    expect([...aLawEncode(Int16Array.from(SPOT))]).toEqual([
      42, 42, 122, 85, 85, 85, 85, 85, 85, 213, 213, 213, 213, 213, 213, 250, 170,
    ]);
    expect(checksum(aLawEncode(ALL))).toBe(808792064);
  });

  it("decodes all 256 codes to distinct values that re-encode to the same code", () => {
    const decoded = aLawDecode(CODES);
    expect(new Set(decoded).size).toBe(256);
    expect([...aLawEncode(decoded)]).toEqual([...CODES]);
  });

  it("keeps the round-trip error within one quantisation step", () => {
    const back = aLawDecode(aLawEncode(ALL));
    let violations = 0;
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i]!;
      const a = Math.abs(x);
      const step = a < 512 ? 16 : 2 ** Math.floor(Math.log2(a)) / 16;
      if (Math.abs(back[i]! - x) > step) violations++;
    }
    expect(violations).toBe(0);
  });

  it("rejects wrong input types", () => {
    expect(() => aLawEncode([0] as unknown as Int16Array)).toThrow(TypeError);
    expect(() => aLawDecode(new Int16Array(1) as unknown as Uint8Array)).toThrow(TypeError);
  });
});
