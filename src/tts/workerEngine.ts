import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  type Worker,
} from "node:worker_threads";
import { getLogger } from "../logger.js";
import { startModuleWorker } from "../utils/worker.js";
import type { TtsEngine } from "./ttsTypes.js";
import {
  CTRL_CANCEL,
  CTRL_DEAD,
  CTRL_SEQ,
  CTRL_SLOTS,
  type TtsWorkerData,
  type TtsWorkerEngineConfig,
  type TtsWorkerError,
  type TtsWorkerReply,
  type TtsWorkerRequest,
} from "./ttsWorkerProtocol.js";

const log = getLogger("tts");

/**
 * Options of a {@link WorkerTtsEngine} (internal).
 *
 * @example
 * ```ts
 * const o: WorkerTtsEngineOptions = { engine: { kind: "espeak", moduleSpecifier }, sampleRate: 22050 };
 * ```
 */
export interface WorkerTtsEngineOptions {
  /** Which engine the worker hosts. */
  engine: TtsWorkerEngineConfig;
  /** The engine's output rate (checked against the loaded engine). */
  sampleRate: number;
  /** Size of streamed chunks, in seconds of audio. Default `0.2`. */
  streamChunkSeconds?: number;
  /**
   * Longest a synchronous step may block waiting for the worker, in ms. Default `300000`
   * (a first Kokoro load may download the model).
   */
  syncTimeoutMs?: number;
}

interface PendingLoad {
  kind: "load";
  resolve: () => void;
  reject: (err: Error) => void;
}

interface PendingStream {
  kind: "stream";
  chunks: Float32Array[];
  done: boolean;
  error: Error | null;
  wake: (() => void) | null;
}

type Pending = PendingLoad | PendingStream;

interface WorkerState {
  worker: Worker;
  ctrl: Int32Array;
  syncPort: MessagePort;
  /** Load request of this worker (null until asked). */
  loaded: Promise<void> | null;
  /** True once this worker reported its engine loaded. */
  ready: boolean;
}

/**
 * Rebuilds an error sent by the worker, keeping TypeError / RangeError.
 *
 * @example
 * ```ts
 * fromWorkerError({ name: "RangeError", message: "Unknown voice" }) instanceof RangeError; // true
 * ```
 */
export function fromWorkerError(e: TtsWorkerError): Error {
  const options = e.cause === undefined ? undefined : { cause: new Error(e.cause) };
  if (e.name === "RangeError") return new RangeError(e.message, options);
  if (e.name === "TypeError") return new TypeError(e.message, options);
  const err = new Error(e.message, options);
  if (e.name !== "Error") err.name = e.name;
  return err;
}

/**
 * Starts the worker. From `dist` it is the plain `ttsWorker.js` beside this file. From
 * TypeScript sources (vitest, tsx) a short bootstrap registers tsx's ESM hooks in the worker and
 * imports `ttsWorker.ts` (Node 20 does not apply the parent's `--import tsx` to a worker's
 * entry). The bootstrap also flags the control block when the thread exits, so a caller blocked
 * in `Atomics.wait` notices a worker that died before its entry module ran.
 */
function startWorker(data: TtsWorkerData): Worker {
  return startModuleWorker(import.meta.url, "ttsWorker", {
    workerData: data,
    transferList: [data.syncPort],
    what: "TTS",
    preamble: [
      `const { workerData } = require("node:worker_threads");`,
      `process.on("exit", () => { const c = workerData.ctrl; Atomics.store(c, ${CTRL_DEAD}, 1); Atomics.add(c, ${CTRL_SEQ}, 1); Atomics.notify(c, ${CTRL_SEQ}); });`,
    ].join("\n"),
  });
}

/**
 * A {@link TtsEngine} whose engine runs in a worker thread (internal). One worker per instance,
 * started on first use and unreferenced while idle (it never keeps the process alive).
 * Requests are served one at a time in order, so concurrent calls queue.
 *
 * @example
 * ```ts
 * const engine = new WorkerTtsEngine<ResolvedEspeakOptions>({
 *   engine: { kind: "espeak", moduleSpecifier: DEFAULT_ESPEAK_MODULE },
 *   sampleRate: 22050,
 * });
 * for await (const chunk of engine.synthesize("Hi.", options, false)) play(chunk);
 * ```
 */
export class WorkerTtsEngine<R> implements TtsEngine<R> {
  private rate: number;
  private readonly config: TtsWorkerEngineConfig;
  private readonly streamChunkSeconds: number;
  private readonly syncTimeoutMs: number;
  private state: WorkerState | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(options: WorkerTtsEngineOptions) {
    this.config = options.engine;
    this.rate = options.sampleRate;
    this.streamChunkSeconds = options.streamChunkSeconds ?? 0.2;
    this.syncTimeoutMs = options.syncTimeoutMs ?? 300_000;
  }

  /** Output rate in Hz. */
  get sampleRate(): number {
    return this.rate;
  }

  /** Starts the worker if needed and waits until its engine is loaded. */
  load(): Promise<void> {
    const state = this.ensureWorker();
    if (state.loaded === null) {
      const loaded = new Promise<void>((resolve, reject) => {
        const id = this.nextId++;
        this.addPending(id, { kind: "load", resolve, reject });
        this.post(state, { type: "load", id, sync: false });
      });
      state.loaded = loaded.then(
        () => {
          state.ready = true;
        },
        (err: Error) => {
          this.discardAfterLoadFailure(state);
          throw err;
        },
      );
    }
    return state.loaded;
  }

  async *synthesize(
    text: string,
    options: R,
    single: boolean,
  ): AsyncGenerator<Float32Array, void, undefined> {
    await this.load();
    const state = this.ensureWorker();
    const id = this.nextId++;
    const p: PendingStream = { kind: "stream", chunks: [], done: false, error: null, wake: null };
    this.addPending(id, p);
    this.post(state, {
      type: "synth",
      id,
      text,
      options: options as never,
      flushSamples: single ? Number.POSITIVE_INFINITY : this.flushSamples(),
      sync: false,
    });
    let finished = false;
    try {
      for (;;) {
        const chunk = p.chunks.shift();
        if (chunk !== undefined) {
          yield chunk;
          continue;
        }
        if (p.error !== null) {
          finished = true;
          throw p.error;
        }
        if (p.done) {
          finished = true;
          return;
        }
        await new Promise<void>((resolve) => {
          p.wake = resolve;
        });
      }
    } finally {
      if (!finished) this.cancel(id);
    }
  }

  *synthesizeSync(text: string, options: R): Generator<Float32Array, void, undefined> {
    const state = this.ensureWorker();
    if (!state.ready) this.loadSync(state);
    const id = this.nextId++;
    this.post(state, {
      type: "synth",
      id,
      text,
      options: options as never,
      flushSamples: this.flushSamples(),
      sync: true,
    });
    let finished = false;
    try {
      for (;;) {
        const reply = this.receiveSync(state, id);
        if (reply.type === "chunk") {
          yield reply.samples;
        } else if (reply.type === "end") {
          finished = true;
          return;
        } else if (reply.type === "error") {
          finished = true;
          throw fromWorkerError(reply.error);
        }
      }
    } finally {
      if (!finished) this.cancel(id);
    }
  }

  /**
   * Ends the worker once the requests already queued have completed (it asks the worker to
   * stop; after 10 s it terminates it). The engine stays usable: a later call starts a new
   * worker and loads the engine again.
   */
  async close(): Promise<void> {
    const state = this.state;
    this.state = null;
    if (state === null) return;
    const { worker } = state;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ type: "close" } satisfies TtsWorkerRequest);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), 10_000);
    });
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.failPending(new Error("The TTS engine was closed"));
      await worker.terminate();
    }
  }

  private flushSamples(): number {
    return Math.max(1, Math.round(this.rate * this.streamChunkSeconds));
  }

  private ensureWorker(): WorkerState {
    if (this.state !== null) return this.state;
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
    const { port1, port2 } = new MessageChannel();
    const worker = startWorker({ engine: this.config, ctrl, syncPort: port2 });
    worker.unref();
    const state: WorkerState = { worker, ctrl, syncPort: port1, loaded: null, ready: false };
    worker.on("message", (reply: TtsWorkerReply) => this.onMessage(reply));
    worker.on("error", (err: Error) => {
      log.warn("TTS worker failed", { engine: this.config.kind, error: err });
      this.detach(state);
      this.failPending(err);
      void worker.terminate();
    });
    worker.on("exit", (code) => {
      port1.close();
      if (this.state === state) {
        this.detach(state);
        this.failPending(new Error(`The TTS worker exited with code ${code}`));
      }
    });
    this.state = state;
    log.debug("TTS worker started", { engine: this.config.kind });
    return state;
  }

  private detach(state: WorkerState): void {
    if (this.state === state) this.state = null;
  }

  /** After a failed load the worker is useless: let it go, so the next call starts afresh. */
  private discardAfterLoadFailure(state: WorkerState): void {
    if (this.state !== state) return;
    this.state = null;
    state.worker.postMessage({ type: "close" } satisfies TtsWorkerRequest);
  }

  private post(state: WorkerState, req: TtsWorkerRequest): void {
    state.worker.postMessage(req);
  }

  private addPending(id: number, p: Pending): void {
    if (this.pending.size === 0) this.state?.worker.ref();
    this.pending.set(id, p);
  }

  private removePending(id: number): void {
    if (!this.pending.delete(id)) return;
    if (this.pending.size === 0) this.state?.worker.unref();
  }

  private cancel(id: number): void {
    const p = this.pending.get(id);
    this.removePending(id);
    if (p?.kind === "stream") p.done = true;
    const state = this.state;
    if (state === null) return;
    Atomics.store(state.ctrl, CTRL_CANCEL, id);
    this.post(state, { type: "cancel", id });
  }

  private onMessage(reply: TtsWorkerReply): void {
    if (reply.type === "log") {
      log[reply.level](reply.message, { engine: this.config.kind, ...reply.fields });
      return;
    }
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    if (p.kind === "load") {
      this.removePending(reply.id);
      if (reply.type === "loaded") {
        this.acceptRate(reply.sampleRate);
        p.resolve();
      } else if (reply.type === "error") {
        p.reject(fromWorkerError(reply.error));
      }
      return;
    }
    if (reply.type === "chunk") {
      p.chunks.push(reply.samples);
    } else if (reply.type === "end") {
      p.done = true;
      this.removePending(reply.id);
    } else if (reply.type === "error") {
      p.error = fromWorkerError(reply.error);
      this.removePending(reply.id);
    }
    const wake = p.wake;
    p.wake = null;
    wake?.();
  }

  private acceptRate(rate: number): void {
    if (rate !== this.rate) {
      log.warn("TTS engine reports another sample rate than expected", {
        engine: this.config.kind,
        expected: this.rate,
        actual: rate,
      });
      this.rate = rate;
    }
  }

  /** Loads the engine, blocking the calling thread. */
  private loadSync(state: WorkerState): void {
    const id = this.nextId++;
    this.post(state, { type: "load", id, sync: true });
    const reply = this.receiveSync(state, id);
    if (reply.type === "loaded") {
      this.acceptRate(reply.sampleRate);
      state.ready = true;
      state.loaded ??= Promise.resolve();
      return;
    }
    this.discardAfterLoadFailure(state);
    throw reply.type === "error"
      ? fromWorkerError(reply.error)
      : new Error("Unexpected reply from the TTS worker");
  }

  /** Blocks until the worker posts the next synchronous reply for request `id`. */
  private receiveSync(state: WorkerState, id: number): TtsWorkerReply {
    const { ctrl, syncPort } = state;
    const deadline = Date.now() + this.syncTimeoutMs;
    for (;;) {
      const seen = Atomics.load(ctrl, CTRL_SEQ);
      const got = receiveMessageOnPort(syncPort);
      if (got !== undefined) {
        const reply = got.message as TtsWorkerReply;
        if (reply.type !== "log" && reply.id === id) return reply;
        continue; // a late reply of an abandoned request
      }
      if (Atomics.load(ctrl, CTRL_DEAD) === 1) {
        this.detach(state);
        throw new Error("The TTS worker thread exited while a synchronous request was waiting");
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`The TTS worker did not answer within ${this.syncTimeoutMs} ms`);
      }
      Atomics.wait(ctrl, CTRL_SEQ, seen, left);
    }
  }

  private failPending(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      if (p.kind === "load") {
        p.reject(err);
      } else {
        p.error = err;
        const wake = p.wake;
        p.wake = null;
        wake?.();
      }
    }
  }
}
