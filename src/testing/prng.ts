/**
 * A small seeded PRNG for tests and benchmarks (mulberry32): 32-bit state, uniform doubles in
 * [0, 1), so a seed gives the same cases on every run.
 */

/** Printable ASCII, the default alphabet of {@link Prng.string}. */
export const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");

/**
 * A small seeded PRNG (mulberry32): 32-bit state, uniform doubles in [0, 1).
 *
 * @internal
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A double in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** A string of `n` characters drawn from `alphabet`. */
  string(n: number, alphabet = ASCII): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/**
 * The generator of a {@link Prng} as a plain function.
 *
 * @example
 * ```ts
 * const rnd = seeded(7);
 * const n = Math.floor(rnd() * 200);
 * ```
 */
export function seeded(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}
