import { describe, expect, it } from "vitest";
import { normalizeWords, wer, wordEditDistance } from "./wer.js";

describe("normalizeWords", () => {
  it("lower-cases, strips punctuation and apostrophes", () => {
    expect(normalizeWords("Mr. Quilter's  gospel!")).toEqual(["mr", "quilters", "gospel"]);
    expect(normalizeWords("click-brown fox, dog.")).toEqual(["click", "brown", "fox", "dog"]);
    expect(normalizeWords("  ...  ")).toEqual([]);
    expect(normalizeWords("Ça va? 42")).toEqual(["ça", "va", "42"]);
  });
});

describe("wordEditDistance", () => {
  it("counts substitutions, deletions and insertions", () => {
    expect(wordEditDistance("a b c", "a b c")).toBe(0);
    expect(wordEditDistance("a b c", "a x c")).toBe(1);
    expect(wordEditDistance("a b c", "a c")).toBe(1);
    expect(wordEditDistance("a b c", "a b c d")).toBe(1);
    expect(wordEditDistance("a b c", "a x c d")).toBe(2);
    expect(wordEditDistance("a b c", "")).toBe(3);
    expect(wordEditDistance("", "a b")).toBe(2);
    expect(wordEditDistance("the cat sat", "sat the cat")).toBe(2);
  });
});

describe("wer", () => {
  it("divides the edits by the reference length", () => {
    expect(wer("Mr. Quilter is the apostle", "mister quilter is the apostle")).toBeCloseTo(0.2);
    expect(wer("one two", "one two three four five")).toBeCloseTo(1.5);
    expect(wer("Hello, world.", "hello world")).toBe(0);
  });

  it("handles an empty reference", () => {
    expect(wer("", "")).toBe(0);
    expect(wer("", "noise")).toBe(1);
  });
});
