import { describe, expect, it } from "vitest";
import {
  isBlank,
  pyStrip,
  sentenceSilenceSamples,
  splitSentences,
  splitTextBatches,
} from "./sentences.js";

describe("splitSentences (FastRTC's re.split(r'(?<=[.!?])\\s+', text.strip()))", () => {
  it("splits at whitespace after . ! ? and keeps the punctuation", () => {
    expect(splitSentences("Hello world. This is a test! Is it working?")).toEqual([
      "Hello world.",
      "This is a test!",
      "Is it working?",
    ]);
  });

  it("trims the text first and swallows whole whitespace runs (newlines, tabs)", () => {
    expect(splitSentences("  \n One.\n\n\tTwo?   Three  ")).toEqual(["One.", "Two?", "Three"]);
  });

  it("does not split without whitespace after the mark, nor after other punctuation", () => {
    expect(splitSentences("Pi is 3.14, e is 2.71; ok")).toEqual(["Pi is 3.14, e is 2.71; ok"]);
    expect(splitSentences("Wait... what?! Really.")).toEqual(["Wait...", "what?!", "Really."]);
    expect(splitSentences('He said "hi." Then left.')).toEqual(['He said "hi." Then left.']);
  });

  it("has no abbreviation handling (as FastRTC)", () => {
    expect(splitSentences("Dr. Who is here.")).toEqual(["Dr.", "Who is here."]);
  });

  it("gives [''] for blank text, so the caller skips it", () => {
    expect(splitSentences("")).toEqual([""]);
    expect(splitSentences(" \t\n ")).toEqual([""]);
  });

  it("uses Python's whitespace set (U+001F and U+0085 count, U+FEFF does not)", () => {
    expect(splitSentences("A.\u001fB.\u0085C.")).toEqual(["A.", "B.", "C."]);
    expect(splitSentences("A.\u00a0B.\u2003C.")).toEqual(["A.", "B.", "C."]);
    expect(splitSentences("A.\ufeffB.")).toEqual(["A.\ufeffB."]);
    expect(pyStrip("\u001f\u0085 x \u3000")).toBe("x");
    expect(pyStrip("\ufeffx")).toBe("\ufeffx");
  });

  it("a final mark with nothing after it ends the last sentence", () => {
    expect(splitSentences("One. Two.")).toEqual(["One.", "Two."]);
  });
});

describe("isBlank", () => {
  it("is true for empty and whitespace-only text", () => {
    expect(isBlank("")).toBe(true);
    expect(isBlank(" \n\u3000")).toBe(true);
    expect(isBlank(" a ")).toBe(false);
    expect(isBlank(".")).toBe(false);
  });
});

describe("sentenceSilenceSamples", () => {
  it("is sampleRate // 7", () => {
    expect(sentenceSilenceSamples(24000)).toBe(3428);
    expect(sentenceSilenceSamples(22050)).toBe(3150);
    expect(sentenceSilenceSamples(16000)).toBe(2285);
  });
});

describe("splitTextBatches", () => {
  it("leaves short text whole (trimmed)", () => {
    expect(splitTextBatches("  short text  ", 50)).toEqual(["short text"]);
    expect(splitTextBatches("   ", 50)).toEqual([]);
  });

  it("prefers the last period inside the limit", () => {
    expect(splitTextBatches("One two. Three, four five six", 20)).toEqual([
      "One two.",
      "Three, four five six",
    ]);
  });

  it("falls back to the last of !?;, then to the last space, then a hard cut", () => {
    expect(splitTextBatches("aaa; bbb, ccc ddd eee", 14)).toEqual(["aaa; bbb,", "ccc ddd eee"]);
    expect(splitTextBatches("aaa bbb ccc ddd", 9)).toEqual(["aaa bbb", "ccc ddd"]);
    expect(splitTextBatches("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("never cuts inside numbers such as 3.14 or 1,000", () => {
    expect(splitTextBatches("It costs 1,000 or 3.14 units now", 16)).toEqual([
      "It costs 1,000",
      "or 3.14 units",
      "now",
    ]);
  });

  it("never splits a surrogate pair on a hard cut", () => {
    const pieces = splitTextBatches("ab😀cd", 3);
    expect(pieces).toEqual(["ab", "😀c", "d"]);
  });

  it("keeps every piece within the limit and loses no words", () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}${i % 17 === 0 ? "." : ""}`);
    const text = words.join(" ");
    const pieces = splitTextBatches(text, 120);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(120);
    expect(pieces.join(" ").split(" ")).toEqual(words);
  });

  it("rejects a bad limit", () => {
    expect(() => splitTextBatches("x", 0)).toThrow(RangeError);
    expect(() => splitTextBatches("x", 1.5)).toThrow(RangeError);
  });
});
