/**
 * The frame VAD: Silero v5/v6 speech probabilities for every 32 ms frame of many streams, with
 * the frames of all streams that are due evaluated together in a worker thread.
 *
 * Main thread: each stream converts its audio to mono float32, resamples it to 16 kHz (one
 * streaming resampler per stream; 16 kHz passes through) and cuts 512-sample frames. Frames
 * pushed by any stream during one event-loop turn are collected and sent to the worker as one
 * batch on `setImmediate` (or at once when `maxBatch` streams are waiting); while a batch is in
 * the worker, new frames keep collecting, so batches grow with the load.
 *
 * Worker thread (`frameVadWorker.ts`): one onnxruntime session and, per stream id, the model's
 * recurrent state and 64-sample context; one `session.run` per batch evaluates one frame of
 * every stream in it (input `[B, 576]`, state `[2, B, 128]`).
 */
import type { Worker } from "node:worker_threads";
import { assertAudioChunk, audioToFloat32, downmixToMono } from "../audio/convert.js";
import { StreamingResampler } from "../audio/resample.js";
import { sourceAudioOf } from "../audio/sourceAudio.js";
import type { AudioChunk } from "../audio/types.js";
import { getLogger } from "../logger.js";
import { type Clock, realClock, startTimer } from "../utils/clock.js";
import { closeModelWorker, startModuleWorker, WorkerCalls } from "../utils/worker.js";
import type { FrameVad, FrameVadStream } from "./frameVadTypes.js";
import { FRAME_VAD_RATE, FRAME_VAD_SAMPLES } from "./frameVadTypes.js";
import type {
  FrameVadBatchRequest,
  FrameVadBatchResponse,
  FrameVadWorkerData,
} from "./frameVadWorker.js";
import { defaultSileroModelPath } from "./sileroInference.js";

const log = getLogger("vad");

/** Streams per batch unless `maxBatch` says otherwise. */
const DEFAULT_MAX_BATCH = 256;

/**
 * The Silero versions a frame VAD can run: `"v6"` (Silero v6.2, the default) or `"v5"`
 * (Silero v5.1). Both take 512-sample frames with 64 samples of context.
 *
 * @example
 * ```ts
 * const version: FrameVadVersion = "v5";
 * const vad = getFrameVad({ version });
 * ```
 */
export type FrameVadVersion = "v5" | "v6";

/**
 * Options of the {@link SileroFrameVad} constructor.
 *
 * @example
 * ```ts
 * const vad = new SileroFrameVad({ version: "v6", maxBatch: 128, batchDelayMs: 2 });
 * ```
 */
export interface SileroFrameVadOptions {
  /** `"v6"` (default, `silero_vad_v6.onnx` = Silero v6.2) or `"v5"` (`silero_vad_v5.onnx`). */
  version?: FrameVadVersion;
  /** An explicit `.onnx` file with the v5/v6 interface. Default: the packaged weights. */
  modelPath?: string;
  /**
   * Most streams in one batch (default 256): when this many streams have frames waiting, the
   * batch is sent at once instead of at the end of the event-loop turn.
   */
  maxBatch?: number;
  /**
   * How long the first waiting frame may wait for others before its batch is sent, in ms
   * (default 0: at the end of the current event-loop turn, via `setImmediate`). Sessions' frames
   * rarely complete in the same turn when their audio arrives at staggered times; a few ms of
   * delay gathers them into larger batches (less CPU per frame) at the cost of that much latency.
   * It applies when no batch is in the worker: frames that arrive while one is go as the next
   * batch as soon as it is answered, so under load the batch size follows the model's time.
   */
  batchDelayMs?: number;
  /** The clock that times `batchDelayMs` (default: real time). Tests pass a `VirtualClock`. */
  clock?: Clock;
}

/**
 * Counters of a {@link SileroFrameVad} since it was created (for benchmarks and diagnostics).
 *
 * @example
 * ```ts
 * const { frames, computeMs } = vad.stats;
 * const usPerFrame = (computeMs * 1000) / frames;
 * ```
 */
export interface FrameVadStats {
  /** Batches answered by the worker (failed ones excluded). */
  batches: number;
  /** Frames evaluated by the model. */
  frames: number;
  /** `session.run` calls (one per batch unless a stream brought several frames). */
  runs: number;
  /** Milliseconds the worker spent evaluating batches (no messaging, no queueing). */
  computeMs: number;
  /** Batches whose frames were reported as speech because the model failed. */
  failedBatches: number;
}

/** One stream's frames waiting in the next batch, and the pushes waiting for them. */
interface PendingEntry {
  frames: Float32Array<ArrayBuffer>[];
  waiters: { count: number; resolve: (p: Float32Array) => void }[];
}

/** What a stream needs from its {@link SileroFrameVad}. */
interface StreamLink {
  /** A fresh stream id (zero state in the worker). */
  open(): number;
  /** Queues frames of stream `id`; resolves with one probability per frame. */
  enqueue(id: number, frames: Float32Array<ArrayBuffer>[]): Promise<Float32Array>;
  /** Forgets stream `id` in the worker (`evaluated`: whether it ever sent frames). */
  release(id: number, evaluated: boolean): void;
  /** An empty 512-sample frame: one a batch is done with, or a new one. */
  frame(): Float32Array<ArrayBuffer>;
}

/** Frames kept for reuse once their batch holds a copy (more would only be garbage later). */
const MAX_SPARE_FRAMES = 1024;

/**
 * Silero voice-activity probabilities per 32 ms frame for many concurrent streams: a
 * {@link FrameVad}. Each {@link FrameVadStream} (from {@link SileroFrameVad.createStream})
 * carries its model state from frame to frame; the frames of every stream pushed in the same
 * event-loop turn are evaluated by one batched inference in a worker thread, so the cost per
 * frame falls as streams are added.
 *
 * It never throws on model failure: if the model cannot be loaded or run, pushes resolve with
 * probability 1 for their frames (treated as speech) and a warning is logged once per failure
 * episode. Bad input (not an {@link AudioChunk}) and `push` after `close` reject.
 *
 * The worker starts on first use and is unreferenced while idle, so it never keeps the process
 * alive; {@link SileroFrameVad.close} ends it (a later push starts a new one with zeroed states).
 * Use {@link getFrameVad} to share one instance per process.
 *
 * @example
 * ```ts
 * const vad = new SileroFrameVad(); // Silero v6.2
 * await vad.warmup();
 * const stream = vad.createStream();
 * for (const chunk of chunks20ms) {
 *   for (const p of await stream.push([48000, chunk])) console.log(p > 0.5 ? "speech" : "-");
 * }
 * stream.close();
 * await vad.close();
 * ```
 */
export class SileroFrameVad implements FrameVad {
  /** The Silero version in use (`"v6"` by default). */
  readonly version: FrameVadVersion;
  /** The `.onnx` file the worker loads. */
  readonly modelPath: string;
  /** Most streams per batch. */
  readonly maxBatch: number;
  /** Longest wait of a frame for others before its batch is sent, in ms (0: end of the turn). */
  readonly batchDelayMs: number;
  readonly #clock: Clock;

  #worker: Worker | null = null;
  readonly #calls = new WorkerCalls<Extract<FrameVadBatchResponse, { ok: true }>>();
  readonly #pending = new Map<number, PendingEntry>();
  /** Frames whose samples a batch has copied, for streams to fill again. */
  readonly #spare: Float32Array<ArrayBuffer>[] = [];
  #frees: number[] = [];
  #inFlight = 0;
  #scheduled = false;
  #nextStreamId = 1;
  #failing = false;
  readonly #stats: FrameVadStats = {
    batches: 0,
    frames: 0,
    runs: 0,
    computeMs: 0,
    failedBatches: 0,
  };
  readonly #link: StreamLink = {
    open: () => this.#nextStreamId++,
    enqueue: (id, frames) => this.#enqueue(id, frames),
    release: (id, evaluated) => this.#release(id, evaluated),
    frame: () => this.#spare.pop() ?? new Float32Array(FRAME_VAD_SAMPLES),
  };

  /**
   * @param options - `version` (default `"v6"`), `modelPath` (default: the weights shipped in
   *   `@ricky0123/vad-web`), `maxBatch` (default 256), `batchDelayMs` (default 0). The file is
   *   opened by the worker, on first use.
   * @throws TypeError / RangeError for invalid options.
   */
  constructor(options: SileroFrameVadOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("SileroFrameVad options must be an object");
    }
    const version = options.version ?? "v6";
    if (version !== "v5" && version !== "v6") {
      throw new RangeError(
        `SileroFrameVad version must be "v5" or "v6", got ${JSON.stringify(version)}`,
      );
    }
    if (options.modelPath !== undefined) {
      if (typeof options.modelPath !== "string" || options.modelPath.length === 0) {
        throw new TypeError("SileroFrameVad modelPath must be a non-empty string");
      }
    }
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`SileroFrameVad maxBatch must be a positive integer, got ${maxBatch}`);
    }
    const batchDelayMs = options.batchDelayMs ?? 0;
    if (typeof batchDelayMs !== "number" || !(batchDelayMs >= 0) || batchDelayMs > 1000) {
      throw new RangeError(
        `SileroFrameVad batchDelayMs must be a number of ms in 0 ..= 1000, got ${String(batchDelayMs)}`,
      );
    }
    this.version = version;
    this.modelPath = options.modelPath ?? defaultSileroModelPath(version);
    this.maxBatch = maxBatch;
    this.batchDelayMs = batchDelayMs;
    this.#clock = options.clock ?? realClock;
  }

  /**
   * A new stream with zeroed state. Streams are cheap: nothing is sent to the worker until the
   * first complete frame.
   *
   * @example
   * ```ts
   * const stream = getFrameVad().createStream();
   * const probs = await stream.push([16000, new Float32Array(512)]); // one frame
   * ```
   */
  createStream(): FrameVadStream {
    return new SileroFrameVadStream(this.#link);
  }

  /**
   * Starts the worker, loads the model and evaluates one frame of silence, so the first real
   * frame is fast. Rejects if the model cannot be loaded.
   *
   * @example
   * ```ts
   * await getFrameVad().warmup();
   * ```
   */
  async warmup(): Promise<void> {
    const worker = this.#ensureWorker();
    const id = this.#nextStreamId++;
    const frames = new Float32Array(FRAME_VAD_SAMPLES);
    await this.#calls.call(worker, (rid) => {
      const req: FrameVadBatchRequest = { id: rid, streams: [id], counts: [1], frames, free: [id] };
      worker.postMessage(req, [frames.buffer]);
    });
  }

  /**
   * What the worker has done so far (a copy).
   *
   * @example
   * ```ts
   * console.log(getFrameVad().stats.batches);
   * ```
   */
  get stats(): FrameVadStats {
    return { ...this.#stats };
  }

  /**
   * Sends the frames still waiting, then ends the worker thread once the batches in flight have
   * been answered (their pushes resolve normally). The instance stays usable: a later push
   * starts a new worker, in which every stream starts again from zeroed state.
   *
   * @example
   * ```ts
   * await vad.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#pending.size > 0) this.#flush();
    const worker = this.#worker;
    this.#worker = null;
    this.#frees = [];
    if (worker === null) return;
    await closeModelWorker(worker, this.#calls, 10_000, "SileroFrameVad was closed");
  }

  #enqueue(id: number, frames: Float32Array<ArrayBuffer>[]): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve) => {
      let entry = this.#pending.get(id);
      if (entry === undefined) {
        entry = { frames: [], waiters: [] };
        this.#pending.set(id, entry);
      }
      entry.frames.push(...frames);
      entry.waiters.push({ count: frames.length, resolve });
      if (this.#pending.size >= this.maxBatch) this.#flush();
      else this.#schedule();
    });
  }

  #release(id: number, evaluated: boolean): void {
    if (!evaluated) return;
    this.#frees.push(id);
    this.#schedule();
  }

  /**
   * Flushes at the end of this event-loop turn (or after `batchDelayMs`), unless a batch is in
   * the worker already: then its answer triggers the next flush, and frames keep collecting.
   */
  #schedule(immediate = false): void {
    if (this.#scheduled || this.#inFlight > 0) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      if (this.#inFlight === 0) this.#flush();
    };
    if (this.batchDelayMs > 0 && !immediate) startTimer(this.#clock, this.batchDelayMs, run);
    else setImmediate(run);
  }

  /** Sends every waiting frame (and stream release) to the worker as one batch. */
  #flush(): void {
    const ids = [...this.#pending.keys()];
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    if (entries.length === 0 && (this.#frees.length === 0 || this.#worker === null)) {
      this.#frees = [];
      return;
    }
    const free = this.#frees;
    this.#frees = [];
    let worker: Worker;
    try {
      worker = this.#ensureWorker();
    } catch (err) {
      this.#fail(entries, err);
      return;
    }
    const counts = entries.map((e) => e.frames.length);
    const total = counts.reduce((a, b) => a + b, 0);
    const frames = new Float32Array(total * FRAME_VAD_SAMPLES);
    let at = 0;
    const spare = this.#spare;
    for (const e of entries) {
      for (const f of e.frames) {
        frames.set(f, at);
        at += FRAME_VAD_SAMPLES;
        // Copied: the stream's frame can take the next samples (no 2 KB array per 32 ms).
        if (spare.length < MAX_SPARE_FRAMES) spare.push(f);
      }
      e.frames.length = 0;
    }
    this.#inFlight++;
    this.#calls
      .call(worker, (rid) => {
        const req: FrameVadBatchRequest = { id: rid, streams: ids, counts, frames, free };
        worker.postMessage(req, [frames.buffer]);
      })
      .then(
        (res) => this.#deliver(entries, res),
        (err: unknown) => this.#fail(entries, err),
      )
      .finally(() => {
        this.#inFlight--;
        // Frames that arrived meanwhile have waited long enough: send them this turn.
        if (this.#pending.size > 0 || this.#frees.length > 0) this.#schedule(true);
      });
  }

  #deliver(entries: PendingEntry[], res: Extract<FrameVadBatchResponse, { ok: true }>): void {
    const s = this.#stats;
    s.batches++;
    s.frames += res.probabilities.length;
    s.runs += res.runs;
    s.computeMs += res.computeMs;
    if (this.#failing) {
      this.#failing = false;
      log.info("frame VAD works again");
    }
    let at = 0;
    for (const e of entries) {
      for (const w of e.waiters) {
        // Views of the batch's answer: no copy per stream.
        w.resolve(res.probabilities.subarray(at, at + w.count));
        at += w.count;
      }
    }
  }

  #fail(entries: PendingEntry[], err: unknown): void {
    if (entries.length === 0) return;
    this.#stats.failedBatches++;
    if (!this.#failing) {
      this.#failing = true;
      log.warn("frame VAD failed; treating the frames as speech", { error: err });
    }
    for (const e of entries)
      for (const w of e.waiters) w.resolve(new Float32Array(w.count).fill(1));
  }

  #ensureWorker(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = startModuleWorker(import.meta.url, "frameVadWorker", {
      workerData: { modelPath: this.modelPath, version: this.version } satisfies FrameVadWorkerData,
      what: "frame VAD",
    });
    worker.unref();
    worker.on("message", (res: FrameVadBatchResponse) => {
      if (res.ok) this.#calls.resolve(res.id, res, this.#worker);
      else this.#calls.reject(res.id, res.error, this.#worker);
    });
    worker.on("error", (err: Error) => {
      log.warn("frame VAD worker failed", { error: err });
      if (this.#worker === worker) this.#worker = null;
      this.#calls.failAll(err);
      void worker.terminate();
    });
    worker.on("exit", (code) => {
      if (this.#worker === worker) {
        this.#worker = null;
        this.#calls.failAll(new Error(`frame VAD worker exited with code ${code}`));
      }
    });
    this.#worker = worker;
    log.debug("frame VAD worker started", { version: this.version, modelPath: this.modelPath });
    return worker;
  }
}

/**
 * One connection's stream through a {@link SileroFrameVad}: converts, resamples to 16 kHz and
 * cuts 512-sample frames on the main thread; the model state lives in the worker under the
 * stream's id (a new id after `reset()`). A session frame that notes the wire audio it was
 * resampled from (`sourceAudioOf`: a phone's 8 kHz made 48 kHz for the handler) is taken at the
 * wire rate, so the audio is resampled once (8 → 16 kHz), not twice (8 → 48 → 16 kHz).
 */
/** The answer to a push that completed no frame (empty, so nobody can change it). */
const NO_PROBABILITIES = new Float32Array(0);

class SileroFrameVadStream implements FrameVadStream {
  readonly #link: StreamLink;
  #id: number;
  /** Whether frames of `#id` have been queued (so the worker may hold state for it). */
  #evaluated = false;
  #closed = false;
  /** Input rate of the current resampler (0 before the first push). */
  #rate = 0;
  #resampler: StreamingResampler | null = null;
  /** Leading resampler outputs still to drop (its filter delay), so frame timing matches 16 kHz input. */
  #skip = 0;
  #frame: Float32Array<ArrayBuffer> = new Float32Array(FRAME_VAD_SAMPLES);
  #fill = 0;

  constructor(link: StreamLink) {
    this.#link = link;
    this.#id = link.open();
  }

  push(audio: AudioChunk): Promise<Float32Array> {
    let frames: Float32Array<ArrayBuffer>[];
    try {
      frames = this.#frames(audio);
    } catch (err) {
      return Promise.reject(err);
    }
    if (frames.length === 0) return Promise.resolve(NO_PROBABILITIES);
    this.#evaluated = true;
    return this.#link.enqueue(this.#id, frames);
  }

  reset(): void {
    if (this.#closed) return;
    this.#link.release(this.#id, this.#evaluated);
    this.#id = this.#link.open();
    this.#evaluated = false;
    this.#resampler?.reset();
    this.#skip = this.#resampler?.delaySamples ?? 0;
    this.#fill = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.release(this.#id, this.#evaluated);
    this.#resampler = null;
  }

  /** The frames `audio` completes (validated, mono, 16 kHz). */
  #frames(audio: AudioChunk): Float32Array<ArrayBuffer>[] {
    if (this.#closed) throw new Error("FrameVadStream.push() after close()");
    assertAudioChunk(audio, "FrameVadStream.push() audio");
    const [chunkRate, samples, layout] = audio;
    // A session frame resampled from the wire (a phone's 8 kHz to the handler's 48 kHz) carries
    // the wire samples it was made from: resample those, once, instead of undoing the first step.
    const source = layout === "stereo" ? undefined : sourceAudioOf(samples);
    const rate = source ? source[0] : chunkRate;
    // Int16 goes to the resampler as it is (it scales as audioToFloat32 would, without a copy).
    const mono = source ? source[1] : layout === "stereo" ? downmixToMono(samples, 2) : samples;
    const out: Float32Array<ArrayBuffer>[] = [];
    if (rate !== this.#rate) {
      // A new input rate: the old filter's tail first, then a new resampler.
      if (this.#resampler !== null) this.#append(this.#resampler.flush(), out);
      this.#rate = rate;
      this.#resampler =
        rate === FRAME_VAD_RATE
          ? null
          : new StreamingResampler(rate, FRAME_VAD_RATE, { quality: "fast" });
      this.#skip = this.#resampler?.delaySamples ?? 0;
    }
    // #append copies the resampled samples at once, so they may be the kernel's own memory.
    this.#append(
      this.#resampler === null ? audioToFloat32(mono) : this.#resampler.processTransient(mono),
      out,
    );
    return out;
  }

  /** Appends 16 kHz samples to the partial frame, moving completed frames to `out`. */
  #append(x: Float32Array, out: Float32Array<ArrayBuffer>[]): void {
    let i = 0;
    if (this.#skip > 0) {
      i = Math.min(this.#skip, x.length);
      this.#skip -= i;
    }
    while (i < x.length) {
      const n = Math.min(FRAME_VAD_SAMPLES - this.#fill, x.length - i);
      this.#frame.set(x.subarray(i, i + n), this.#fill);
      this.#fill += n;
      i += n;
      if (this.#fill === FRAME_VAD_SAMPLES) {
        out.push(this.#frame);
        this.#frame = this.#link.frame();
        this.#fill = 0;
      }
    }
  }
}

const shared = new Map<FrameVadVersion, SileroFrameVad>();

/**
 * `batchDelayMs` of the shared instance. Sessions' frames complete at staggered times (each
 * connection's audio arrives on its own 20 ms grid), so with 0 nearly every frame went to the
 * worker alone: one message, one wake-up of the worker and one `session.run` per frame (B9 at
 * 16 calls: ~130 µs of main-thread time per call-frame). Waiting at most 5 ms gathers the frames
 * of many sessions into one batch; a VAD decision comes at most 5 ms later (a frame is 32 ms).
 */
const SHARED_BATCH_DELAY_MS = 5;

/**
 * The process-wide frame VAD for a version: created on the first call, then the same instance
 * for every session (so all sessions' frames share one worker and its batches, gathered for at
 * most 5 ms: `batchDelayMs`). Not warmed up: call `await getFrameVad().warmup()` at start-up to
 * load the weights early.
 *
 * @param options - `version`: `"v6"` (default, Silero v6.2) or `"v5"`.
 * @example
 * ```ts
 * const vad = getFrameVad();
 * const stream = vad.createStream();
 * const probs = await stream.push([48000, pcm20ms]);
 * ```
 */
export function getFrameVad(options: { version?: FrameVadVersion } = {}): SileroFrameVad {
  const version = options.version ?? "v6";
  let vad = shared.get(version);
  if (vad === undefined) {
    vad = new SileroFrameVad({ version, batchDelayMs: SHARED_BATCH_DELAY_MS });
    shared.set(version, vad);
  }
  return vad;
}
