/**
 * Text splitting for streaming text-to-speech: FastRTC's sentence split (reference §10) and
 * the length-limited batches a Kokoro call can take.
 */

/**
 * The characters Python's `str.isspace()` (and so `str.strip()` and the `\s` of a `str` regular
 * expression) treats as whitespace. JavaScript's `\s` differs: it lacks U+001C–U+001F and
 * U+0085 and adds U+FEFF.
 */
const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SENTENCE_BREAK = new RegExp(`(?<=[.!?])[${PY_WHITESPACE}]+`, "u");
const LEADING = new RegExp(`^[${PY_WHITESPACE}]+`, "u");
const TRAILING = new RegExp(`[${PY_WHITESPACE}]+$`, "u");
const BLANK = new RegExp(`^[${PY_WHITESPACE}]*$`, "u");

/**
 * Trims whitespace from both ends as Python's `str.strip()` does.
 *
 * @example
 * ```ts
 * pyStrip("\u001f hi \n"); // "hi"
 * ```
 */
export function pyStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}

/**
 * True when `text` is empty or whitespace only (Python's `not text.strip()`).
 *
 * @example
 * ```ts
 * isBlank(" \t"); // true
 * ```
 */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

/**
 * FastRTC's sentence split for streaming TTS (reference §10, `re.split(r"(?<=[.!?])\s+",
 * text.strip())`): trims the text and splits it at every run of whitespace that follows `.`,
 * `!` or `?`. The pieces keep their punctuation. The result is never empty: blank text gives
 * `[""]`, so callers skip blank pieces (and count pieces by their index in this list).
 *
 * No abbreviation handling, as in FastRTC: `"Dr. Who"` is two pieces.
 *
 * @example
 * ```ts
 * splitSentences("  Hi there. How are you?  Fine!"); // ["Hi there.", "How are you?", "Fine!"]
 * splitSentences("3.14 is pi");                       // ["3.14 is pi"] (no whitespace after ".")
 * splitSentences("   ");                              // [""]
 * ```
 */
export function splitSentences(text: string): string[] {
  return pyStrip(text).split(SENTENCE_BREAK);
}

/**
 * Length of the silence placed before every sentence after the first in a stream:
 * `Math.floor(sampleRate / 7)` samples (≈143 ms), FastRTC's `sample_rate // 7`.
 *
 * @example
 * ```ts
 * sentenceSilenceSamples(24000); // 3428
 * sentenceSilenceSamples(22050); // 3150
 * ```
 */
export function sentenceSilenceSamples(sampleRate: number): number {
  return Math.floor(sampleRate / 7);
}

const BATCH_PUNCTUATION = "!?;,";

function isWhitespace(ch: string | undefined): boolean {
  return ch !== undefined && BLANK.test(ch);
}

/**
 * Splits `text` into trimmed, non-empty pieces of at most `maxLength` characters, using the
 * batching rule FastRTC applies to Kokoro's phonemes (reference §10): while the rest is too
 * long, cut after the last `.` inside the limit, else after the last of `!?;,`, else at the last
 * space, else hard at the limit.
 *
 * Applied here to text rather than phonemes, a punctuation mark only counts when whitespace (or
 * the end of the text) follows it, so that `3.14` or `1,000` are never cut.
 *
 * @param maxLength - Positive integer limit, in UTF-16 code units.
 * @throws RangeError when `maxLength` is not a positive integer.
 * @example
 * ```ts
 * splitTextBatches("One two. Three four, five six", 12); // ["One two.", "Three four,", "five six"]
 * ```
 */
export function splitTextBatches(text: string, maxLength: number): string[] {
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
  const out: string[] = [];
  let rest = pyStrip(text);
  while (rest.length > maxLength) {
    const cut = batchCut(rest, maxLength);
    const piece = pyStrip(rest.slice(0, cut));
    if (piece.length > 0) out.push(piece);
    rest = pyStrip(rest.slice(cut));
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

/** Where to cut `rest` (longer than `max`): an index in 1..max. */
function batchCut(rest: string, max: number): number {
  const endsBatch = (i: number) => i + 1 >= rest.length || isWhitespace(rest[i + 1]);
  for (let i = max - 1; i >= 0; i--) {
    if (rest[i] === "." && endsBatch(i)) return i + 1;
  }
  for (let i = max - 1; i >= 0; i--) {
    const ch = rest[i];
    if (ch !== undefined && BATCH_PUNCTUATION.includes(ch) && endsBatch(i)) return i + 1;
  }
  for (let i = max; i > 0; i--) {
    if (isWhitespace(rest[i])) return i;
  }
  // Hard cut, but never between the two halves of a surrogate pair.
  const code = rest.charCodeAt(max - 1);
  return max > 1 && code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}
