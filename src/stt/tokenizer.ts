/**
 * Token id → text for Moonshine. Moonshine's vocabulary is the LLaMA SentencePiece vocabulary
 * (ids 0–31999) plus special tokens above it, so the default decoder is `llama-tokenizer-js`;
 * a Hugging Face `tokenizer.json` (as shipped with `UsefulSensors/moonshine-base`) can be used
 * instead.
 */
import { readFile } from "node:fs/promises";

/**
 * Turns generated token ids into text.
 *
 * @example
 * ```ts
 * const decoder: TokenDecoder = await loadTokenDecoder();
 * decoder.decode([3237, 29889]); // "Mr."
 * ```
 */
export interface TokenDecoder {
  /** Text of `ids`; special and unknown ids are skipped; no leading or trailing whitespace. */
  decode(ids: readonly number[]): string;
}

/** Ids 0 (`<unk>`), 1 (`<s>`) and 2 (`</s>`) are never text. */
const FIRST_TEXT_ID = 3;

/**
 * The LLaMA vocabulary bundled in `llama-tokenizer-js` (what Moonshine's own JS package uses),
 * imported on first use (it takes ~70 ms to load). Ids outside the 32000-token vocabulary
 * (Moonshine's extra special tokens) are skipped.
 *
 * @example
 * ```ts
 * (await llamaTokenDecoder()).decode([1, 3237, 29889, 2]); // "Mr."
 * ```
 */
export async function llamaTokenDecoder(): Promise<TokenDecoder> {
  const { default: llamaTokenizer } = await import("llama-tokenizer-js");
  const size = llamaTokenizer.vocabById.length;
  return {
    decode(ids) {
      const text = ids.filter((id) => Number.isInteger(id) && id >= FIRST_TEXT_ID && id < size);
      if (text.length === 0) return "";
      return llamaTokenizer.decode(text, false, true).trim();
    },
  };
}

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const SPACE_MARK = "\u2581"; // "▁", SentencePiece's word boundary

interface TokenizerJsonShape {
  model?: { vocab?: Record<string, number> | Array<[string, number]> };
  added_tokens?: Array<{ id?: number; content?: string; special?: boolean }>;
}

/**
 * A decoder built from a Hugging Face `tokenizer.json` of a SentencePiece-style BPE model with
 * byte fallback (Moonshine's): `▁` becomes a space, `<0xNN>` pieces are raw UTF-8 bytes,
 * special added tokens and ids 0–2 are skipped.
 *
 * @param json - The parsed `tokenizer.json`.
 * @throws TypeError when `json` has no `model.vocab`.
 * @example
 * ```ts
 * const decoder = tokenizerJsonDecoder(JSON.parse(await readFile("tokenizer.json", "utf8")));
 * decoder.decode([3237, 29889]); // "Mr."
 * ```
 */
export function tokenizerJsonDecoder(json: unknown): TokenDecoder {
  const shape = json as TokenizerJsonShape;
  const vocab = shape?.model?.vocab;
  if (vocab === undefined || vocab === null || typeof vocab !== "object") {
    throw new TypeError("tokenizer.json has no model.vocab");
  }
  const pieces = new Map<number, string>();
  const entries = Array.isArray(vocab) ? vocab : Object.entries(vocab);
  for (const [piece, id] of entries) {
    if (typeof piece === "string" && Number.isInteger(id)) pieces.set(id, piece);
  }
  const special = new Set<number>();
  for (const t of shape.added_tokens ?? []) {
    if (typeof t.id !== "number") continue;
    if (t.special === true) special.add(t.id);
    else if (typeof t.content === "string") pieces.set(t.id, t.content);
  }
  const encoder = new TextEncoder();
  const utf8 = new TextDecoder();
  return {
    decode(ids) {
      const bytes: number[] = [];
      for (const id of ids) {
        if (id < FIRST_TEXT_ID || special.has(id)) continue;
        const piece = pieces.get(id);
        if (piece === undefined) continue;
        const byte = BYTE_PIECE.exec(piece);
        if (byte !== null) bytes.push(Number.parseInt(byte[1]!, 16));
        else for (const b of encoder.encode(piece.replaceAll(SPACE_MARK, " "))) bytes.push(b);
      }
      return utf8.decode(Uint8Array.from(bytes)).trim();
    },
  };
}

/**
 * The decoder for a model: from `tokenizerPath` (a `tokenizer.json`) when given, else
 * {@link llamaTokenDecoder}.
 *
 * @param tokenizerPath - Optional path of a `tokenizer.json`. Default: none (LLaMA vocabulary).
 * @example
 * ```ts
 * const decoder = await loadTokenDecoder("/cache/moonshine/base/tokenizer.json");
 * ```
 */
export async function loadTokenDecoder(tokenizerPath?: string): Promise<TokenDecoder> {
  if (tokenizerPath === undefined) return llamaTokenDecoder();
  const text = await readFile(tokenizerPath, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${tokenizerPath} is not valid JSON`, { cause: err });
  }
  return tokenizerJsonDecoder(json);
}
