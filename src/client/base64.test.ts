import { describe, expect, it } from "vitest";
import { base64Decode, base64Encode } from "./base64.js";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("base64", () => {
  it("matches Node's Buffer for every length remainder and large inputs", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 159, 160, 480, 960, 12_289, 40_000]) {
      const b = bytes(n, n + 7);
      const encoded = base64Encode(b);
      expect(encoded).toBe(Buffer.from(b).toString("base64"));
      expect(base64Decode(encoded)).toEqual(b);
    }
  });

  it("decodes unpadded text and ignores whitespace", () => {
    expect(base64Decode("/wA")).toEqual(new Uint8Array([0xff, 0x00]));
    expect(base64Decode("/w A=\n")).toEqual(new Uint8Array([0xff, 0x00]));
    expect(base64Decode("/w==")).toEqual(new Uint8Array([0xff]));
    expect(base64Decode("")).toEqual(new Uint8Array(0));
  });

  it("rejects characters outside the alphabet, bad padding and bad lengths", () => {
    expect(() => base64Decode("ab$d")).toThrow(TypeError);
    expect(() => base64Decode("-_8=")).toThrow(TypeError); // URL-safe alphabet is not accepted
    expect(() => base64Decode("abcde")).toThrow(TypeError); // a dangling character
    expect(() => base64Decode("ab=")).toThrow(TypeError); // padding to no multiple of 4
    expect(() => base64Decode("ab===")).toThrow(TypeError);
    expect(() => base64Decode("a=bc")).toThrow(TypeError);
    expect(() => base64Decode("é")).toThrow(TypeError);
  });
});
