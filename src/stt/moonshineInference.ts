/**
 * Moonshine speech-to-text on onnxruntime-node: the encoder graph, then a greedy decoding loop
 * over the merged decoder graph with past key values. Used inside the STT worker thread; it can be
 * used directly (benchmarks), but it blocks the calling thread while the model runs.
 *
 * The decoder's shape (layers, heads, head size) is read from the graph's input metadata, so the
 * same code runs Moonshine tiny and base.
 */
import * as ort from "../models/onnxRuntime.js";
import {
  DEFAULT_TOKENS_PER_SECOND,
  MIN_STT_SAMPLES,
  MOONSHINE_EOS_TOKEN,
  MOONSHINE_SAMPLE_RATE,
  MOONSHINE_START_TOKEN,
} from "./constants.js";

/**
 * Options of {@link MoonshineInference.create}.
 *
 * @example
 * ```ts
 * const opts: MoonshineInferenceOptions = { threads: 1 };
 * ```
 */
export interface MoonshineInferenceOptions {
  /** onnxruntime intra-op threads per session. Default `1` (one core per model). */
  threads?: number;
}

/**
 * Timing and size of one {@link MoonshineInference.generate} call.
 *
 * @example
 * ```ts
 * const { tokens, encodeMs, decodeMs } = await model.generate(audio16k);
 * ```
 */
export interface GenerateResult {
  /** Generated token ids, without the start token and without the final EOS. */
  tokens: number[];
  /** Whether decoding ended on the EOS token (false: the token cap was hit). */
  stoppedOnEos: boolean;
  /** Milliseconds in the encoder. */
  encodeMs: number;
  /** Milliseconds in the decoding loop. */
  decodeMs: number;
}

interface DecoderShape {
  layers: number;
  heads: number;
  headDim: number;
}

function dimOf(meta: ort.InferenceSession.ValueMetadata | undefined, index: number): number | null {
  if (meta === undefined || !meta.isTensor) return null;
  const d = meta.shape[index];
  return typeof d === "number" ? d : null;
}

/** Reads layers / heads / head size from the decoder's `past_key_values.*` inputs. */
function decoderShape(session: ort.InferenceSession): DecoderShape {
  const names = session.inputNames;
  let layers = 0;
  while (names.includes(`past_key_values.${layers}.decoder.key`)) layers++;
  const required = ["input_ids", "encoder_hidden_states", "use_cache_branch"];
  const missing = required.filter((n) => !names.includes(n));
  if (layers === 0 || missing.length > 0) {
    throw new Error(
      `not a Moonshine merged decoder: inputs are [${names.join(", ")}] (expected input_ids, encoder_hidden_states, use_cache_branch and past_key_values.N.{decoder,encoder}.{key,value})`,
    );
  }
  const idx = names.indexOf("past_key_values.0.decoder.key");
  const meta = session.inputMetadata[idx];
  const heads = dimOf(meta, 1);
  const headDim = dimOf(meta, 3);
  if (heads === null || headDim === null) {
    throw new Error("the Moonshine decoder does not declare its key/value head sizes");
  }
  return { layers, heads, headDim };
}

/** Audio quieter than this (RMS, dBFS) may decode to nothing at all. */
const SPEECH_FLOOR_DBFS = -40;

function rmsDb(audio: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < audio.length; i++) {
    const v = audio[i] as number;
    sum += v * v;
  }
  const ms = sum / Math.max(1, audio.length);
  return ms > 0 ? 10 * Math.log10(ms) : Number.NEGATIVE_INFINITY;
}

/** The most likely token of the last row, never `exclude` (-1: none excluded). */
function argmaxLastRow(logits: ort.Tensor, exclude = -1): number {
  const data = logits.data as Float32Array;
  const vocab = logits.dims[logits.dims.length - 1] ?? data.length;
  const start = data.length - vocab;
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) {
    if (i === exclude) continue;
    const v = data[start + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * The two onnxruntime sessions of a Moonshine model and the greedy decoding loop.
 *
 * @example
 * ```ts
 * const model = await MoonshineInference.create(encoderPath, decoderPath);
 * const { tokens } = await model.generate(audio16k); // Float32Array at 16 kHz, mono
 * await model.dispose();
 * ```
 */
export class MoonshineInference {
  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly shape: DecoderShape,
  ) {}

  /**
   * Loads the encoder and the merged decoder.
   *
   * @param encoderPath - `encoder_model.onnx` (input `input_values`, output `last_hidden_state`).
   * @param decoderPath - `decoder_model_merged.onnx`.
   * @param options - `threads` (default 1).
   * @throws Error when a file is missing or is not a Moonshine graph.
   */
  static async create(
    encoderPath: string,
    decoderPath: string,
    options: MoonshineInferenceOptions = {},
  ): Promise<MoonshineInference> {
    const threads = options.threads ?? 1;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
    };
    const encoder = await ort.InferenceSession.create(encoderPath, sessionOptions);
    let decoder: ort.InferenceSession;
    try {
      if (!encoder.inputNames.includes("input_values")) {
        throw new Error(
          `${encoderPath} is not a Moonshine encoder: inputs are [${encoder.inputNames.join(", ")}]`,
        );
      }
      decoder = await ort.InferenceSession.create(decoderPath, sessionOptions);
    } catch (err) {
      await encoder.release();
      throw err;
    }
    try {
      return new MoonshineInference(encoder, decoder, decoderShape(decoder));
    } catch (err) {
      await encoder.release();
      await decoder.release();
      throw new Error(`${decoderPath}: ${(err as Error).message}`);
    }
  }

  /** Decoder layers, key/value heads and head size read from the graph. */
  get layout(): Readonly<DecoderShape> {
    return this.shape;
  }

  /**
   * Greedy decoding of `audio` (16 kHz mono float32): encoder once, then one decoder step per
   * token (the first step without cache, the next ones with the decoder's self-attention cache
   * and the cross-attention cache of the first step) until EOS or `maxTokens`.
   *
   * @param audio - 16 kHz mono samples in [-1, 1]. Shorter than {@link MIN_STT_SAMPLES}: no
   *   tokens.
   * @param maxTokens - Token cap. Default `ceil(seconds × 6)`.
   */
  async generate(audio: Float32Array, maxTokens?: number): Promise<GenerateResult> {
    const seconds = audio.length / MOONSHINE_SAMPLE_RATE;
    const cap = maxTokens ?? Math.ceil(seconds * DEFAULT_TOKENS_PER_SECOND);
    if (audio.length < MIN_STT_SAMPLES || cap <= 0) {
      return { tokens: [], stoppedOnEos: false, encodeMs: 0, decodeMs: 0 };
    }
    const t0 = performance.now();
    const encoded = await this.encoder.run({
      input_values: new ort.Tensor("float32", audio, [1, audio.length]),
    });
    const hidden = encoded.last_hidden_state;
    if (hidden === undefined) throw new Error("the Moonshine encoder gave no last_hidden_state");
    const t1 = performance.now();

    const { layers, heads, headDim } = this.shape;
    const empty = new ort.Tensor("float32", new Float32Array(0), [1, heads, 0, headDim]);
    const past: Record<string, ort.Tensor> = {};
    for (let l = 0; l < layers; l++) {
      for (const part of ["decoder", "encoder"]) {
        for (const kv of ["key", "value"]) past[`past_key_values.${l}.${part}.${kv}`] = empty;
      }
    }

    // Moonshine tiny sometimes ends at once on clear speech (seen on an 8 s sentence recorded
    // through Chromium: "" instead of the sentence). As Whisper's blank suppression does, an
    // immediate end is not taken when the audio is loud enough to hold speech; silence and
    // near-silence still give "".
    const firstExclude = rmsDb(audio) > SPEECH_FLOOR_DBFS ? MOONSHINE_EOS_TOKEN : -1;
    const tokens: number[] = [];
    let stoppedOnEos = false;
    let next = MOONSHINE_START_TOKEN;
    for (let step = 0; step < cap; step++) {
      const feeds: Record<string, ort.Tensor> = {
        ...past,
        input_ids: new ort.Tensor("int64", BigInt64Array.of(BigInt(next)), [1, 1]),
        encoder_hidden_states: hidden,
        use_cache_branch: new ort.Tensor("bool", Uint8Array.of(step > 0 ? 1 : 0), [1]),
      };
      const out = await this.decoder.run(feeds);
      const logits = out.logits;
      if (logits === undefined) throw new Error("the Moonshine decoder gave no logits");
      next = argmaxLastRow(logits, step === 0 ? firstExclude : -1);
      if (next === MOONSHINE_EOS_TOKEN) {
        stoppedOnEos = true;
        break;
      }
      tokens.push(next);
      for (let l = 0; l < layers; l++) {
        for (const kv of ["key", "value"]) {
          const dec = out[`present.${l}.decoder.${kv}`];
          if (dec === undefined) throw new Error(`the Moonshine decoder gave no present.${l}`);
          past[`past_key_values.${l}.decoder.${kv}`] = dec;
          // The cross-attention cache is computed once, on the first (uncached) step.
          if (step === 0) {
            const enc = out[`present.${l}.encoder.${kv}`];
            if (enc === undefined) throw new Error(`the Moonshine decoder gave no present.${l}`);
            past[`past_key_values.${l}.encoder.${kv}`] = enc;
          }
        }
      }
    }
    return { tokens, stoppedOnEos, encodeMs: t1 - t0, decodeMs: performance.now() - t1 };
  }

  /** Frees both native sessions. */
  async dispose(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
  }
}
