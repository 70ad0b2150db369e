/**
 * The `"espeak"` TTS model: eSpeak-NG (WebAssembly) in a worker thread. Offline, no model
 * download; needs the optional GPL-3.0 package `@echogarden/espeak-ng-emscripten`.
 */
import {
  type ResolvedEspeakOptions,
  resolveEspeakCallOptions,
  resolveEspeakModelOptions,
} from "./options.js";
import { SentenceTtsModel } from "./sentenceModel.js";
import type { EspeakModelOptions, EspeakTTSOptions, TtsEngine } from "./ttsTypes.js";
import { WorkerTtsEngine } from "./workerEngine.js";

/**
 * eSpeak-NG's output rate in Hz.
 *
 * @example
 * ```ts
 * const seconds = samples.length / ESPEAK_SAMPLE_RATE;
 * ```
 */
export const ESPEAK_SAMPLE_RATE = 22050;

/**
 * eSpeak-NG text-to-speech, a {@link TtsModel} with {@link EspeakTTSOptions} (voice, speed,
 * pitch). Output: mono float32 at 22 050 Hz.
 *
 * - Runs in its own worker thread (started on first use, unreferenced while idle), so
 *   synthesis never stalls the event loop; requests are served one at a time, in order.
 * - `tts()` synthesizes the whole text in one eSpeak call (eSpeak's own pauses between
 *   sentences, ≈0.3 s).
 * - `streamTts()` / `streamTtsSync()` synthesize sentence by sentence with the FastRTC rule:
 *   `Math.floor(22050 / 7)` = 3150 zero samples (≈143 ms) before every sentence after the
 *   first; chunks of ≈0.2 s.
 * - `streamTtsSync()` blocks the calling thread while the worker synthesizes each chunk
 *   (`Atomics.wait`): eSpeak runs ≈30× faster than real time, so a step blocks a few ms
 *   (plus any requests queued before it, and the engine load on first use).
 *
 * eSpeak-NG is imported dynamically inside the worker; when it is not installed the first call
 * (or `warmup()`) rejects with an error saying to install `@echogarden/espeak-ng-emscripten`
 * (GPL-3.0). Prefer {@link getTtsModel}`("espeak")`, which shares one instance per options.
 *
 * @example
 * ```ts
 * const model = new EspeakTts({ voice: "en-gb" });
 * const [rate, samples] = await model.tts("Hello world, this is a test."); // 22050, ~2 s
 * await model.close();
 * ```
 */
export class EspeakTts extends SentenceTtsModel<EspeakTTSOptions, ResolvedEspeakOptions> {
  /** The per-call defaults of this instance (voice `"en-us"`, speed 1, pitch 50 unless set). */
  readonly defaults: Readonly<ResolvedEspeakOptions>;

  /**
   * @param options - Per-call defaults (`voice` default `"en-us"`, `speed` default `1`,
   *   `pitch` default `50`) and `moduleSpecifier` (default
   *   `"@echogarden/espeak-ng-emscripten"`). Nothing is loaded until first use.
   * @param engine - Another backend with eSpeak's options (tests, custom builds). Default: the
   *   worker-thread engine.
   * @throws TypeError / RangeError for invalid options.
   */
  constructor(options: EspeakModelOptions = {}, engine?: TtsEngine<ResolvedEspeakOptions>) {
    const { defaults, moduleSpecifier } = resolveEspeakModelOptions(options);
    super({
      name: "espeak",
      engine:
        engine ??
        new WorkerTtsEngine<ResolvedEspeakOptions>({
          engine: { kind: "espeak", moduleSpecifier },
          sampleRate: ESPEAK_SAMPLE_RATE,
        }),
      resolveOptions: (o) => resolveEspeakCallOptions(o, defaults),
    });
    this.defaults = Object.freeze({ ...defaults });
  }
}
