/**
 * The input audio of one connection, kept from a moving start so a turn can be cut out of it
 * later (with its prefix padding, or merged with the turn before it). Positions are absolute
 * sample indices since the connection started.
 *
 * Chunks are kept by reference with their start positions, so `slice` finds its first chunk by
 * binary search and `trimBefore` drops chunks by moving an index (a phone call appends 300
 * chunks a second: no per-call walk over the whole turn, no array shifts).
 *
 * @example
 * ```ts
 * const store = new AudioStore();
 * store.append(frame);
 * const turn = store.slice(onset - padding, store.end);
 * store.trimBefore(store.end - 16000);
 * ```
 */
export class AudioStore {
  #chunks: Int16Array[] = [];
  /** Absolute start of each chunk in `#chunks`. */
  #starts: number[] = [];
  /** Index of the first chunk still kept. */
  #head = 0;
  #start = 0;
  #end = 0;

  /** Index of the first sample still kept. */
  get start(): number {
    return this.#start;
  }

  /** Index just past the last sample appended. */
  get end(): number {
    return this.#end;
  }

  /** Appends samples (kept by reference: do not modify them afterwards). */
  append(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.#chunks.push(samples);
    this.#starts.push(this.#end);
    this.#end += samples.length;
  }

  /** Samples `[from, to)`, clamped to what is kept, as one new array. */
  slice(from: number, to: number = this.#end): Int16Array {
    const a = Math.max(this.#start, Math.floor(from));
    const b = Math.min(this.#end, Math.floor(to));
    if (b <= a) return new Int16Array(0);
    const out = new Int16Array(b - a);
    const chunks = this.#chunks;
    const starts = this.#starts;
    // The last chunk starting at or before `a`.
    let lo = this.#head;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= a) lo = mid;
      else hi = mid - 1;
    }
    let o = 0;
    for (let i = lo; i < chunks.length; i++) {
      const c = chunks[i] as Int16Array;
      const pos = starts[i] as number;
      if (pos >= b) break;
      const s = Math.max(a, pos) - pos;
      const e = Math.min(b, pos + c.length) - pos;
      if (e > s) {
        out.set(c.subarray(s, e), o);
        o += e - s;
      }
    }
    return out;
  }

  /** Forgets whole chunks that end at or before `sample`. */
  trimBefore(sample: number): void {
    const chunks = this.#chunks;
    let head = this.#head;
    while (head < chunks.length) {
      const first = chunks[head] as Int16Array;
      if (this.#start + first.length > sample) break;
      chunks[head] = EMPTY; // let the GC have it now
      head++;
      this.#start += first.length;
    }
    // Compact now and then, in one step, when the dropped part is the larger one.
    if (head >= 256 && head * 2 >= chunks.length) {
      chunks.splice(0, head);
      this.#starts.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }
}

const EMPTY = new Int16Array(0);
