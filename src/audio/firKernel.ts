/**
 * The polyphase FIR inner loop of {@link StreamingResampler} as a small WebAssembly function
 * using 128-bit SIMD (four floats per instruction). It computes exactly what the JavaScript loop
 * computes, in the same order and in single precision: eight partial sums (taps `i ≡ q` and
 * `i ≡ q + 4 (mod 8)` in lanes `q` of two `f32x4` accumulators; a last group of four goes to the
 * first), products rounded before each addition (no fused multiply-add), the two accumulators
 * added lane by lane, the lanes summed `((c0 + c1) + c2) + c3`, then the remaining taps added one
 * by one. So the output is bit-for-bit the same; only the speed differs. Single precision is far
 * below the resampler's needs (its 84 dB stopband and int16 output): rounding each coefficient to
 * float is about -140 dB, and the sums' rounding stays well under one int16 step.
 *
 * The module is assembled here from its instructions (no binary file in the repository) when
 * first used. Where WebAssembly SIMD is unavailable, {@link getFirKernel} returns null and the
 * resampler keeps its JavaScript loop.
 *
 * @internal
 */

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for `i32.const`). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A section: id, then its byte length, then its bytes. */
function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

/** A vector: its length, then its items. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// Instructions used (core, then the 0xfd SIMD prefix with a LEB128 opcode).
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  i32GeS: [0x4e],
  i32LeS: [0x4c],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Shl: [0x74],
  f32Add: [0x92],
  f32Mul: [0x94],
  simd: (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm],
};
/** `v128.load` (align 4, offset o): four floats. */
const v128Load = (o: number) => op.simd(0x00, 0x02, ...uleb(o));
const v128Zero = op.simd(0x0c, ...new Array<number>(16).fill(0));
const f32x4Add = op.simd(0xe4);
const f32x4Mul = op.simd(0xe6);
const f32x4Lane = (lane: number) => op.simd(0x1f, lane);

// Parameters and locals of `fir`, by index.
const BUF = 0; // byte address of the input (f32)
const BANK = 1; // byte address of the coefficient bank (f32, `taps` per phase)
const OUT = 2; // byte address of the output (f32)
const COUNT = 3;
const TAPS = 4;
const OFF = 5; // input index of the first tap of the first output
const PHASE = 6;
const MQ = 7;
const MR = 8;
const L = 9;
const K = 10;
const I = 11;
const TAPS8 = 12;
const XA = 13;
const BA = 14;
const ACC_A = 15;
const ACC_B = 16;
const S = 17;

/** The body of `fir(buf, bank, out, count, taps, off, phase, mq, mr, l)`. */
function firBody(): number[] {
  // acc += x[xa + o/4 .. +4] * b[ba + o/4 .. +4], lane by lane.
  const mac = (acc: number, o: number) => [
    ...op.get(acc),
    ...op.get(XA),
    ...v128Load(o),
    ...op.get(BA),
    ...v128Load(o),
    ...f32x4Mul,
    ...f32x4Add,
    ...op.set(acc),
  ];
  // Leaves the enclosing block (ends the loop) when local `a` >= local `b`.
  const exitIfGe = (a: number, b: number) => [
    ...op.get(a),
    ...op.get(b),
    ...op.i32GeS,
    ...op.brIf(1),
  ];
  const bump = (local: number, by: number) => [
    ...op.get(local),
    ...op.i32(by),
    ...op.i32Add,
    ...op.set(local),
  ];
  const lane = (l: number) => [...op.get(ACC_A), ...f32x4Lane(l)];
  return [
    // taps8 = taps & ~7; k = 0
    ...op.get(TAPS),
    ...op.i32(-8),
    ...op.i32And,
    ...op.set(TAPS8),
    ...op.i32(0),
    ...op.set(K),
    ...op.block,
    ...op.loop,
    // if k >= count: done
    ...exitIfGe(K, COUNT),
    // xa = buf + off * 4; ba = bank + phase * taps * 4
    ...op.get(BUF),
    ...op.get(OFF),
    ...op.i32(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(XA),
    ...op.get(BANK),
    ...op.get(PHASE),
    ...op.get(TAPS),
    ...op.i32Mul,
    ...op.i32(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(BA),
    ...v128Zero,
    ...op.set(ACC_A),
    ...v128Zero,
    ...op.set(ACC_B),
    ...op.i32(0),
    ...op.set(I),
    // eight taps at a time
    ...op.block,
    ...op.loop,
    ...exitIfGe(I, TAPS8),
    ...mac(ACC_A, 0),
    ...mac(ACC_B, 16),
    ...bump(XA, 32),
    ...bump(BA, 32),
    ...bump(I, 8),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // if i + 4 <= taps: four more into the first accumulator
    ...op.get(I),
    ...op.i32(4),
    ...op.i32Add,
    ...op.get(TAPS),
    ...op.i32LeS,
    ...op.if,
    ...mac(ACC_A, 0),
    ...bump(XA, 16),
    ...bump(BA, 16),
    ...bump(I, 4),
    ...op.end,
    // c = a + b lane by lane; s = ((c0 + c1) + c2) + c3
    ...op.get(ACC_A),
    ...op.get(ACC_B),
    ...f32x4Add,
    ...op.set(ACC_A),
    ...lane(0),
    ...lane(1),
    ...op.f32Add,
    ...lane(2),
    ...op.f32Add,
    ...lane(3),
    ...op.f32Add,
    ...op.set(S),
    // then the remaining taps one by one
    ...op.block,
    ...op.loop,
    ...exitIfGe(I, TAPS),
    ...op.get(S),
    ...op.get(XA),
    ...op.f32Load,
    ...op.get(BA),
    ...op.f32Load,
    ...op.f32Mul,
    ...op.f32Add,
    ...op.set(S),
    ...bump(XA, 4),
    ...bump(BA, 4),
    ...bump(I, 1),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // out[k] = s
    ...op.get(OUT),
    ...op.get(K),
    ...op.i32(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.get(S),
    ...op.f32Store,
    // phase += mr; off += mq; if phase >= l: phase -= l, off += 1
    ...op.get(PHASE),
    ...op.get(MR),
    ...op.i32Add,
    ...op.set(PHASE),
    ...op.get(OFF),
    ...op.get(MQ),
    ...op.i32Add,
    ...op.set(OFF),
    ...op.get(PHASE),
    ...op.get(L),
    ...op.i32GeS,
    ...op.if,
    ...op.get(PHASE),
    ...op.get(L),
    ...op.i32Sub,
    ...op.set(PHASE),
    ...bump(OFF, 1),
    ...op.end,
    ...bump(K, 1),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

/** The function's name in CPU profiles. */
const FUNCTION_NAME = "fastrtc_resample_fir";

/** A name: its length, then its ASCII bytes. */
function ascii(name: string): number[] {
  return [...uleb(name.length), ...Array.from(name, (c) => c.charCodeAt(0))];
}

/** A subsection of the name section. */
function subsection(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

/** The module: one memory (exported as `mem`) and one function (exported as `fir`). */
function moduleBytes(): Uint8Array {
  const type = [0x60, ...vec(new Array<number[]>(10).fill([I32])), 0x00];
  const locals = vec([
    [5, I32],
    [2, V128],
    [1, F32],
  ]);
  const body = [...locals, ...firBody()];
  const exportEntry = (name: string, kind: number, index: number) => [...ascii(name), kind, index];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([type])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 0x01]])),
    ...section(7, vec([exportEntry("fir", 0x00, 0), exportEntry("mem", 0x02, 0)])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
    // The "name" section: profiles show the function as `fastrtc_resample_fir`.
    ...section(0, [...ascii("name"), ...subsection(1, vec([[0, ...ascii(FUNCTION_NAME)]]))]),
  ]);
}

type FirFn = (
  buf: number,
  bank: number,
  out: number,
  count: number,
  taps: number,
  off: number,
  phase: number,
  mq: number,
  mr: number,
  l: number,
) => void;

const PAGE = 65_536;

/** What is used of WebAssembly (typed here: the Node and browser configurations differ). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => WasmInstance;
}
interface WasmInstance {
  exports: Record<string, unknown>;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * One instance of the kernel (per thread): its memory holds the coefficient banks (copied in
 * once each) and a scratch area for one call's input and output.
 *
 * @internal
 */
export class FirKernel {
  readonly #fir: FirFn;
  readonly #memory: WasmMemory;
  readonly #banks = new WeakMap<Float32Array, number>();
  /** The bank of the last call and its address (most calls repeat it). */
  #lastBank: Float32Array | null = null;
  #lastBankAt = 0;
  /** A float view of the whole memory, made again after the memory grows. */
  #heap: Float32Array;
  /** First free byte after the banks. */
  #top = 0;

  constructor(instance: WasmInstance) {
    this.#fir = instance.exports.fir as FirFn;
    this.#memory = instance.exports.mem as WasmMemory;
    this.#heap = new Float32Array(this.#memory.buffer);
  }

  /**
   * Computes `count` outputs: output `k` reads `taps` inputs from `input[from + off_k]` with the
   * coefficients of `phase_k`, where `(off, phase)` start at `(0, phase)` and advance by
   * `(mq, mr)` per output, carrying when the phase reaches `l`. `input[from, to)` must hold
   * every sample the outputs read. Returns where the outputs are: read them with
   * {@link readFloat} or {@link readInt16} before the next call.
   */
  run(
    bank: Float32Array,
    input: Float32Array,
    from: number,
    to: number,
    count: number,
    taps: number,
    phase: number,
    mq: number,
    mr: number,
    l: number,
  ): number {
    const bankAt = bank === this.#lastBank ? this.#lastBankAt : this.#bank(bank);
    const inAt = this.#top;
    const outAt = inAt + (((to - from) * 4 + 15) & ~15);
    this.#reserve(outAt + count * 4);
    this.#heap.set(from === 0 && to === input.length ? input : input.subarray(from, to), inAt >> 2);
    this.#fir(inAt, bankAt, outAt, count, taps, 0, phase, mq, mr, l);
    return outAt >> 2;
  }

  /** A copy of `count` outputs of {@link run} at `at`. */
  readFloat(at: number, count: number): Float32Array {
    return this.#heap.slice(at, at + count);
  }

  /**
   * `count` outputs of {@link run} at `at` as a view of the kernel's memory (no copy): valid
   * until the kernel's next call on this thread.
   */
  viewFloat(at: number, count: number): Float32Array {
    return this.#heap.subarray(at, at + count);
  }

  /**
   * `count` outputs of {@link run} at `at` as int16 (`Math.round(x · 32768)`, clipped: see
   * `roundToInt16`), read
   * straight from the kernel's memory: no float array in between.
   */
  readInt16(at: number, count: number): Int16Array {
    const heap = this.#heap;
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++) {
      // pcm.ts's roundToInt16, written out: V8 did not inline the call here (twice the time).
      const s = (heap[at + i] as number) * 32768;
      out[i] = s > 32767 ? 32767 : s >= -32768 ? ((s + 32768.5) | 0) - 32768 : s < 0 ? -32768 : 0;
    }
    return out;
  }

  #bank(bank: Float32Array): number {
    let at = this.#banks.get(bank);
    if (at === undefined) {
      at = this.#top;
      this.#reserve(at + bank.byteLength);
      new Float32Array(this.#memory.buffer, at, bank.length).set(bank);
      this.#top = (at + bank.byteLength + 15) & ~15;
      this.#banks.set(bank, at);
    }
    this.#lastBank = bank;
    this.#lastBankAt = at;
    return at;
  }

  #reserve(bytes: number): void {
    const have = this.#heap.byteLength;
    if (bytes <= have) return;
    this.#memory.grow(Math.ceil((bytes - have) / PAGE));
    this.#heap = new Float32Array(this.#memory.buffer);
  }
}

let kernel: FirKernel | null | undefined;

/**
 * Turns the kernel off (`false`: resamplers use their JavaScript loop) or back on (`true`: the
 * kernel is built again on next use). For tests and comparisons.
 *
 * @example
 * ```ts
 * setFirKernelEnabled(false); // the JavaScript loop from now on
 * ```
 * @internal
 */
export function setFirKernelEnabled(enabled: boolean): void {
  kernel = enabled ? undefined : null;
}

/**
 * The kernel of this thread, or null where WebAssembly SIMD is not available (or
 * `FASTRTC_RESAMPLER=js`, which keeps the JavaScript loop, e.g. to compare).
 *
 * @internal
 */
export function getFirKernel(): FirKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  // (Read through globalThis: this module is also bundled for the browser client.)
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  if (env?.FASTRTC_RESAMPLER === "js") return kernel;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = moduleBytes();
    if (wasm?.validate(bytes)) kernel = new FirKernel(new wasm.Instance(new wasm.Module(bytes)));
  } catch {
    kernel = null;
  }
  return kernel;
}
