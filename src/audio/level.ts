/**
 * Level of int16 audio in dBFS (mean square against full scale); `-Infinity` for silence or no
 * samples.
 *
 * @example
 * ```ts
 * levelDb(new Int16Array([16384, -16384])); // ≈ -6.02
 * ```
 */
export function levelDb(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    sum += v * v;
  }
  const meanSquare = sum / Math.max(1, samples.length) / (32768 * 32768);
  return meanSquare > 0 ? 10 * Math.log10(meanSquare) : Number.NEGATIVE_INFINITY;
}
