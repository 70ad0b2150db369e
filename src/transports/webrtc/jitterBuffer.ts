/**
 * What a {@link JitterBuffer} releases, in sequence order: a packet, or the sequence number of a
 * packet that is given up as lost (the caller conceals it).
 */
export type JitterOutput<T> =
  | { kind: "packet"; seq: number; item: T }
  | { kind: "lost"; seq: number };

/**
 * Options of a {@link JitterBuffer}.
 *
 * @example
 * ```ts
 * new JitterBuffer<Uint8Array>({ maxHeldPackets: 3 });
 * ```
 */
export interface JitterBufferOptions {
  /**
   * How many packets may wait behind a missing one before it is declared lost. Each packet is
   * 20 ms for Opus, so the default `3` bounds the added delay to 60 ms, and only while reordering.
   */
  maxHeldPackets?: number;
  /**
   * A jump in sequence numbers larger than this is a new stream (a restarted sender), not loss:
   * the buffer restarts at the new number without reporting losses. Default `100`.
   */
  maxGap?: number;
  /** At most this many losses are reported for one gap (to conceal with). Default `5`. */
  maxConcealed?: number;
}

/** Signed distance from `b` to `a` on the 16-bit sequence-number circle. */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/**
 * Puts RTP packets back in order by 16-bit sequence number (with wrap-around), drops duplicates
 * and late arrivals, and reports gaps as losses once enough later packets have arrived.
 * Packets that arrive in order pass straight through with no added delay.
 *
 * @example
 * ```ts
 * const jb = new JitterBuffer<Uint8Array>();
 * for (const out of jb.push(rtp.header.sequenceNumber, rtp.payload)) {
 *   if (out.kind === "packet") decode(out.item); else conceal();
 * }
 * ```
 */
export class JitterBuffer<T> {
  readonly #held = new Map<number, T>();
  readonly #maxHeld: number;
  readonly #maxGap: number;
  readonly #maxConcealed: number;
  #next: number | null = null;
  /** Packets dropped as duplicates or too late. */
  dropped = 0;
  /** Packets reported lost. */
  lost = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.#maxHeld = Math.max(0, options.maxHeldPackets ?? 3);
    this.#maxGap = Math.max(1, options.maxGap ?? 100);
    this.#maxConcealed = Math.max(0, options.maxConcealed ?? 5);
  }

  /** Number of packets waiting behind a gap. */
  get held(): number {
    return this.#held.size;
  }

  /** Adds one packet and returns everything that can now be released, in order. */
  push(seq: number, item: T): JitterOutput<T>[] {
    const out: JitterOutput<T>[] = [];
    seq &= 0xffff;
    if (this.#next === null) this.#next = seq;
    const d = seqDiff(seq, this.#next);
    if (d < 0 || this.#held.has(seq)) {
      this.dropped++;
      return out;
    }
    if (d === 0 && this.#held.size === 0) {
      // In order with nothing held (nearly every packet): no trip through the map, whose
      // set/delete pairs reallocate its table every few packets.
      this.#next = (seq + 1) & 0xffff;
      out.push({ kind: "packet", seq, item });
      return out;
    }
    if (d > this.#maxGap) {
      this.#drainAll(out, false);
      this.#next = seq;
    }
    this.#held.set(seq, item);
    this.#release(out);
    while (this.#held.size > this.#maxHeld) {
      this.#skipGap(out);
      this.#release(out);
    }
    return out;
  }

  /** Releases everything held (gaps reported as losses), e.g. when the stream ends. */
  flush(): JitterOutput<T>[] {
    const out: JitterOutput<T>[] = [];
    this.#drainAll(out, true);
    return out;
  }

  #release(out: JitterOutput<T>[]): void {
    let next = this.#next;
    if (next === null) return;
    for (let item = this.#held.get(next); item !== undefined; item = this.#held.get(next)) {
      this.#held.delete(next);
      out.push({ kind: "packet", seq: next, item });
      next = (next + 1) & 0xffff;
    }
    this.#next = next;
  }

  /** Gives up on the missing packets before the oldest held one. */
  #skipGap(out: JitterOutput<T>[]): void {
    const next = this.#next ?? 0;
    const gap = this.#gapBeforeOldest();
    for (let i = 0; i < gap; i++) {
      this.lost++;
      if (i < this.#maxConcealed) out.push({ kind: "lost", seq: (next + i) & 0xffff });
    }
    this.#next = (next + gap) & 0xffff;
  }

  /** How many sequence numbers are missing before the oldest held packet. */
  #gapBeforeOldest(): number {
    const next = this.#next ?? 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const seq of this.#held.keys()) oldest = Math.min(oldest, seqDiff(seq, next));
    return Number.isFinite(oldest) ? oldest : 0;
  }

  #drainAll(out: JitterOutput<T>[], reportLosses: boolean): void {
    while (this.#held.size > 0) {
      if (reportLosses) this.#skipGap(out);
      else this.#next = ((this.#next ?? 0) + this.#gapBeforeOldest()) & 0xffff;
      this.#release(out);
    }
  }
}
