import type { Worker } from "node:worker_threads";
import { assertAudioChunk, downmixToMono } from "../audio/convert.js";
import type { AudioChunk } from "../audio/types.js";
import { getLogger } from "../logger.js";
import { closeModelWorker, startModuleWorker, WorkerCalls } from "../utils/worker.js";
import type { SileroVersion } from "./sileroInference.js";
import { checkWindow, defaultSileroModelPath } from "./sileroInference.js";
import type {
  SileroWorkerData,
  SileroWorkerRequest,
  SileroWorkerResponse,
} from "./sileroWorker.js";
import {
  resolveSileroOptions,
  segmentSpeech,
  speechDuration,
  VAD_SAMPLE_RATE,
} from "./speechTimestamps.js";
import type { PauseDetectionModel, SileroVadOptions, VadResult } from "./types.js";

const log = getLogger("vad");

const STANDARD_WINDOWS = new Set([512, 1024, 1536]);

/**
 * Options of the {@link SileroVad} constructor.
 *
 * @example
 * ```ts
 * const model = new SileroVad({ version: "v5", modelPath: "/models/silero_vad_v5.onnx" });
 * ```
 */
export interface SileroVadModelOptions {
  /**
   * Which model to run. Default `"v4"`, the interface of the model FastRTC downloads
   * (`silero_vad_legacy.onnx` from `@ricky0123/vad-web`). `"v5"` uses `silero_vad_v5.onnx`
   * (Silero v5.1) and `"v6"` uses `silero_vad_v6.onnx` (Silero v6.2); with both, windows must be
   * a multiple of 512 samples.
   */
  version?: SileroVersion;
  /** An explicit `.onnx` file with the interface of `version`. Default: the packaged weights. */
  modelPath?: string;
}

/**
 * Probabilities of one call plus the time the worker spent on it (from
 * {@link SileroVad.probabilitiesWithStats}).
 *
 * @example
 * ```ts
 * const { probabilities, computeMs } = await model.probabilitiesWithStats(audio16k, 512);
 * const usPerWindow = (computeMs * 1000) / probabilities.length;
 * ```
 */
export interface SileroProbabilityStats {
  /** One speech probability per window. */
  probabilities: Float32Array;
  /** Length of the 16 kHz audio the probabilities describe, in samples. */
  length16k: number;
  /** Milliseconds the worker spent converting and resampling to 16 kHz (0 work at 16 kHz). */
  prepareMs: number;
  /** Milliseconds spent running the model inside the worker (no messaging, no queueing). */
  computeMs: number;
}

/**
 * Silero voice-activity detection (FastRTC's `SileroVADModel`), a {@link PauseDetectionModel}.
 *
 * `vad([rate, samples], options)` hands mono int16 or float32 audio at any rate to a worker
 * thread, which converts it to 16 kHz float32 and gets one speech probability per
 * `windowSizeSamples` window (zero-padded tail, recurrent state zeroed per call); the result is
 * segmented
 * ({@link segmentSpeech}) and returns `[Σ(end − start) / 16000, chunks]`. It never throws: any
 * error (bad input, bad options, model failure) is logged as a warning and gives
 * `[Infinity, []]`, which turn-taking treats as speech.
 *
 * One worker thread per instance does the resampling and all of a call's windows in one
 * message round trip; calls are queued. The worker is unreferenced while idle, so it never keeps the process alive;
 * `close()` terminates it (a later call starts a new one). Use {@link getSileroModel} to share
 * one instance per process.
 *
 * @example
 * ```ts
 * const model = new SileroVad(); // v4, packaged weights
 * await model.warmup();
 * const [seconds, chunks] = await model.vad([48000, int16Samples], { minSilenceDurationMs: 100 });
 * await model.close();
 * ```
 */
export class SileroVad implements PauseDetectionModel<Partial<SileroVadOptions>> {
  /** The model interface in use (`"v4"` by default). */
  readonly version: SileroVersion;
  /** The `.onnx` file the worker loads. */
  readonly modelPath: string;

  private worker: Worker | null = null;
  private readonly calls = new WorkerCalls<SileroProbabilityStats>();
  private readonly warnedWindows = new Set<number>();

  /**
   * @param options - `version` (default `"v4"`) and `modelPath` (default: the weights shipped in
   *   `@ricky0123/vad-web`). The file is only opened by the worker, on first use.
   * @throws TypeError / RangeError for invalid options.
   */
  constructor(options: SileroVadModelOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("SileroVad options must be an object");
    }
    const version = options.version ?? "v4";
    if (version !== "v4" && version !== "v5" && version !== "v6") {
      throw new RangeError(
        `SileroVad version must be "v4", "v5" or "v6", got ${JSON.stringify(version)}`,
      );
    }
    if (options.modelPath !== undefined) {
      if (typeof options.modelPath !== "string" || options.modelPath.length === 0) {
        throw new TypeError("SileroVad modelPath must be a non-empty string");
      }
    }
    this.version = version;
    this.modelPath = options.modelPath ?? defaultSileroModelPath(version);
  }

  /**
   * Measures speech in `audio`: returns `[seconds of speech, chunks]`, chunk indices being
   * 16 kHz samples. `options` are partial {@link SileroVadOptions} (defaults 0.5 / 250 / Infinity
   * / 2000 / 1024 / 400). Stereo chunks (`[rate, samples, "stereo"]`) are averaged to mono.
   * Never rejects: on any error it logs a warning and returns `[Infinity, []]`.
   *
   * @example
   * ```ts
   * const [speech] = await model.vad([16000, chunk]); // 0 or 0.6 for a 0.6 s chunk (defaults)
   * ```
   */
  async vad(audio: AudioChunk, options?: Partial<SileroVadOptions> | null): Promise<VadResult> {
    try {
      const opts = resolveSileroOptions(options);
      const w = opts.windowSizeSamples;
      checkWindow(w, this.version);
      if (!STANDARD_WINDOWS.has(w) && !this.warnedWindows.has(w)) {
        this.warnedWindows.add(w);
        log.warn("Silero VAD expects windowSizeSamples of 512, 1024 or 1536", {
          windowSizeSamples: w,
        });
      }
      assertAudioChunk(audio, "vad() audio");
      const [rate, samples, layout] = audio;
      // The buffer is transferred to the worker: never hand over the caller's memory.
      const mono = layout === "stereo" ? downmixToMono(samples, 2) : samples.slice();
      const { probabilities, length16k } = await this.request(mono, rate, w);
      const chunks = segmentSpeech(probabilities, length16k, opts);
      return [speechDuration(chunks), chunks];
    } catch (err) {
      log.warn("VAD failed; treating the audio as speech", { error: err });
      return [Number.POSITIVE_INFINITY, []];
    }
  }

  /**
   * Speech probability of each `windowSize`-sample window of `audio16k` (16 kHz mono float32),
   * computed in the worker. The input is copied, not modified. Unlike {@link SileroVad.vad} this
   * rejects on error.
   *
   * @param windowSize - Default `1024`; must be an integer >= 512 (v5: a multiple of 512).
   * @example
   * ```ts
   * const probs = await model.probabilities(new Float32Array(16000), 512); // 32 values
   * ```
   */
  async probabilities(audio16k: Float32Array, windowSize = 1024): Promise<Float32Array> {
    return (await this.probabilitiesWithStats(audio16k, windowSize)).probabilities;
  }

  /**
   * Like {@link SileroVad.probabilities}, and also reports the time the worker spent in the
   * model (for benchmarks and diagnostics).
   *
   * @example
   * ```ts
   * const { probabilities, computeMs } = await model.probabilitiesWithStats(audio16k, 512);
   * ```
   */
  async probabilitiesWithStats(
    audio16k: Float32Array,
    windowSize = 1024,
  ): Promise<SileroProbabilityStats> {
    if (!(audio16k instanceof Float32Array)) {
      throw new TypeError("probabilities() needs a Float32Array of 16 kHz samples");
    }
    checkWindow(windowSize, this.version);
    return this.request(audio16k.slice(), VAD_SAMPLE_RATE, windowSize);
  }

  /**
   * Starts the worker, loads the model and runs it on a few windows of silence so the first
   * real call is fast. Rejects if the model cannot be loaded.
   *
   * @example
   * ```ts
   * await getSileroModel().warmup();
   * ```
   */
  async warmup(): Promise<void> {
    const w = 1024;
    for (let k = 0; k < 3; k++) await this.request(new Int16Array(12 * w), 48000, w);
  }

  /**
   * Ends the worker thread once the calls already in flight have completed (they resolve
   * normally). The instance stays usable: a later call starts a new worker.
   *
   * @example
   * ```ts
   * await model.close();
   * ```
   */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    await closeModelWorker(worker, this.calls, 10_000, "SileroVad was closed");
  }

  /** Alias of {@link SileroVad.close}. */
  dispose(): Promise<void> {
    return this.close();
  }

  /** Sends `samples` (a fresh array this instance owns: its buffer is transferred). */
  private request(
    samples: Int16Array | Float32Array,
    sampleRate: number,
    windowSize: number,
  ): Promise<SileroProbabilityStats> {
    const worker = this.ensureWorker();
    return this.calls.call(worker, (id) => {
      const msg: SileroWorkerRequest = { id, samples, sampleRate, windowSize };
      worker.postMessage(msg, [samples.buffer as ArrayBuffer]);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = startModuleWorker(import.meta.url, "sileroWorker", {
      workerData: { modelPath: this.modelPath, version: this.version } satisfies SileroWorkerData,
      what: "VAD",
    });
    worker.unref();
    worker.on("message", (res: SileroWorkerResponse) => this.onMessage(res));
    worker.on("error", (err: Error) => {
      log.warn("VAD worker failed", { error: err });
      if (this.worker === worker) this.worker = null;
      this.calls.failAll(err);
      void worker.terminate();
    });
    worker.on("exit", (code) => {
      if (this.worker === worker) {
        this.worker = null;
        this.calls.failAll(new Error(`VAD worker exited with code ${code}`));
      }
    });
    this.worker = worker;
    log.debug("VAD worker started", { version: this.version, modelPath: this.modelPath });
    return worker;
  }

  private onMessage(res: SileroWorkerResponse): void {
    if (res.ok) {
      this.calls.resolve(
        res.id,
        {
          probabilities: res.probabilities,
          length16k: res.length16k,
          prepareMs: res.prepareMs,
          computeMs: res.computeMs,
        },
        this.worker,
      );
    } else this.calls.reject(res.id, res.error, this.worker);
  }
}

const shared = new Map<SileroVersion, SileroVad>();

/**
 * The process-wide Silero model for a version (FastRTC's `get_silero_model()`): created on the
 * first call, then the same instance for every session. Not warmed up: call
 * `await getSileroModel().warmup()` at start-up to load the weights early.
 *
 * @param options - `version`: `"v4"` (default), `"v5"` or `"v6"`.
 * @example
 * ```ts
 * const model = getSileroModel();
 * const [seconds] = await model.vad([48000, chunk]);
 * ```
 */
export function getSileroModel(options: { version?: SileroVersion } = {}): SileroVad {
  const version = options.version ?? "v4";
  let model = shared.get(version);
  if (model === undefined) {
    model = new SileroVad({ version });
    shared.set(version, model);
  }
  return model;
}
