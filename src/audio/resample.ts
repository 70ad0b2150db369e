/**
 * Sample-rate conversion: a streaming rational polyphase FIR resampler with a Kaiser-windowed
 * sinc prototype, plus one-shot helpers.
 *
 * How it works. Output sample `n` is the band-limited interpolation of the input at input time
 * `t = (n - delay) · inRate / outRate`: a weighted sum of the input samples within a fixed
 * window around `t`. The weights are a windowed sinc whose cutoff sits between the passband edge
 * and the Nyquist frequency of the lower of the two rates. With `L/M = outRate/inRate` reduced
 * by their gcd, `t` only ever takes `L` distinct fractional positions, so for modest `L` the
 * weights of every position are precomputed ("polyphase bank"). For large `L` (odd ratios such
 * as 7999 → 48000) the weights are read from an oversampled table of the prototype with linear
 * interpolation, so any ratio works in bounded memory. Tables are shared between instances.
 */
import { type FirKernel, getFirKernel } from "./firKernel.js";
import { assertSampleRate, describeType, floatToInt16Rounded } from "./pcm.js";

/**
 * Quality preset of a {@link StreamingResampler} (see {@link StreamingResamplerOptions}).
 *
 * @example
 * ```ts
 * const q: ResampleQuality = "fast";
 * ```
 */
export type ResampleQuality = "fast" | "high";

/**
 * Options of a {@link StreamingResampler}.
 *
 * @example
 * ```ts
 * new StreamingResampler(48000, 16000, { quality: "fast" });
 * ```
 */
export interface StreamingResamplerOptions {
  /**
   * `"high"` (default): stopband ≥ 80 dB from the lower Nyquist frequency up, passband flat
   * within ±0.01 dB up to 0.8 × that Nyquist frequency. `"fast"`: about half the work, ≥ 60 dB
   * stopband, passband flat up to 0.75 × Nyquist.
   */
  quality?: ResampleQuality;
}

interface QualitySpec {
  /** Design stopband attenuation in dB (Kaiser's formula). */
  attenuation: number;
  /** Passband edge as a fraction of the lower Nyquist frequency. */
  passEdge: number;
  /** Stopband edge as a fraction of the lower Nyquist frequency. */
  stopEdge: number;
}

const QUALITY: Record<ResampleQuality, QualitySpec> = {
  high: { attenuation: 84, passEdge: 0.8, stopEdge: 1.0 },
  fast: { attenuation: 62, passEdge: 0.75, stopEdge: 1.0 },
};

/** Table entries per zero crossing of the interpolated prototype. */
const TABLE_DENSITY = 512;
/** Largest polyphase bank (coefficients, 4 bytes each) precomputed; larger ones use the table. */
const MAX_BANK_SIZE = 1 << 16;

/** The windowed-sinc prototype, in units of zero crossings: `K(u) = sinc(u) · kaiser(u / Z)`. */
interface Prototype {
  /** Half-length in zero crossings. */
  zeroCrossings: number;
  /** Cutoff as a fraction of the lower Nyquist frequency. */
  cutoff: number;
  beta: number;
  i0Beta: number;
  /** `K(k / TABLE_DENSITY)` for k = 0 ... zeroCrossings·TABLE_DENSITY, then zeros. Lazily built. */
  table?: Float64Array;
}

const prototypes = new Map<ResampleQuality, Prototype>();

function besselI0(x: number): number {
  // Power series; converges quickly for the β values used here (< 10).
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function prototypeFor(quality: ResampleQuality): Prototype {
  let p = prototypes.get(quality);
  if (p) return p;
  const { attenuation: a, passEdge, stopEdge } = QUALITY[quality];
  const cutoff = (passEdge + stopEdge) / 2;
  const transition = stopEdge - passEdge;
  // Kaiser: taps - 1 = (A - 7.95) / (2.285 · Δω). Expressed in zero crossings of the sinc whose
  // cutoff is `cutoff`, the half length no longer depends on the sample rates.
  const zeroCrossings = ((a - 7.95) * cutoff) / (2.285 * 2 * Math.PI * transition);
  const beta = a > 50 ? 0.1102 * (a - 8.7) : 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  p = { zeroCrossings, cutoff, beta, i0Beta: besselI0(beta) };
  prototypes.set(quality, p);
  return p;
}

function kernel(p: Prototype, u: number): number {
  const au = Math.abs(u);
  if (au >= p.zeroCrossings) return 0;
  const r = au / p.zeroCrossings;
  const w = besselI0(p.beta * Math.sqrt(1 - r * r)) / p.i0Beta;
  if (au < 1e-12) return w;
  const x = Math.PI * u;
  return (Math.sin(x) / x) * w;
}

function kernelTable(p: Prototype): Float64Array {
  if (p.table) return p.table;
  const n = Math.ceil(p.zeroCrossings * TABLE_DENSITY);
  const t = new Float64Array(n + 2);
  for (let k = 0; k <= n; k++) t[k] = kernel(p, k / TABLE_DENSITY);
  p.table = t;
  return t;
}

/** Everything needed to filter one rate pair; shared between instances with the same key. */
interface Design {
  /** Output/input ratio L/M in lowest terms. */
  l: number;
  m: number;
  /** Cutoff relative to the input Nyquist·2: coefficients are `rho · K(rho · τ)`. */
  rho: number;
  /** Taps span input offsets `-j ... j + 1` around `floor(t)`. */
  j: number;
  taps: number;
  /** Group delay in output samples. */
  delay: number;
  /**
   * Polyphase bank: `taps` coefficients per phase, `l` phases, in single precision (the filter
   * runs in single precision). Absent → interpolated table.
   */
  bank: Float32Array | undefined;
  /** Interpolated-table mode: `K` sampled at TABLE_DENSITY per zero crossing. */
  table: Float64Array | undefined;
  /** Index limit into `table` (inclusive); beyond it the kernel is zero. */
  tableLimit: number;
}

const designs = new Map<string, Design>();

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

function designFor(inputRate: number, outputRate: number, quality: ResampleQuality): Design {
  const g = gcd(inputRate, outputRate);
  const l = outputRate / g;
  const m = inputRate / g;
  const key = `${l}/${m}/${quality}`;
  const cached = designs.get(key);
  if (cached) return cached;
  const p = prototypeFor(quality);
  const rho = (p.cutoff * Math.min(inputRate, outputRate)) / inputRate;
  const halfWidth = p.zeroCrossings / rho; // in input samples
  const j = Math.ceil(halfWidth);
  const taps = 2 * j + 2;
  // Output n reads input up to floor((n - delay)·m/l) + j + 1; with delay·m/l ≥ j + 2 that is
  // always below the nominal position n·m/l, so output n is ready as soon as n·m/l < inputs seen.
  const delay = Math.ceil(((j + 2) * l) / m);
  let bank: Float32Array | undefined;
  let table: Float64Array | undefined;
  if (l * taps <= MAX_BANK_SIZE) {
    bank = new Float32Array(l * taps);
    for (let phase = 0; phase < l; phase++) {
      const frac = phase / l;
      let sum = 0;
      const row = new Float64Array(taps);
      for (let i = 0; i < taps; i++) {
        const c = rho * kernel(p, rho * (frac + j - i));
        row[i] = c;
        sum += c;
      }
      // Unity DC gain for every phase (no phase-dependent gain ripple).
      for (let i = 0; i < taps; i++) bank[phase * taps + i] = row[i]! / sum;
    }
  } else {
    table = kernelTable(p);
  }
  const d: Design = {
    l,
    m,
    rho,
    j,
    taps,
    delay,
    bank,
    table,
    tableLimit: Math.ceil(p.zeroCrossings * TABLE_DENSITY),
  };
  designs.set(key, d);
  return d;
}

const EMPTY = new Float32Array(0);
/** The JavaScript loop's eight partial sums (see `#run`). */
const ACC8 = new Float32Array(8);

function assertFloat32(input: unknown): asserts input is Float32Array {
  if (!(input instanceof Float32Array)) {
    throw new TypeError(`resampler input must be a Float32Array, got ${describeType(input)}`);
  }
}

/**
 * Streaming sample-rate converter for one mono channel of float audio.
 *
 * State is carried across {@link process} calls, so feeding a signal in any number of pieces
 * yields bit-for-bit the same output as feeding it at once. After `N` input samples in total it
 * has produced exactly `ceil(N · outputRate / inputRate)` output samples (e.g. exactly 320 per
 * 960-sample frame for 48 kHz → 16 kHz). The output lags the input by {@link delaySamples}
 * output samples (about 1.6–1.8 ms with the default quality); {@link resample} compensates that
 * for whole buffers. Equal rates pass the audio through unchanged (as a copy) with no delay.
 *
 * For multi-channel audio use one instance per channel (see `deinterleave`).
 *
 * @example
 * ```ts
 * const rs = new StreamingResampler(48000, 16000);
 * for (const frame of frames48k) send(rs.process(frame)); // 960 in → 320 out
 * send(rs.flush()); // the last delaySamples samples; the resampler is then reset
 * ```
 */
export class StreamingResampler {
  /** Input sample rate in Hz. */
  readonly inputRate: number;
  /** Output sample rate in Hz. */
  readonly outputRate: number;
  /** Group delay in output samples: an impulse at input time `t` s appears at output index `round(t · outputRate) + delaySamples`. */
  readonly delaySamples: number;

  readonly #d: Design | undefined;
  #buf: Float32Array = EMPTY;
  /** Valid samples in #buf. */
  #len = 0;
  /** Absolute input index of #buf[0] (negative while the leading zero padding is in use). */
  #bufBase = 0;
  /** Input samples received since the last reset. */
  #inCount = 0;
  /** floor/mod of (n - delay)·m / l for the next output n. */
  #base = 0;
  #phase = 0;
  /** floor/mod of n·m / l for the next output n (decides when it is ready). */
  #nomBase = 0;
  #nomPhase = 0;

  /**
   * @param inputRate input sample rate in Hz (integer, 1 ..= 384000).
   * @param outputRate output sample rate in Hz (integer, 1 ..= 384000).
   * @param options `quality` (default `"high"`).
   * @throws TypeError / RangeError for invalid rates or an unknown quality.
   */
  constructor(inputRate: number, outputRate: number, options: StreamingResamplerOptions = {}) {
    assertSampleRate(inputRate, "input sample rate");
    assertSampleRate(outputRate, "output sample rate");
    const quality = options.quality ?? "high";
    if (quality !== "high" && quality !== "fast") {
      throw new TypeError(`quality must be "fast" or "high", got ${String(quality)}`);
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.#d = inputRate === outputRate ? undefined : designFor(inputRate, outputRate, quality);
    this.delaySamples = this.#d?.delay ?? 0;
    this.reset();
  }

  /** Forgets all buffered input, as if freshly constructed. */
  reset(): void {
    const d = this.#d;
    this.#inCount = 0;
    this.#nomBase = 0;
    this.#nomPhase = 0;
    if (!d) return;
    const num = -d.delay * d.m;
    this.#base = Math.floor(num / d.l);
    this.#phase = num - this.#base * d.l;
    // Leading zeros stand for the input before the stream started.
    this.#bufBase = this.#base - d.j;
    const pad = -this.#bufBase;
    if (this.#buf.length < pad + 4096) this.#buf = new Float32Array(pad + 4096);
    this.#buf.fill(0, 0, pad);
    this.#len = pad;
  }

  /**
   * Feeds input samples and returns every output sample that is now complete (a new array;
   * possibly empty).
   *
   * @throws TypeError if `input` is not a Float32Array.
   */
  process(input: Float32Array): Float32Array {
    assertFloat32(input);
    const d = this.#d;
    if (!d) return input.slice();
    const out = this.#run(this.#feed(input, d));
    this.#compact();
    return out;
  }

  /**
   * As {@link process}, for a caller that copies the outputs before it resamples anything else:
   * int16 input is read as `audioToFloat32` would scale it (÷ 32768) without a float copy, and
   * with the WebAssembly kernel the result is a view of the kernel's memory, which the next
   * resampler call on this thread (of any resampler) overwrites. No array is made per call there.
   *
   * @example
   * ```ts
   * const down = new StreamingResampler(48000, 16000, { quality: "fast" });
   * frame.set(down.processTransient(pcm48k)); // copied at once
   * ```
   * @throws TypeError if `input` is neither a Float32Array nor an Int16Array.
   */
  processTransient(input: Float32Array | Int16Array): Float32Array {
    if (!(input instanceof Int16Array)) assertFloat32(input);
    const d = this.#d;
    if (!d) {
      // (Not convert.ts's audioToFloat32: the browser client bundles this file without it.)
      if (!(input instanceof Int16Array)) return input;
      const out = new Float32Array(input.length);
      for (let i = 0; i < input.length; i++) out[i] = (input[i] as number) / 32768;
      return out;
    }
    const count = this.#feed(input, d);
    const bank = d.bank;
    const kernel = bank && count > 0 ? getFirKernel() : null;
    const out =
      bank && kernel
        ? kernel.viewFloat(this.#runKernel(kernel, bank, count), count)
        : this.#run(count);
    this.#compact();
    return out;
  }

  /**
   * As {@link process}, with the outputs as int16 (`Math.round(x · 32768)`, clipped: the same as
   * `floatToInt16Rounded(process(input))`) and, with the WebAssembly kernel, no float array in
   * between. Int16 input is read as `audioToFloat32` would scale it (÷ 32768), without a copy.
   *
   * @example
   * ```ts
   * const up = new StreamingResampler(8000, 48000, { quality: "fast" });
   * const pcm = up.processInt16(wireFloats); // Int16Array at 48 kHz
   * ```
   * @throws TypeError if `input` is neither a Float32Array nor an Int16Array.
   */
  processInt16(input: Float32Array | Int16Array): Int16Array {
    if (!(input instanceof Int16Array)) assertFloat32(input);
    const d = this.#d;
    if (!d) return input instanceof Int16Array ? input.slice() : floatToInt16Rounded(input);
    const count = this.#feed(input, d);
    const bank = d.bank;
    const kernel = bank && count > 0 ? getFirKernel() : null;
    let out: Int16Array;
    if (bank && kernel) {
      out = kernel.readInt16(this.#runKernel(kernel, bank, count), count);
    } else {
      out = floatToInt16Rounded(this.#run(count));
    }
    this.#compact();
    return out;
  }

  /** Buffers `input`; returns how many outputs are now complete. */
  #feed(input: Float32Array | Int16Array, d: Design): number {
    this.#append(input, input.length);
    this.#inCount += input.length;
    // Outputs n with n·m < inCount·l, counted from the current (nomBase, nomPhase).
    const r = (this.#inCount - this.#nomBase) * d.l - this.#nomPhase;
    return r > 0 ? Math.ceil(r / d.m) : 0;
  }

  /**
   * Ends the stream: returns the remaining {@link delaySamples} output samples (the tail still
   * inside the filter, computed as if the input continued with silence) and then resets the
   * resampler so it can be reused for a new stream. Returns an empty array if nothing was fed
   * since the last reset.
   */
  flush(): Float32Array {
    const d = this.#d;
    if (!d || this.#inCount === 0) {
      this.reset();
      return new Float32Array(0);
    }
    this.#append(undefined, d.j + 2);
    const out = this.#run(d.delay);
    this.reset();
    return out;
  }

  /** Appends `n` samples of `input`, or `n` zeros when `input` is undefined. */
  #append(input: Float32Array | Int16Array | undefined, n: number): void {
    const need = this.#len + n;
    if (need > this.#buf.length) {
      const next = new Float32Array(Math.max(need, this.#buf.length * 2));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    if (input instanceof Int16Array) {
      // Scaled as audioToFloat32 does, straight into the buffer.
      const buf = this.#buf;
      const at = this.#len;
      for (let i = 0; i < n; i++) buf[at + i] = (input[i] as number) / 32768;
    } else if (input) this.#buf.set(input, this.#len);
    else this.#buf.fill(0, this.#len, need);
    this.#len = need;
  }

  /** Drops input samples no future output needs. */
  #compact(): void {
    const d = this.#d!;
    const drop = this.#base - d.j - this.#bufBase;
    if (drop <= 0) return;
    this.#buf.copyWithin(0, drop, this.#len);
    this.#len -= drop;
    this.#bufBase += drop;
  }

  /**
   * Computes the next `count` outputs with the WebAssembly kernel and moves the positions on by
   * `count` at once; returns where the kernel left them.
   */
  #runKernel(kernel: FirKernel, bank: Float32Array, count: number): number {
    const d = this.#d!;
    const l = d.l;
    const mq = Math.floor(d.m / l);
    const mr = d.m - mq * l;
    const off = this.#base - d.j - this.#bufBase;
    const at = kernel.run(bank, this.#buf, off, this.#len, count, d.taps, this.#phase, mq, mr, l);
    const carry = this.#phase + count * mr;
    this.#base += count * mq + Math.floor(carry / l);
    this.#phase = carry % l;
    const nomCarry = this.#nomPhase + count * mr;
    this.#nomBase += count * mq + Math.floor(nomCarry / l);
    this.#nomPhase = nomCarry % l;
    return at;
  }

  /** Computes the next `count` outputs (the caller guarantees the input they need is buffered). */
  #run(count: number): Float32Array {
    const d = this.#d!;
    const buf = this.#buf;
    const { l, j, taps } = d;
    const mq = Math.floor(d.m / l);
    const mr = d.m - mq * l;
    let base = this.#base;
    let phase = this.#phase;
    let nomBase = this.#nomBase;
    let nomPhase = this.#nomPhase;
    const bufBase = this.#bufBase;
    const bank = d.bank;
    const kernel = bank && count > 0 ? getFirKernel() : null;
    if (bank && kernel) {
      // The same loop in WebAssembly SIMD (bit-for-bit the same output).
      return kernel.readFloat(this.#runKernel(kernel, bank, count), count);
    }
    const out = new Float32Array(count);
    if (bank) {
      // Single precision, in the WebAssembly kernel's order (see firKernel.ts): eight partial
      // sums (a0–a3 for taps i ≡ 0–3, b0–b3 for i ≡ 4–7 mod 8; a last group of four goes to
      // the a sums), every product and addition rounded to float.
      const f = Math.fround;
      for (let k = 0; k < count; k++) {
        const off = base - j - bufBase;
        const c = phase * taps;
        // Float32Array storage rounds each sum to float, as the kernel's f32 lanes do.
        const acc = ACC8.fill(0);
        let i = 0;
        for (; i + 4 <= taps; i += 4) {
          const g = i & 4;
          for (let q = 0; q < 4; q++) {
            acc[g + q] = acc[g + q]! + f(buf[off + i + q]! * bank[c + i + q]!);
          }
        }
        const [a0, a1, a2, a3, b0, b1, b2, b3] = acc as unknown as number[];
        let s = f(f(f(f(a0! + b0!) + f(a1! + b1!)) + f(a2! + b2!)) + f(a3! + b3!));
        for (; i < taps; i++) s = f(s + f(buf[off + i]! * bank[c + i]!));
        out[k] = s;
        phase += mr;
        base += mq;
        if (phase >= l) {
          phase -= l;
          base++;
        }
        nomPhase += mr;
        nomBase += mq;
        if (nomPhase >= l) {
          nomPhase -= l;
          nomBase++;
        }
      }
    } else {
      const table = d.table!;
      const limit = d.tableLimit;
      const rho = d.rho;
      const scale = rho * TABLE_DENSITY;
      for (let k = 0; k < count; k++) {
        const off = base - j - bufBase;
        // Position of tap i in table units: (phase/l + j - i) · rho · density.
        const p0 = (phase / l + j) * scale;
        let s = 0;
        for (let i = 0; i < taps; i++) {
          const pos = Math.abs(p0 - i * scale);
          const idx = Math.floor(pos);
          if (idx < limit) {
            const a = table[idx]!;
            s += buf[off + i]! * (a + (table[idx + 1]! - a) * (pos - idx));
          }
        }
        out[k] = s * rho;
        phase += mr;
        base += mq;
        if (phase >= l) {
          phase -= l;
          base++;
        }
        nomPhase += mr;
        nomBase += mq;
        if (nomPhase >= l) {
          nomPhase -= l;
          nomBase++;
        }
      }
    }
    this.#base = base;
    this.#phase = phase;
    this.#nomBase = nomBase;
    this.#nomPhase = nomPhase;
    return out;
  }
}

/**
 * Resamples a whole buffer of mono float audio in one go. The output has
 * `Math.round(input.length · outputRate / inputRate)` samples and is time-aligned with the
 * input (the filter delay is removed): an impulse at input index `t` peaks at output index
 * `t · outputRate / inputRate` (±1). Equal rates return a copy.
 *
 * @param options - `quality` (default `"high"`, see {@link StreamingResamplerOptions}).
 * @throws TypeError if `input` is not a Float32Array; TypeError / RangeError for invalid rates.
 * @example
 * ```ts
 * const at16k = resample(float32At48k, 48000, 16000); // a third as many samples
 * ```
 */
export function resample(
  input: Float32Array,
  inputRate: number,
  outputRate: number,
  options: StreamingResamplerOptions = {},
): Float32Array {
  assertFloat32(input);
  assertSampleRate(inputRate, "input sample rate");
  assertSampleRate(outputRate, "output sample rate");
  if (inputRate === outputRate) return input.slice();
  const outLen = Math.round((input.length * outputRate) / inputRate);
  if (outLen === 0) return new Float32Array(0);
  const rs = new StreamingResampler(inputRate, outputRate, options);
  const out = new Float32Array(outLen);
  // The stream's output, then its flushed tail, without the filter's delay.
  const at = place(out, rs.process(input), -rs.delaySamples);
  if (at < outLen) place(out, rs.flush(), at);
  return out;
}

/**
 * {@link resample} for 16-bit PCM: the samples are read as `x / 32768` and the output is
 * rounded to nearest and saturated at the int16 range, with no float copy of either.
 *
 * @param options - `quality` (default `"high"`, see {@link StreamingResamplerOptions}).
 * @throws TypeError if `input` is not an Int16Array; TypeError / RangeError for invalid rates.
 * @example
 * ```ts
 * const pcm16k = resampleInt16(pcm48k, 48000, 16000);
 * const phone = resampleInt16(pcm8k, 8000, 48000, { quality: "fast" });
 * ```
 */
export function resampleInt16(
  input: Int16Array,
  inputRate: number,
  outputRate: number,
  options: StreamingResamplerOptions = {},
): Int16Array {
  if (!(input instanceof Int16Array)) {
    throw new TypeError(`resampleInt16 input must be an Int16Array, got ${describeType(input)}`);
  }
  assertSampleRate(inputRate, "input sample rate");
  assertSampleRate(outputRate, "output sample rate");
  if (inputRate === outputRate) return input.slice();
  const outLen = Math.round((input.length * outputRate) / inputRate);
  if (outLen === 0) return new Int16Array(0);
  const rs = new StreamingResampler(inputRate, outputRate, options);
  const out = new Int16Array(outLen);
  // In pieces: each piece's samples stay in the cache (one pass over a whole turn at once runs
  // at half the speed).
  let at = -rs.delaySamples;
  for (let i = 0; i < input.length && at < outLen; i += ONE_SHOT_PIECE) {
    at = place(out, rs.processInt16(input.subarray(i, i + ONE_SHOT_PIECE)), at);
  }
  if (at < outLen) place(out, floatToInt16Rounded(rs.flush()), at);
  return out;
}

/** Input samples per step of {@link resampleInt16}. */
const ONE_SHOT_PIECE = 2048;

/**
 * Copies `piece`, which starts at output position `at` (negative: inside the filter's delay),
 * into `out` where it overlaps it; returns the position after the piece.
 */
function place<T extends Float32Array | Int16Array>(out: T, piece: T, at: number): number {
  const from = Math.max(0, -at);
  const n = Math.min(piece.length, out.length - at);
  if (n > from)
    out.set(from === 0 && n === piece.length ? piece : piece.subarray(from, n), at + from);
  return at + piece.length;
}
