import llamaTokenizer from "llama-tokenizer-js";
import { beforeAll, describe, expect, it } from "vitest";
import type { TokenDecoder } from "./tokenizer.js";
import { llamaTokenDecoder, tokenizerJsonDecoder } from "./tokenizer.js";

describe("llamaTokenDecoder", () => {
  let decoder: TokenDecoder;
  beforeAll(async () => {
    decoder = await llamaTokenDecoder();
  });

  it("decodes LLaMA ids (Moonshine's vocabulary) and trims the leading space", () => {
    const ids = llamaTokenizer.encode("Mr. Quilter is the apostle", false);
    expect(decoder.decode(ids)).toBe("Mr. Quilter is the apostle");
  });

  it("skips <unk>/<s>/</s> and ids beyond the vocabulary (Moonshine's extra specials)", () => {
    const ids = llamaTokenizer.encode("hello world", false);
    expect(decoder.decode([1, ...ids, 2, 32_005, 0])).toBe("hello world");
    expect(decoder.decode([])).toBe("");
    expect(decoder.decode([1, 2])).toBe("");
  });

  it("joins byte-fallback tokens into UTF-8 characters", () => {
    const ids = llamaTokenizer.encode("naïve café 🎉", false);
    expect(decoder.decode(ids)).toBe("naïve café 🎉");
  });
});

describe("tokenizerJsonDecoder", () => {
  it("decodes pieces, ▁ spaces and <0xNN> bytes, and skips special tokens", () => {
    const decoder = tokenizerJsonDecoder({
      model: {
        vocab: {
          "<unk>": 0,
          "<s>": 1,
          "</s>": 2,
          "▁Hello": 3,
          ",": 4,
          "▁w": 5,
          orld: 6,
          "<0xF0>": 7,
          "<0x9F>": 8,
          "<0x8E>": 9,
          "<0x89>": 10,
          "▁": 11,
        },
      },
      added_tokens: [
        { id: 12, content: "<<ST_0>>", special: true },
        { id: 13, content: "!", special: false },
      ],
    });
    expect(decoder.decode([1, 3, 4, 5, 6, 13, 11, 7, 8, 9, 10, 12, 2])).toBe("Hello, world! 🎉");
    expect(decoder.decode([99, 12])).toBe("");
  });

  it("matches llama-tokenizer-js on the same vocabulary", async () => {
    const vocab = Object.fromEntries(llamaTokenizer.vocabById.map((piece, id) => [piece, id]));
    const decoder = tokenizerJsonDecoder({ model: { vocab } });
    const llama = await llamaTokenDecoder();
    for (const text of ["Mr. Quilter is the apostle of the middle classes.", "Ça coûte 42 €\tok"]) {
      const ids = llamaTokenizer.encode(text, false);
      expect(decoder.decode(ids)).toBe(llama.decode(ids));
    }
  });

  it("rejects JSON without a vocabulary", () => {
    expect(() => tokenizerJsonDecoder({})).toThrow(/model\.vocab/);
    expect(() => tokenizerJsonDecoder(null)).toThrow(TypeError);
  });
});
