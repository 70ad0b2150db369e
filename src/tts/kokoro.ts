/**
 * The `"kokoro"` TTS model: Kokoro-82M through `kokoro-js` in a worker thread. The model comes
 * from the Hugging Face hub (downloaded once into the transformers.js cache).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { KOKORO_SAMPLE_RATE } from "./kokoroSynth.js";
import {
  type ResolvedKokoroOptions,
  resolveKokoroCallOptions,
  resolveKokoroModelOptions,
} from "./options.js";
import { SentenceTtsModel } from "./sentenceModel.js";
import type { KokoroModelOptions, KokoroTTSOptions, TtsEngine } from "./ttsTypes.js";
import { WorkerTtsEngine } from "./workerEngine.js";

/** Kokoro's output rate in Hz (24 000); see {@link KokoroTts}. */
export { KOKORO_SAMPLE_RATE };

/**
 * Kokoro-82M text-to-speech (FastRTC's default TTS), a {@link TtsModel} with
 * {@link KokoroTTSOptions} (voice `"af_heart"`, speed `1`, lang `"en-us"`). Output: mono
 * float32 at 24 kHz.
 *
 * - Runs `kokoro-js` (and onnxruntime-node under it) in its own worker thread, one request at a
 *   time.
 * - The model (`"onnx-community/Kokoro-82M-v1.0-ONNX"`, dtype `"q8"` by default) is loaded on
 *   first use from the transformers.js cache, or downloaded from the Hugging Face hub. With no
 *   network and no cached copy, loading fails with an error naming the model and saying it needs
 *   network access to huggingface.co (or a pre-filled cache).
 * - Kokoro takes at most 510 phonemes per call: longer text is cut into batches (FastRTC's
 *   rule, applied to the text: last `.`, else `!?;,`, else space; phonemes measured with the
 *   `phonemizer` package that `kokoro-js` uses).
 * - `tts()` synthesizes the whole text batch after batch (no inserted silence);
 *   `streamTts()` / `streamTtsSync()` go sentence by sentence with `24000 / 7 = 3428` zero
 *   samples before every sentence after the first (FastRTC's Kokoro streaming), one chunk per
 *   batch.
 * - `streamTtsSync()` blocks the calling thread while each batch is synthesized.
 *
 * Prefer {@link getTtsModel}`("kokoro")`, which loads, warms up and shares one instance per
 * options.
 *
 * @example
 * ```ts
 * const model = new KokoroTts({ voice: "bf_emma", lang: "en-gb" });
 * await model.warmup(); // downloads the model on first use
 * for await (const chunk of model.streamTts("Hello. How are you?")) yield chunk;
 * ```
 */
export class KokoroTts extends SentenceTtsModel<KokoroTTSOptions, ResolvedKokoroOptions> {
  /** The per-call defaults of this instance. */
  readonly defaults: Readonly<ResolvedKokoroOptions>;
  /** The hub model id this instance loads. */
  readonly modelId: string;

  /**
   * @param options - Per-call defaults (`voice`, `speed`, `lang`) and where the model comes
   *   from (`modelId`, `dtype`, `cacheDir`, `remoteHost`, `localFilesOnly`). Nothing is loaded
   *   until first use.
   * @param engine - Another backend with Kokoro's options (tests). Default: the worker-thread
   *   engine over `kokoro-js`.
   * @throws TypeError / RangeError for invalid options.
   */
  constructor(options: KokoroModelOptions = {}, engine?: TtsEngine<ResolvedKokoroOptions>) {
    const { defaults, load } = resolveKokoroModelOptions(options);
    super({
      name: "kokoro",
      engine:
        engine ??
        new WorkerTtsEngine<ResolvedKokoroOptions>({
          engine: { kind: "kokoro", moduleSpecifier: "kokoro-js", ...load },
          sampleRate: KOKORO_SAMPLE_RATE,
        }),
      resolveOptions: (o) => resolveKokoroCallOptions(o, defaults),
    });
    this.defaults = Object.freeze({ ...defaults });
    this.modelId = load.modelId;
  }
}

/**
 * True when the Kokoro model files for `options` (model id, dtype, cacheDir) are already in the
 * transformers.js file cache or its local model path, so loading needs no network. Checks
 * `config.json`, `tokenizer.json` and the ONNX weights of the dtype. Imports
 * `@huggingface/transformers` (from `kokoro-js`'s install) only when `cacheDir` is not given,
 * to learn its default directories; resolves `false` when it is not installed.
 *
 * @example
 * ```ts
 * const name = (await isKokoroModelCached()) ? "kokoro" : "espeak";
 * const model = await getTtsModel(name);
 * ```
 */
export async function isKokoroModelCached(options: KokoroModelOptions = {}): Promise<boolean> {
  const { load } = resolveKokoroModelOptions(options);
  const suffix: Record<string, string> = {
    fp32: "",
    fp16: "_fp16",
    q8: "_quantized",
    q4: "_q4",
    q4f16: "_q4f16",
  };
  const files = ["config.json", "tokenizer.json", join("onnx", `model${suffix[load.dtype]}.onnx`)];
  const roots: string[] = [];
  if (load.cacheDir !== undefined) {
    roots.push(load.cacheDir);
  } else {
    try {
      const spec = "@huggingface/transformers";
      const { env } = (await import(spec)) as {
        env: { cacheDir: string | null; localModelPath: string };
      };
      if (env.cacheDir) roots.push(env.cacheDir);
      roots.push(env.localModelPath);
    } catch {
      return false;
    }
  }
  return roots.some((root) => files.every((f) => existsSync(join(root, load.modelId, f))));
}
