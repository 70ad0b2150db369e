/**
 * A small streaming sample-rate converter for the browser-safe client (the server-side
 * resampler in `src/audio` pulls in the Node logger).
 *
 * Output sample `n` is the input interpolated at input time `t = n · inRate / outRate` with a
 * Blackman-windowed sinc whose cutoff sits at 92 % of the lower Nyquist frequency (anti-aliasing
 * when downsampling). With `outRate / inRate = L / M` in lowest terms, `t` takes only `L`
 * fractional positions, whose weights are precomputed when that table is small.
 *
 * @module
 */

/** Zero crossings of the sinc on each side of the centre (at the lower rate). */
const ZERO_CROSSINGS = 8;
/** Cutoff as a fraction of the lower Nyquist frequency. */
const CUTOFF = 0.92;
/** Largest precomputed weight table (floats); larger ones are evaluated per output sample. */
const MAX_BANK = 1 << 18;

/**
 * Streaming resampler for mono float audio (nominally in [-1, 1]). Feed any chunk sizes: the
 * output is the same as for one call with the whole signal. Latency: about
 * `8 · max(1, inRate / outRate)` input samples (under 1 ms for speech rates), returned by
 * {@link flush}.
 *
 * @example
 * ```ts
 * const rs = new ClientResampler(16000, 48000);
 * const a = rs.process(chunk1);  // ~3× as many samples
 * const b = rs.process(chunk2);
 * const tail = rs.flush();       // the last few samples; the resampler is then reset
 * ```
 */
export class ClientResampler {
  /** Input sample rate in Hz. */
  readonly inputRate: number;
  /** Output sample rate in Hz. */
  readonly outputRate: number;
  readonly #l: number;
  readonly #m: number;
  /** Taps on each side of the centre, in input samples. */
  readonly #half: number;
  /** Cutoff relative to the input's Nyquist frequency. */
  readonly #cutoff: number;
  /** Weights per phase (`#l` rows of `2·#half`), or null when evaluated on the fly. */
  readonly #bank: Float32Array | null;
  readonly #scratch: Float32Array;
  #buf = new Float32Array(0);
  /** Valid samples in #buf. */
  #len = 0;
  /** Absolute input index of #buf[0] (negative: leading zeros stand for "before the start"). */
  #start = 0;
  /** Input samples received since the last reset. */
  #inCount = 0;
  /** floor(n·M / L) and (n·M mod L) for the next output sample n. */
  #base = 0;
  #phase = 0;

  /**
   * @param inputRate input rate in Hz (positive integer).
   * @param outputRate output rate in Hz (positive integer).
   * @throws RangeError for a rate that is not a positive integer.
   */
  constructor(inputRate: number, outputRate: number) {
    assertRate(inputRate, "input");
    assertRate(outputRate, "output");
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    const g = gcd(inputRate, outputRate);
    this.#l = outputRate / g;
    this.#m = inputRate / g;
    const ratio = Math.min(1, outputRate / inputRate);
    this.#cutoff = CUTOFF * ratio;
    this.#half = Math.ceil(ZERO_CROSSINGS / ratio);
    const taps = 2 * this.#half;
    this.#scratch = new Float32Array(taps);
    if (this.#l * taps <= MAX_BANK && inputRate !== outputRate) {
      const bank = new Float32Array(this.#l * taps);
      for (let p = 0; p < this.#l; p++) bank.set(this.#weights(p), p * taps); // set() copies
      this.#bank = bank;
    } else {
      this.#bank = null;
    }
    this.reset();
  }

  /** Forgets buffered input, as if freshly constructed. */
  reset(): void {
    this.#inCount = 0;
    this.#base = 0;
    this.#phase = 0;
    this.#start = -this.#half;
    if (this.#buf.length < this.#half + 4096) this.#buf = new Float32Array(this.#half + 4096);
    this.#buf.fill(0, 0, this.#half);
    this.#len = this.#half;
  }

  /**
   * Feeds samples; returns every output sample that is now complete (a new array, possibly
   * empty). With equal rates the input is returned as a copy.
   */
  process(input: Float32Array): Float32Array {
    if (this.inputRate === this.outputRate) return input.slice();
    this.#append(input);
    this.#inCount += input.length;
    return this.#run(this.#inCount - this.#half);
  }

  /**
   * Returns the outputs still owed for the input so far (the input is taken to be followed by
   * silence), then resets. Over a whole stream, `process` + `flush` return
   * `ceil(inputLength · outputRate / inputRate)` samples.
   */
  flush(): Float32Array {
    if (this.inputRate === this.outputRate) return new Float32Array(0);
    this.#append(new Float32Array(this.#half));
    const out = this.#run(this.#inCount);
    this.reset();
    return out;
  }

  /** Computes outputs while floor(t) < `limit` (absolute input index). */
  #run(limit: number): Float32Array {
    const l = this.#l;
    const m = this.#m;
    let count = 0;
    {
      // number of outputs n with base(n) < limit
      let b = this.#base;
      let p = this.#phase;
      while (b < limit) {
        count++;
        p += m;
        const q = Math.floor(p / l);
        b += q;
        p -= q * l;
      }
    }
    const out = new Float32Array(count);
    const taps = 2 * this.#half;
    const buf = this.#buf;
    for (let n = 0; n < count; n++) {
      const w = this.#bank === null ? this.#weights(this.#phase) : null;
      const bank = this.#bank;
      const row = this.#phase * taps;
      // taps cover input indices base - half + 1 ..= base + half
      const first = this.#base - this.#half + 1 - this.#start;
      let acc = 0;
      if (w !== null) {
        for (let k = 0; k < taps; k++) acc += buf[first + k]! * w[k]!;
      } else if (bank !== null) {
        for (let k = 0; k < taps; k++) acc += buf[first + k]! * bank[row + k]!;
      }
      out[n] = acc;
      this.#phase += m;
      const q = Math.floor(this.#phase / l);
      this.#base += q;
      this.#phase -= q * l;
    }
    this.#compact();
    return out;
  }

  /**
   * The weights of phase `p` (fraction `p / L` past an input sample), summing to 1, in a
   * scratch array that the next call overwrites.
   */
  #weights(p: number): Float32Array {
    const w = this.#scratch;
    const frac = p / this.#l;
    const half = this.#half;
    const c = this.#cutoff;
    let sum = 0;
    for (let k = -half + 1; k <= half; k++) {
      const x = k - frac;
      const u = x / half;
      const window =
        Math.abs(u) >= 1
          ? 0
          : 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
      const y = c * x;
      const sinc = y === 0 ? 1 : Math.sin(Math.PI * y) / (Math.PI * y);
      const v = c * sinc * window;
      w[k + half - 1] = v;
      sum += v;
    }
    if (sum !== 0) for (let i = 0; i < w.length; i++) w[i] = w[i]! / sum;
    return w;
  }

  #append(input: Float32Array): void {
    const need = this.#len + input.length;
    if (need > this.#buf.length) {
      const grown = new Float32Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(input, this.#len);
    this.#len = need;
  }

  /** Drops input no future output needs (below base - half + 1). */
  #compact(): void {
    const keepFrom = this.#base - this.#half + 1 - this.#start;
    if (keepFrom <= 0) return;
    const drop = Math.min(keepFrom, this.#len);
    this.#buf.copyWithin(0, drop, this.#len);
    this.#len -= drop;
    this.#start += drop;
  }
}

/**
 * Converts float samples (nominally [-1, 1]) to 16-bit PCM: `× 32768`, rounded, saturated.
 *
 * @example
 * ```ts
 * floatToPcm16(new Float32Array([0, 0.5, -1, 2])); // Int16Array [0, 16384, -32768, 32767]
 * ```
 */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = Math.round(input[i]! * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/**
 * Converts 16-bit PCM to float samples (`/ 32768`).
 *
 * @example
 * ```ts
 * pcm16ToFloat(new Int16Array([16384])); // Float32Array [0.5]
 * ```
 */
export function pcm16ToFloat(input: Int16Array): Float32Array {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! / 32768;
  return out;
}

function assertRate(rate: number, what: string): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > 384_000) {
    throw new RangeError(`${what} sample rate must be an integer in 1..=384000, got ${rate}`);
  }
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
