/**
 * The input audio of one connection, kept from a moving start so a turn can be cut out of it
 * later (with its prefix padding, or merged with the turn before it). Positions are absolute
 * sample indices since the connection started.
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
    this.#end += samples.length;
  }

  /** Samples `[from, to)`, clamped to what is kept, as one new array. */
  slice(from: number, to: number = this.#end): Int16Array {
    const a = Math.max(this.#start, Math.floor(from));
    const b = Math.min(this.#end, Math.floor(to));
    if (b <= a) return new Int16Array(0);
    const out = new Int16Array(b - a);
    let pos = this.#start;
    let o = 0;
    for (const c of this.#chunks) {
      const cEnd = pos + c.length;
      if (cEnd > a && pos < b) {
        const s = Math.max(a, pos) - pos;
        const e = Math.min(b, cEnd) - pos;
        out.set(c.subarray(s, e), o);
        o += e - s;
      }
      pos = cEnd;
      if (pos >= b) break;
    }
    return out;
  }

  /** Forgets whole chunks that end at or before `sample`. */
  trimBefore(sample: number): void {
    while (this.#chunks.length > 0) {
      const first = this.#chunks[0] as Int16Array;
      if (this.#start + first.length > sample) break;
      this.#chunks.shift();
      this.#start += first.length;
    }
  }
}
