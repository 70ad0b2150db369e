/**
 * Types of the text-to-speech models (FastRTC's `TTSModel` protocol, reference §1.8 and §10).
 */
import type { AudioChunk } from "../audio/types.js";

/**
 * Names accepted by {@link getTtsModel}.
 *
 * - `"espeak"`: eSpeak-NG compiled to WebAssembly (`@echogarden/espeak-ng-emscripten`, an
 *   optional GPL-3.0 dependency). Fully offline, 22 050 Hz, robotic but clear.
 * - `"kokoro"`: Kokoro-82M through `kokoro-js` (optional, Apache-2.0). Natural voices, 24 kHz;
 *   the model (~90 MB at `q8`) is downloaded from the Hugging Face hub on first use.
 *
 * @example
 * ```ts
 * const name: TtsModelName = process.env.ONLINE ? "kokoro" : "espeak";
 * const model = await getTtsModel(name);
 * ```
 */
export type TtsModelName = "espeak" | "kokoro";

/**
 * A text-to-speech model (FastRTC's `TTSModel`): text in, mono float32 audio at
 * {@link TtsModel.sampleRate} out.
 *
 * Streaming (`streamTts`, `streamTtsSync`) follows FastRTC (reference §10): the text is trimmed
 * and split into sentences at the whitespace that follows `.`, `!` or `?`
 * ({@link splitSentences}); blank sentences are skipped; every sentence after the first is
 * preceded by `Math.floor(sampleRate / 7)` zero samples (≈143 ms) — emitted as a chunk of its
 * own, just before that sentence's first audio chunk. FastRTC does this for Kokoro (not for
 * Cartesia); fastrtc-ts does it for both of its engines, Kokoro and eSpeak (eSpeak synthesizes
 * each sentence separately and leaves almost no pause at a sentence's end, so without it
 * sentences would run into each other).
 *
 * `tts()` synthesizes the whole text at once, without inserted silence (as FastRTC's Kokoro
 * `tts()`): eSpeak paces its own sentences, Kokoro works through length-limited batches.
 *
 * @typeParam O - The per-call options (e.g. {@link KokoroTTSOptions}).
 * @example
 * ```ts
 * const model: TtsModel<EspeakTTSOptions> = await getTtsModel("espeak");
 * const [rate, samples] = await model.tts("Hello there.");
 * for await (const chunk of model.streamTts("One. Two. Three.")) yield chunk;
 * ```
 */
export interface TtsModel<O extends object = object> {
  /** The engine's name (`"espeak"`, `"kokoro"`, ...). */
  readonly name: string;
  /** Rate of every chunk this model returns, in Hz (eSpeak 22 050, Kokoro 24 000). */
  readonly sampleRate: number;
  /**
   * Synthesizes the whole text. Resolves to `[sampleRate, Float32Array]` (mono); blank text
   * gives zero samples.
   *
   * @throws TypeError / RangeError (as a rejected promise) for a non-string or too long text or
   *   invalid options.
   */
  tts(text: string, options?: O | null): Promise<AudioChunk>;
  /**
   * Streams the text sentence by sentence (see the interface notes for the silence rule).
   * Arguments are checked when it is called (it throws TypeError / RangeError at once);
   * breaking out of the loop cancels the remaining synthesis.
   */
  streamTts(text: string, options?: O | null): AsyncIterable<AudioChunk>;
  /**
   * Like {@link TtsModel.streamTts}, as a synchronous iterator: each step **blocks the calling
   * thread** until the next chunk is ready (for synchronous handlers; prefer `streamTts`).
   */
  streamTtsSync(text: string, options?: O | null): Iterable<AudioChunk>;
  /** Loads the engine and synthesizes a short phrase, so the first real call is fast. */
  warmup(): Promise<void>;
  /** Frees the engine (ends its worker thread). A later call starts and loads it again. */
  close(): Promise<void>;
}

/**
 * Per-call options of the `"espeak"` model (all optional; the model's defaults fill the gaps).
 *
 * @example
 * ```ts
 * await model.tts("Cheerio.", { voice: "en-gb", speed: 1.2, pitch: 60 });
 * ```
 */
export interface EspeakTTSOptions {
  /**
   * eSpeak-NG voice. Default `"en-us"`. Accepts a language code (`"en-us"`, `"en-gb"`,
   * `"en"`, `"fr"`, ...), a voice identifier (`"gmw/en-US"`, `"gmw/en-GB-x-rp"`) or its last
   * part (`"en-GB-x-rp"`), or a voice name (`"English (Scotland)"`), optionally followed by an
   * eSpeak variant (`"en-us+f3"`, `"en-gb+klatt"`). Case-insensitive. An unknown voice rejects
   * with a RangeError listing the English voices.
   */
  voice?: string;
  /** Speaking-rate multiplier. Default `1` (175 words per minute); range 0.5–2.5. */
  speed?: number;
  /** Base pitch, an integer 0–99. Default `50`. */
  pitch?: number;
}

/**
 * Options of the `"espeak"` model ({@link getTtsModel} / {@link EspeakTts}): defaults for every
 * call, plus where to load eSpeak-NG from.
 *
 * @example
 * ```ts
 * const model = await getTtsModel("espeak", { voice: "en-gb", speed: 1.1 });
 * ```
 */
export interface EspeakModelOptions extends EspeakTTSOptions {
  /**
   * Module to import eSpeak-NG from. Default `"@echogarden/espeak-ng-emscripten"` (GPL-3.0,
   * an optional dependency of fastrtc-ts). Any module with the same interface works, e.g. a
   * vendored copy (a path or `file:` URL).
   */
  moduleSpecifier?: string;
}

/**
 * Voices of Kokoro-82M v1.0 in `kokoro-js` (`af_*`/`am_*` American English, `bf_*`/`bm_*`
 * British English).
 *
 * @example
 * ```ts
 * const voice: KokoroVoice = "bf_emma";
 * ```
 */
export type KokoroVoice =
  | "af_heart"
  | "af_alloy"
  | "af_aoede"
  | "af_bella"
  | "af_jessica"
  | "af_kore"
  | "af_nicole"
  | "af_nova"
  | "af_river"
  | "af_sarah"
  | "af_sky"
  | "am_adam"
  | "am_echo"
  | "am_eric"
  | "am_fenrir"
  | "am_liam"
  | "am_michael"
  | "am_onyx"
  | "am_puck"
  | "am_santa"
  | "bf_emma"
  | "bf_isabella"
  | "bm_george"
  | "bm_lewis"
  | "bf_alice"
  | "bf_lily"
  | "bm_daniel"
  | "bm_fable";

/**
 * Per-call options of the `"kokoro"` model (FastRTC's `KokoroTTSOptions`).
 *
 * @example
 * ```ts
 * await model.tts("Lovely weather.", { voice: "bf_emma", lang: "en-gb", speed: 0.9 });
 * ```
 */
export interface KokoroTTSOptions {
  /** Voice. Default `"af_heart"`. One of {@link KokoroVoice} (checked when the model runs). */
  voice?: KokoroVoice | (string & {});
  /** Speaking-rate multiplier. Default `1`; range 0.5–2. */
  speed?: number;
  /**
   * Accent: `"en-us"` (default) or `"en-gb"`. `kokoro-js` takes the accent from the voice
   * (`a*` voices American, `b*` British), so when an explicitly given `lang` disagrees with
   * the voice, the voice wins and a warning is logged once.
   */
  lang?: "en-us" | "en-gb";
}

/**
 * ONNX weight variants of the Kokoro model on the hub.
 *
 * @example
 * ```ts
 * const dtype: KokoroDtype = "fp32"; // best quality, 330 MB
 * ```
 */
export type KokoroDtype = "fp32" | "fp16" | "q8" | "q4" | "q4f16";

/**
 * Options of the `"kokoro"` model ({@link getTtsModel} / {@link KokoroTts}): defaults for every
 * call plus where the model comes from.
 *
 * @example
 * ```ts
 * // Load only from a cache filled earlier (no network):
 * const model = await getTtsModel("kokoro", { cacheDir: "/var/cache/hf", localFilesOnly: true });
 * ```
 */
export interface KokoroModelOptions extends KokoroTTSOptions {
  /** Hub model id. Default `"onnx-community/Kokoro-82M-v1.0-ONNX"`. */
  modelId?: string;
  /** Weight variant. Default `"q8"` (8-bit quantized, ~90 MB). */
  dtype?: KokoroDtype;
  /**
   * Directory of the transformers.js file cache. Default: transformers' own default
   * (`node_modules/@huggingface/transformers/.cache/`).
   */
  cacheDir?: string;
  /**
   * Base URL of the model hub. Default `"https://huggingface.co/"` (or a mirror such as
   * `"https://hf-mirror.com/"`).
   */
  remoteHost?: string;
  /** Never download: load from `cacheDir` (or transformers' local model path) only. Default `false`. */
  localFilesOnly?: boolean;
}

/**
 * The synthesis backend that a {@link SentenceTtsModel} drives (one per model). The real
 * engines run in a worker thread; implement this to plug in another engine, or a fake one in
 * tests.
 *
 * @typeParam R - Fully resolved per-call options.
 * @example
 * ```ts
 * const silent: TtsEngine<object> = {
 *   sampleRate: 16000,
 *   async load() {},
 *   async *synthesize() { yield new Float32Array(1600); },
 *   *synthesizeSync() { yield new Float32Array(1600); },
 *   async close() {},
 * };
 * ```
 */
export interface TtsEngine<R> {
  /** Output rate in Hz. */
  readonly sampleRate: number;
  /** Loads the engine (idempotent); rejects with a clear error when it cannot. */
  load(): Promise<void>;
  /**
   * Mono float32 audio of `text` (already trimmed, not blank), in order. `single` asks for
   * the whole result as one chunk (for `tts()`); otherwise chunks come as soon as they are
   * ready. Returning early (breaking the loop) cancels the rest.
   */
  synthesize(text: string, options: R, single: boolean): AsyncIterable<Float32Array>;
  /** The same, blocking the calling thread for each chunk. */
  synthesizeSync(text: string, options: R): Iterable<Float32Array>;
  /** Frees the engine; a later call may load it again. */
  close(): Promise<void>;
}
