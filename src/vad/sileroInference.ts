/**
 * Runs a Silero VAD ONNX model over 16 kHz audio, window by window (reference §9.1, §9.3
 * "Probabilities"). Used inside the VAD worker thread; it can also be used directly (for
 * example by benchmarks), but it blocks the calling thread while the model runs.
 */
import * as ort from "../models/onnxRuntime.js";
import { sileroModelPathSync } from "../models/silero.js";
import { VAD_SAMPLE_RATE } from "./speechTimestamps.js";

/**
 * Which Silero model to run. `"v4"` (the default of the chunk VAD) is the model FastRTC ships
 * (inputs `input`, `sr`, `h`, `c`); `"v5"` (upstream Silero v5.1) and `"v6"` (upstream Silero
 * v6.2) take 512-sample steps with 64 samples of context and a single `state` tensor: same
 * interface, different weights. (The `@ricky0123/vad-web@0.0.31` files are byte-identical to
 * upstream silero-vad: `silero_vad_v5.onnx` to tag v5.1, git blob b3e3a900;
 * `silero_vad_v6.onnx` to tags v6.2 and v6.2.1, git blob 80c5592e.)
 *
 * @example
 * ```ts
 * const version: SileroVersion = "v6";
 * const model = getSileroModel({ version });
 * ```
 */
export type SileroVersion = "v4" | "v5" | "v6";

/**
 * The smallest window the model accepts at 16 kHz (`16000 / 31.25` = 512 samples); shorter
 * `windowSizeSamples` make `vad()` fail (→ `[Infinity, []]`).
 *
 * @example
 * ```ts
 * const opts = resolveSileroOptions({ windowSizeSamples: MIN_WINDOW_SAMPLES });
 * ```
 */
export const MIN_WINDOW_SAMPLES = 512;

/** Samples per v5 model step at 16 kHz. */
const V5_STEP = 512;
/** Samples of context the v5 model takes in front of each step. */
const V5_CONTEXT = 64;

/**
 * Floats per stream in a v5/v6 model input: 64 samples of context + a 512-sample frame.
 *
 * @example
 * ```ts
 * const input = new Float32Array(batch * SILERO_FRAME_INPUT);
 * ```
 * @internal
 */
export const SILERO_FRAME_INPUT = V5_CONTEXT + V5_STEP;

/**
 * Floats of v5/v6 recurrent state per stream (2 × 128).
 *
 * @example
 * ```ts
 * const state = new Float32Array(batch * SILERO_STATE_SIZE);
 * ```
 * @internal
 */
export const SILERO_STATE_SIZE = 256;

/**
 * Path of the Silero weights in the model cache (`<cache>/silero/<version>/`, fetched from the
 * `@ricky0123/vad-web@0.0.31` npm tarball and checked by SHA-256). When the file is missing it is
 * fetched first, blocking (once per machine; `npx fastrtc-ts models pull silero/v4` pre-pulls).
 *
 * @param version - `"v4"` (default; `silero_vad_legacy.onnx`, FastRTC's interface),
 *   `"v5"` (`silero_vad_v5.onnx`) or `"v6"` (`silero_vad_v6.onnx`, Silero v6.2).
 * @throws ModelFetchError when the weights are not cached and cannot be fetched.
 *
 * @example
 * ```ts
 * defaultSileroModelPath("v5"); // "~/.cache/fastrtc-ts/silero/v5/silero_vad_v5.onnx"
 * ```
 */
export function defaultSileroModelPath(version: SileroVersion = "v4"): string {
  return sileroModelPathSync(version);
}

/**
 * An onnxruntime-node session for one Silero model (one intra-op and one inter-op thread, CPU).
 *
 * @example
 * ```ts
 * const model = await SileroInference.create(defaultSileroModelPath("v4"), "v4");
 * const probs = await model.probabilities(audio16k, 512); // one probability per 512 samples
 * await model.dispose();
 * ```
 */
export class SileroInference {
  private readonly sr: ort.Tensor;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** The model interface in use. */
    readonly version: SileroVersion,
  ) {
    this.sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  }

  /**
   * Loads a model file.
   *
   * @param modelPath - Path of the `.onnx` file.
   * @param version - Interface of that file (default `"v4"`).
   */
  static async create(modelPath: string, version: SileroVersion = "v4"): Promise<SileroInference> {
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
    });
    const expected = version === "v4" ? ["input", "sr", "h", "c"] : ["input", "state", "sr"];
    for (const name of expected) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new Error(
          `${modelPath} is not a Silero ${version} model: inputs are [${session.inputNames.join(", ")}], expected [${expected.join(", ")}]`,
        );
      }
    }
    return new SileroInference(session, version);
  }

  /**
   * Speech probability of each `windowSize`-sample window of `audio` (16 kHz float32): windows
   * start at `0, W, 2W, …`, the last one is zero-padded, and the recurrent state starts at zero
   * for every call (v5/v6: the 64-sample context too). With v5 and v6, `windowSize` must be a
   * multiple of 512; a window is run as consecutive 512-sample steps and its probability is the
   * highest of theirs.
   *
   * @throws RangeError when `windowSize` is not an integer >= 512 (or, for v5/v6, not a multiple
   *   of 512).
   */
  async probabilities(audio: Float32Array, windowSize: number): Promise<Float32Array> {
    checkWindow(windowSize, this.version);
    const count = Math.ceil(audio.length / windowSize);
    const out = new Float32Array(count);
    if (this.version === "v4") {
      await this.runV4(audio, windowSize, out);
    } else {
      await this.runV5(audio, windowSize, out);
    }
    return out;
  }

  private async runV4(audio: Float32Array, w: number, out: Float32Array): Promise<void> {
    let h: ort.Tensor = new ort.Tensor("float32", new Float32Array(2 * 64), [2, 1, 64]);
    let c: ort.Tensor = new ort.Tensor("float32", new Float32Array(2 * 64), [2, 1, 64]);
    for (let i = 0; i < out.length; i++) {
      const frame = new Float32Array(w);
      frame.set(audio.subarray(i * w, Math.min(audio.length, (i + 1) * w)));
      const res = await this.session.run({
        input: new ort.Tensor("float32", frame, [1, w]),
        sr: this.sr,
        h,
        c,
      });
      out[i] = probabilityOf(res);
      h = outputTensor(res, "hn");
      c = outputTensor(res, "cn");
    }
  }

  private async runV5(audio: Float32Array, w: number, out: Float32Array): Promise<void> {
    let state: ort.Tensor = new ort.Tensor("float32", new Float32Array(2 * 128), [2, 1, 128]);
    // context (64) + step (512); the context of the first step is zero.
    let prev = new Float32Array(V5_CONTEXT + V5_STEP);
    for (let i = 0; i < out.length; i++) {
      let best = 0;
      for (let s = 0; s < w; s += V5_STEP) {
        const from = i * w + s;
        const frame = new Float32Array(V5_CONTEXT + V5_STEP);
        frame.set(prev.subarray(V5_STEP, V5_STEP + V5_CONTEXT), 0);
        if (from < audio.length) {
          frame.set(audio.subarray(from, Math.min(audio.length, from + V5_STEP)), V5_CONTEXT);
        }
        const res = await this.session.run({
          input: new ort.Tensor("float32", frame, [1, V5_CONTEXT + V5_STEP]),
          state,
          sr: this.sr,
        });
        const p = probabilityOf(res);
        if (s === 0 || p > best) best = p;
        state = outputTensor(res, "stateN");
        prev = frame;
      }
      out[i] = best;
    }
  }

  /**
   * One v5/v6 model step for `batch` independent streams at once (one `session.run`): `input`
   * holds, per stream, 64 samples of context followed by a 512-sample frame (`batch × 576`
   * floats, 16 kHz); `state` is the recurrent state laid out as the model's `[2, batch, 128]`
   * tensor. Resolves with each stream's speech probability and the next state (same layout).
   * Row `b` of the result depends only on row `b` of the input and state.
   *
   * @throws RangeError for v4 or mismatched lengths; Error when the model fails or returns
   *   tensors of an unexpected shape.
   * @example
   * ```ts
   * const model = await SileroInference.create(defaultSileroModelPath("v6"), "v6");
   * const { probabilities, state } = await model.stepBatch(frames, state0, 50);
   * ```
   */
  async stepBatch(
    input: Float32Array,
    state: Float32Array,
    batch: number,
  ): Promise<{ probabilities: Float32Array; state: Float32Array }> {
    if (this.version === "v4") throw new RangeError("stepBatch() needs a Silero v5 or v6 model");
    if (!Number.isSafeInteger(batch) || batch <= 0) {
      throw new RangeError(`batch must be a positive integer, got ${batch}`);
    }
    if (input.length !== batch * SILERO_FRAME_INPUT || state.length !== batch * SILERO_STATE_SIZE) {
      throw new RangeError(
        `stepBatch(): ${batch} rows need ${batch * SILERO_FRAME_INPUT} input and ${batch * SILERO_STATE_SIZE} state values, got ${input.length} and ${state.length}`,
      );
    }
    const res = await this.session.run({
      input: new ort.Tensor("float32", input, [batch, SILERO_FRAME_INPUT]),
      state: new ort.Tensor("float32", state, [2, batch, SILERO_STATE_SIZE / 2]),
      sr: this.sr,
    });
    const out = outputTensor(res, "output");
    const next = outputTensor(res, "stateN");
    if (
      !(out.data instanceof Float32Array) ||
      out.data.length !== batch ||
      !(next.data instanceof Float32Array) ||
      next.data.length !== state.length
    ) {
      throw new Error(
        `Silero ${this.version} returned output [${out.dims.join(", ")}] and stateN [${next.dims.join(", ")}] for a batch of ${batch}`,
      );
    }
    return { probabilities: out.data, state: next.data };
  }

  /** Releases the native session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function outputTensor(res: ort.InferenceSession.OnnxValueMapType, name: string): ort.Tensor {
  const t = res[name];
  if (t === undefined) throw new Error(`Silero model returned no "${name}" output`);
  return t;
}

function probabilityOf(res: ort.InferenceSession.OnnxValueMapType): number {
  const p = outputTensor(res, "output").data[0];
  if (typeof p !== "number") throw new Error("Silero model returned a non-numeric probability");
  return p;
}

/**
 * Checks a window size for a model version (§9.1: windows shorter than 512 samples at 16 kHz
 * are rejected; v5 and v6 also need a multiple of 512).
 *
 * @throws RangeError with a message naming the problem.
 * @example
 * ```ts
 * checkWindow(1024, "v4"); // ok
 * checkWindow(256, "v4");  // RangeError: Input audio chunk is too short ...
 * ```
 */
export function checkWindow(windowSize: number, version: SileroVersion): void {
  if (!Number.isSafeInteger(windowSize) || windowSize <= 0) {
    throw new RangeError(`window size must be a positive integer, got ${windowSize}`);
  }
  if (windowSize < MIN_WINDOW_SAMPLES) {
    throw new RangeError(
      `Input audio chunk is too short: windows of ${windowSize} samples at 16 kHz are below the model's minimum of ${MIN_WINDOW_SAMPLES}`,
    );
  }
  if (version !== "v4" && windowSize % V5_STEP !== 0) {
    throw new RangeError(
      `Silero ${version} needs a window size that is a multiple of ${V5_STEP} samples, got ${windowSize}`,
    );
  }
}
