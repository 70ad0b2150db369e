/**
 * What the TTS worker thread needs from an engine (internal): the engines in `espeakSynth.ts`
 * and `kokoroSynth.ts` implement it and run inside the worker.
 */

/**
 * Logs from inside the worker (forwarded to the application's logger on the main thread).
 *
 * @example
 * ```ts
 * const log: WorkerLog = (level, message) => records.push(`${level}: ${message}`);
 * ```
 */
export type WorkerLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;

/**
 * One loaded engine inside the worker (internal).
 *
 * @example
 * ```ts
 * await synth.synthesize("Hello.", options, (chunk) => send(chunk), 4410, () => false);
 * ```
 */
export interface WorkerSynth<R> {
  /** Output rate in Hz. */
  readonly sampleRate: number;
  /**
   * Synthesizes `text`, calling `emit` with fresh mono float32 chunks of at least
   * `flushSamples` samples (the last may be shorter; `Infinity` gives one chunk). Stops early
   * when `cancelled()` turns true.
   */
  synthesize(
    text: string,
    options: R,
    emit: (chunk: Float32Array) => void,
    flushSamples: number,
    cancelled: () => boolean,
  ): Promise<void>;
  /** Frees native resources. */
  dispose(): Promise<void>;
}

/**
 * Collects chunks and hands them out in pieces of at least `flushSamples` samples (internal).
 *
 * @example
 * ```ts
 * const acc = new ChunkAccumulator(4410, emit);
 * acc.push(samples);
 * acc.flush();
 * ```
 */
export class ChunkAccumulator {
  private parts: Float32Array[] = [];
  private count = 0;

  constructor(
    private readonly flushSamples: number,
    private readonly emit: (chunk: Float32Array) => void,
  ) {}

  /** Adds samples (kept by reference: pass a fresh array); emits when enough have gathered. */
  push(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.parts.push(samples);
    this.count += samples.length;
    if (this.count >= this.flushSamples) this.flush();
  }

  /** Emits whatever has gathered (nothing when empty). */
  flush(): void {
    if (this.count === 0) return;
    let out: Float32Array;
    if (this.parts.length === 1) {
      out = this.parts[0]!;
    } else {
      out = new Float32Array(this.count);
      let offset = 0;
      for (const p of this.parts) {
        out.set(p, offset);
        offset += p.length;
      }
    }
    this.parts = [];
    this.count = 0;
    this.emit(out);
  }
}

/**
 * True when `err` says a module could not be found (ESM or CommonJS wording).
 *
 * @example
 * ```ts
 * isModuleNotFound(Object.assign(new Error("x"), { code: "ERR_MODULE_NOT_FOUND" })); // true
 * ```
 */
export function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return true;
  const message = err instanceof Error ? err.message : String(err);
  return /Cannot find (module|package)/i.test(message);
}

/**
 * The message of an unknown thrown value.
 *
 * @example
 * ```ts
 * errorMessage(new Error("boom")); // "boom"
 * ```
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
