/**
 * Test helper: word error rate, the usual speech-recognition accuracy measure. Not part of the
 * published package.
 */

/**
 * The words of `text` for scoring: Unicode-normalised, lower-cased, apostrophes removed
 * ("don't" → "dont"), every other character that is not a letter or digit treated as a space.
 *
 * @example
 * ```ts
 * normalizeWords("Mr. Quilter's gospel!"); // ["mr", "quilters", "gospel"]
 * ```
 */
export function normalizeWords(text: string): string[] {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/['\u2019\u2018`]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter((w) => w !== "");
}

/**
 * Word-level edit distance (substitutions + deletions + insertions) between `reference` and
 * `hypothesis`, after {@link normalizeWords}.
 *
 * @example
 * ```ts
 * wordEditDistance("a b c", "a x c d"); // 2 (one substitution, one insertion)
 * ```
 */
export function wordEditDistance(reference: string, hypothesis: string): number {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const row = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const same = ref[i - 1] === hyp[j - 1];
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (same ? 0 : 1));
    }
    prev = row;
  }
  return prev[hyp.length]!;
}

/**
 * Word error rate: {@link wordEditDistance} divided by the number of reference words (0 = exact;
 * can exceed 1 with many insertions). An empty reference gives 0 for an empty hypothesis, else 1.
 *
 * @example
 * ```ts
 * wer("Mr. Quilter is the apostle", "mister quilter is the apostle"); // 0.2
 * ```
 */
export function wer(reference: string, hypothesis: string): number {
  const n = normalizeWords(reference).length;
  if (n === 0) return normalizeWords(hypothesis).length === 0 ? 0 : 1;
  return wordEditDistance(reference, hypothesis) / n;
}
