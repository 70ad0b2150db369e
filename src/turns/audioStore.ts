/**
 * The input audio of one connection, kept from a moving start so a turn can be cut out of it
 * later (with its prefix padding, or merged with the turn before it). Positions are absolute
 * sample indices since the connection started.
 *
 * Samples are copied into fixed-size blocks, so the store holds no reference to the frames it was
 * given: they die young instead of living in the old generation for a whole turn (a phone call
 * appends 50 frames a second; each held frame is several heap objects the mark-compacts would
 * have to trace and free). Trimming still drops whole appended chunks, as a list of their start
 * positions records; a block goes when no kept sample is in it.
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
  readonly #blockSize: number;
  /** Storage: the block with absolute number `k` holds samples `[k·size, (k+1)·size)`. */
  #blocks: Int16Array[] = [];
  /** Absolute number of `#blocks[0]`. */
  #firstBlock = 0;
  /** A dropped block kept for reuse. */
  #spare: Int16Array | null = null;
  /** Absolute start of each appended chunk (from `#head` on: the ones still kept). */
  #starts: number[] = [];
  /** Index in `#starts` of the first chunk still kept. */
  #head = 0;
  #start = 0;
  #end = 0;

  /**
   * @param blockSize - Samples per storage block (default 32,768: 0.68 s at 48 kHz). Smaller
   *   blocks only for tests.
   */
  constructor(blockSize = 32_768) {
    if (!Number.isInteger(blockSize) || blockSize < 1) {
      throw new RangeError(`AudioStore blockSize must be a positive integer, got ${blockSize}`);
    }
    this.#blockSize = blockSize;
  }

  /** Index of the first sample still kept. */
  get start(): number {
    return this.#start;
  }

  /** Index just past the last sample appended. */
  get end(): number {
    return this.#end;
  }

  /** Appends a copy of `samples`. */
  append(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.#starts.push(this.#end);
    const size = this.#blockSize;
    let pos = this.#end;
    let i = 0;
    while (i < samples.length) {
      const k = Math.floor(pos / size) - this.#firstBlock;
      let block = this.#blocks[k];
      if (block === undefined) {
        block = this.#spare ?? new Int16Array(size);
        this.#spare = null;
        this.#blocks.push(block);
      }
      const off = pos - (k + this.#firstBlock) * size;
      const n = Math.min(size - off, samples.length - i);
      block.set(n === samples.length ? samples : samples.subarray(i, i + n), off);
      i += n;
      pos += n;
    }
    this.#end = pos;
  }

  /** Samples `[from, to)`, clamped to what is kept, as one new array. */
  slice(from: number, to: number = this.#end): Int16Array {
    const a = Math.max(this.#start, Math.floor(from));
    const b = Math.min(this.#end, Math.floor(to));
    if (b <= a) return new Int16Array(0);
    const out = new Int16Array(b - a);
    const size = this.#blockSize;
    let pos = a;
    while (pos < b) {
      const abs = Math.floor(pos / size);
      const block = this.#blocks[abs - this.#firstBlock] as Int16Array;
      const off = pos - abs * size;
      const n = Math.min(size - off, b - pos);
      out.set(block.subarray(off, off + n), pos - a);
      pos += n;
    }
    return out;
  }

  /** Forgets whole appended chunks that end at or before `sample`. */
  trimBefore(sample: number): void {
    const starts = this.#starts;
    let head = this.#head;
    while (head < starts.length) {
      const next = head + 1 < starts.length ? (starts[head + 1] as number) : this.#end;
      if (next > sample) break;
      head++;
      this.#start = next;
    }
    // Compact now and then, in one step, when the dropped part is the larger one.
    if (head >= 256 && head * 2 >= starts.length) {
      starts.splice(0, head);
      head = 0;
    }
    this.#head = head;
    // Blocks that end at or before the first kept sample.
    const keepFrom = Math.floor(this.#start / this.#blockSize);
    while (this.#firstBlock < keepFrom && this.#blocks.length > 0) {
      this.#spare = this.#blocks.shift() as Int16Array;
      this.#firstBlock++;
    }
    if (this.#blocks.length === 0) this.#firstBlock = keepFrom;
  }
}
