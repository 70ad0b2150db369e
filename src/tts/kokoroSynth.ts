/**
 * Kokoro-82M inside the TTS worker (internal), through `kokoro-js` (Apache-2.0, an optional
 * dependency imported only here and only dynamically). `kokoro-js` loads the ONNX model with
 * `@huggingface/transformers`, which downloads it from the Hugging Face hub on first use and
 * keeps it in its file cache.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { KokoroLoadConfig, ResolvedKokoroOptions } from "./options.js";
import { splitTextBatches } from "./sentences.js";
import {
  ChunkAccumulator,
  errorMessage,
  isModuleNotFound,
  type WorkerLog,
  type WorkerSynth,
} from "./workerSynth.js";

/**
 * Kokoro's output rate in Hz.
 *
 * @example
 * ```ts
 * const seconds = samples.length / KOKORO_SAMPLE_RATE;
 * ```
 */
export const KOKORO_SAMPLE_RATE = 24000;

/**
 * First text batch size tried, in characters (most sentences fit in one batch).
 *
 * @example
 * ```ts
 * splitTextBatches(text, KOKORO_TEXT_BATCH);
 * ```
 */
export const KOKORO_TEXT_BATCH = 400;
/**
 * Kokoro takes at most 510 phonemes per call and `kokoro-js` silently truncates longer input,
 * so a batch is split further until its phoneme count (measured with the `phonemizer`
 * package `kokoro-js` uses) is at most this.
 *
 * @example
 * ```ts
 * if ((await measure(batch)) > KOKORO_PHONEME_BUDGET) split(batch);
 * ```
 */
export const KOKORO_PHONEME_BUDGET = 480;
/**
 * Batch size when phonemes cannot be measured: short enough even for digit-heavy text.
 *
 * @example
 * ```ts
 * await kokoroBatches(text, null); // pieces of <= KOKORO_FALLBACK_BATCH characters
 * ```
 */
export const KOKORO_FALLBACK_BATCH = 150;

interface RawAudioLike {
  audio: Float32Array;
  sampling_rate: number;
}

interface KokoroInstance {
  readonly voices: Record<string, { language?: string }>;
  generate(text: string, options: { voice: string; speed: number }): Promise<RawAudioLike>;
  model?: { dispose?: () => Promise<unknown> };
}

interface KokoroModule {
  KokoroTTS: {
    from_pretrained(
      modelId: string,
      options: { dtype: string; device: string | null },
    ): Promise<KokoroInstance>;
  };
}

interface TransformersEnv {
  remoteHost: string;
  cacheDir: string | null;
  allowRemoteModels: boolean;
  localModelPath: string;
}

/**
 * Imports a module by specifier (injectable for tests).
 *
 * @example
 * ```ts
 * const importer: KokoroImporter = (s) => import(s);
 * ```
 */
export type KokoroImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: KokoroImporter = (specifier) =>
  import(isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier);

/**
 * Counts the phonemes of a text (for batching); `null` when unavailable.
 *
 * @example
 * ```ts
 * const measure: PhonemeCounter = async (text) => text.length; // crude stand-in
 * ```
 */
export type PhonemeCounter = (text: string) => Promise<number>;

/**
 * Splits text into batches Kokoro can take in one call: first at {@link KOKORO_TEXT_BATCH}
 * characters with {@link splitTextBatches}; then every batch whose measured phoneme count is
 * over {@link KOKORO_PHONEME_BUDGET} is split again at a proportionally smaller size. Without
 * a counter, batches are {@link KOKORO_FALLBACK_BATCH} characters at most.
 *
 * @example
 * ```ts
 * await kokoroBatches(longText, async (t) => t.length * 3); // batches of <= 160 characters
 * ```
 */
export async function kokoroBatches(
  text: string,
  measure: PhonemeCounter | null,
): Promise<string[]> {
  if (measure === null) return splitTextBatches(text, KOKORO_FALLBACK_BATCH);
  const out: string[] = [];
  const refine = async (batch: string): Promise<void> => {
    const phonemes = await measure(batch);
    if (phonemes <= KOKORO_PHONEME_BUDGET || batch.length <= 16) {
      out.push(batch);
      return;
    }
    const limit = Math.max(
      16,
      Math.min(
        batch.length - 1,
        Math.floor((batch.length * (KOKORO_PHONEME_BUDGET - 20)) / phonemes),
      ),
    );
    for (const piece of splitTextBatches(batch, limit)) await refine(piece);
  };
  for (const batch of splitTextBatches(text, KOKORO_TEXT_BATCH)) await refine(batch);
  return out;
}

/**
 * The error when `kokoro-js` is not installed.
 *
 * @example
 * ```ts
 * throw kokoroMissingError("kokoro-js", cause);
 * ```
 */
export function kokoroMissingError(specifier: string, cause: unknown): Error {
  return new Error(
    `The "kokoro" TTS engine needs the optional package kokoro-js (Apache-2.0), which could not be imported from "${specifier}". ` +
      `Install it with "npm install kokoro-js", or use getTtsModel("espeak") for an offline engine.`,
    { cause },
  );
}

/**
 * The error when the Kokoro model cannot be loaded: names the model and says where it comes
 * from (the Hugging Face hub, which needs network access to huggingface.co, or a filled
 * transformers cache).
 *
 * @example
 * ```ts
 * throw kokoroLoadError(config, { remoteHost: "https://huggingface.co/", cacheDir: "/c" }, cause);
 * ```
 */
export function kokoroLoadError(
  config: KokoroLoadConfig,
  where: { remoteHost: string; cacheDir: string | null },
  cause: unknown,
): Error {
  const model = `"${config.modelId}" (dtype "${config.dtype}")`;
  const cache = where.cacheDir ?? "(transformers' default)";
  const how = config.localFilesOnly
    ? `localFilesOnly is set, so it must already be in the transformers cache (${cache}) — it is not there or is incomplete. ` +
      `Run once with network access to huggingface.co to download it.`
    : `The model is downloaded from the Hugging Face hub on first use: this needs network access to huggingface.co ` +
      `(tried ${where.remoteHost}), or a transformers cache that already holds the model (cache dir: ${cache}).`;
  return new Error(
    `Could not load the Kokoro TTS model ${model}. ${how} Cause: ${causeChain(cause)}`,
    {
      cause,
    },
  );
}

/** `"fetch failed (connect ECONNREFUSED 127.0.0.1:9)"`: a message with its inner causes. */
function causeChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    parts.push(errorMessage(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  const [first, ...rest] = parts;
  return rest.length === 0 ? (first ?? "") : `${first} (${rest.join("; ")})`;
}

/**
 * Kokoro loaded inside the worker (internal).
 *
 * @example
 * ```ts
 * const synth = await KokoroSynth.load(config, "kokoro-js", log);
 * ```
 */
export class KokoroSynth implements WorkerSynth<ResolvedKokoroOptions> {
  readonly sampleRate = KOKORO_SAMPLE_RATE;
  private warnedLang = false;

  private constructor(
    private readonly tts: KokoroInstance,
    private readonly measure: PhonemeCounter | null,
    private readonly log: WorkerLog,
  ) {}

  /**
   * Imports `kokoro-js`, points transformers at the configured hub and cache, and loads the
   * model (downloading it when it is not cached).
   */
  static async load(
    config: KokoroLoadConfig,
    specifier: string,
    log: WorkerLog,
    importer: KokoroImporter = defaultImporter,
  ): Promise<KokoroSynth> {
    let kokoro: KokoroModule;
    try {
      kokoro = (await importer(specifier)) as KokoroModule;
    } catch (err) {
      if (isModuleNotFound(err)) throw kokoroMissingError(specifier, err);
      throw new Error(`Could not import kokoro-js from "${specifier}": ${errorMessage(err)}`, {
        cause: err,
      });
    }
    if (typeof kokoro?.KokoroTTS?.from_pretrained !== "function") {
      throw new Error(`"${specifier}" is not kokoro-js (no KokoroTTS.from_pretrained)`);
    }
    // kokoro-js reads the hub address and cache from the transformers.js instance it imports;
    // with a normal (hoisted) install that is the one resolved here.
    let env: TransformersEnv;
    try {
      env = ((await importer("@huggingface/transformers")) as { env: TransformersEnv }).env;
    } catch (err) {
      throw new Error(
        `kokoro-js is installed but its dependency @huggingface/transformers could not be imported: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    if (config.remoteHost !== undefined) env.remoteHost = config.remoteHost;
    if (config.cacheDir !== undefined) env.cacheDir = config.cacheDir;
    env.allowRemoteModels = !config.localFilesOnly;
    log("debug", "loading Kokoro", {
      modelId: config.modelId,
      dtype: config.dtype,
      remoteHost: env.remoteHost,
      cacheDir: env.cacheDir,
    });
    let tts: KokoroInstance;
    try {
      tts = await kokoro.KokoroTTS.from_pretrained(config.modelId, {
        dtype: config.dtype,
        device: "cpu",
      });
    } catch (err) {
      throw kokoroLoadError(config, env, err);
    }
    return new KokoroSynth(tts, await phonemeCounter(importer, log), log);
  }

  async synthesize(
    text: string,
    options: ResolvedKokoroOptions,
    emit: (chunk: Float32Array) => void,
    flushSamples: number,
    cancelled: () => boolean,
  ): Promise<void> {
    if (!Object.hasOwn(this.tts.voices, options.voice)) {
      throw new RangeError(
        `Unknown Kokoro voice "${options.voice}"; voices: ${Object.keys(this.tts.voices).join(", ")}`,
      );
    }
    const voiceLang = options.voice.startsWith("b") ? "en-gb" : "en-us";
    if (options.langGiven && options.lang !== voiceLang && !this.warnedLang) {
      this.warnedLang = true;
      this.log("warn", "Kokoro takes the accent from the voice; lang is ignored", {
        voice: options.voice,
        lang: options.lang,
      });
    }
    const acc = new ChunkAccumulator(flushSamples, emit);
    for (const batch of await kokoroBatches(text, this.measure)) {
      if (cancelled()) return;
      const audio = await this.tts.generate(batch, { voice: options.voice, speed: options.speed });
      if (cancelled()) return;
      if (audio.sampling_rate !== KOKORO_SAMPLE_RATE) {
        throw new Error(`Kokoro returned ${audio.sampling_rate} Hz audio, expected 24000`);
      }
      acc.push(audio.audio.slice());
      if (flushSamples !== Number.POSITIVE_INFINITY) acc.flush();
    }
    acc.flush();
  }

  async dispose(): Promise<void> {
    await this.tts.model?.dispose?.();
  }
}

/** A phoneme counter from the `phonemizer` package kokoro-js depends on, or null. */
async function phonemeCounter(
  importer: KokoroImporter,
  log: WorkerLog,
): Promise<PhonemeCounter | null> {
  try {
    const mod = (await importer("phonemizer")) as {
      phonemize?: (text: string, language: string) => Promise<string[]>;
    };
    const phonemize = mod.phonemize;
    if (typeof phonemize !== "function") throw new Error("no phonemize export");
    return async (text) => (await phonemize(text, "en-us")).join(" ").length;
  } catch (err) {
    log("debug", "phonemizer unavailable; Kokoro batches use the short fallback size", {
      error: errorMessage(err),
    });
    return null;
  }
}
