/**
 * Types of the speech-to-text API (FastRTC's `STTModel` protocol, `get_stt_model()`).
 */
import type { AudioChunk } from "../audio/types.js";
import type { ModelCacheOptions } from "../models/modelTypes.js";

/**
 * Names accepted by `getSttModel()`: `"moonshine/tiny"` (default; weights from npm, works
 * offline once cached) and `"moonshine/base"` (Hugging Face hub).
 *
 * @example
 * ```ts
 * const name: SttModelName = "moonshine/base";
 * ```
 */
export type SttModelName = "moonshine/tiny" | "moonshine/base";

/**
 * A speech-to-text model: `stt([sampleRate, samples])` → text. Implement it to plug another
 * engine (a cloud API, whisper.cpp, ...) into handlers such as `ReplyOnStopWords`.
 *
 * @example
 * ```ts
 * const model: SttModel = await getSttModel();
 * const text = await model.stt([48000, int16Samples]);
 * ```
 */
export interface SttModel {
  /**
   * Transcribes one utterance. Any sample rate (resampled to 16 kHz), int16 or float32,
   * mono or `"stereo"` (averaged). Returns `""` for audio shorter than 0.1 s.
   */
  stt(audio: AudioChunk): Promise<string>;
  /** Loads the model and runs it once so the first real call is fast. */
  warmup(): Promise<void>;
  /** Frees the model (worker thread, native sessions). Optional for custom models. */
  close?(): Promise<void>;
}

/**
 * Options of `getSttModel()` and the `MoonshineStt` constructor: the model-cache options (cache
 * folder, progress, fetch injection; auto-pull on first use) plus inference settings.
 *
 * @example
 * ```ts
 * const model = await getSttModel("moonshine/tiny", { threads: 2, onProgress: (p) => console.error(p.phase) });
 * ```
 */
export interface SttModelOptions extends ModelCacheOptions {
  /** onnxruntime intra-op threads of the worker's sessions. Default `1`. */
  threads?: number;
  /** Token cap per second of audio. Default `6`. */
  tokensPerSecond?: number;
  /**
   * Explicit model files instead of the cache (`encoder`, `decoder`, optional `tokenizer`
   * `tokenizer.json`). Default: the cached files of the model name.
   */
  files?: { encoder: string; decoder: string; tokenizer?: string };
  /** Run a warm-up transcription while loading (`getSttModel` only). Default `true`. */
  warmup?: boolean;
}

/**
 * Details of one transcription (from `MoonshineStt.transcribe()`).
 *
 * @example
 * ```ts
 * const { text, audioSeconds, encodeMs, decodeMs } = await model.transcribe([16000, samples]);
 * ```
 */
export interface SttResult {
  text: string;
  /** Generated token ids (no start token, no EOS). */
  tokens: number[];
  /** Whether decoding stopped on EOS (false: the token cap was hit). */
  stoppedOnEos: boolean;
  /** Length of the audio, in seconds. */
  audioSeconds: number;
  /** Milliseconds converting and resampling in the worker. */
  prepareMs: number;
  /** Milliseconds in the encoder. */
  encodeMs: number;
  /** Milliseconds in the decoding loop. */
  decodeMs: number;
}
