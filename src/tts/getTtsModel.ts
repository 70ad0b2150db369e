/**
 * `getTtsModel()`: the process-wide TTS models (FastRTC's memoised `get_tts_model`).
 */
import { describeType } from "../audio/convert.js";
import { getLogger } from "../logger.js";
import { EspeakTts } from "./espeak.js";
import { KokoroTts } from "./kokoro.js";
import { resolveEspeakModelOptions, resolveKokoroModelOptions, stableKey } from "./options.js";
import type { EspeakModelOptions, KokoroModelOptions, TtsModelName } from "./ttsTypes.js";

const log = getLogger("tts");

/**
 * The names {@link getTtsModel} accepts.
 *
 * @example
 * ```ts
 * TTS_MODEL_NAMES.includes("espeak"); // true
 * ```
 */
export const TTS_MODEL_NAMES: readonly TtsModelName[] = Object.freeze(["espeak", "kokoro"]);

const shared = new Map<string, Promise<EspeakTts | KokoroTts>>();

/**
 * The shared TTS model for a name and options (FastRTC's `get_tts_model()`): the first call
 * creates the model, loads its engine in a worker thread and warms it up (synthesizes
 * `"Hello, world!"`); every later call with the same name and equivalent options returns the
 * same promise. A failed load is not cached, so a later call tries again.
 *
 * - `"espeak"` (the default here: it works offline) — {@link EspeakTts}, 22 050 Hz. Needs the
 *   optional GPL-3.0 package `@echogarden/espeak-ng-emscripten`.
 * - `"kokoro"` (FastRTC's default) — {@link KokoroTts}, 24 kHz. Needs `kokoro-js` and, the
 *   first time, network access to huggingface.co to download the model.
 *
 * Per-call options (voice, speed, ...) can also be passed to each `tts()` / `streamTts()` call,
 * so one model per engine is usually enough. `close()` on a shared model ends its worker; the
 * model stays in the cache and starts a new worker on its next call.
 *
 * @param name - `"espeak"` (default) or `"kokoro"`; anything else rejects with a RangeError
 *   listing the valid names (a TypeError when not a string).
 * @param options - {@link EspeakModelOptions} or {@link KokoroModelOptions} (checked at once:
 *   TypeError / RangeError).
 * @example
 * ```ts
 * const tts = await getTtsModel("espeak");
 * async function* reply(audio: AudioChunk) {
 *   yield* tts.streamTts("Thanks for calling. How can I help?");
 * }
 * ```
 */
export function getTtsModel(name?: "espeak", options?: EspeakModelOptions): Promise<EspeakTts>;
export function getTtsModel(name: "kokoro", options?: KokoroModelOptions): Promise<KokoroTts>;
export function getTtsModel(
  name: TtsModelName,
  options?: EspeakModelOptions | KokoroModelOptions,
): Promise<EspeakTts | KokoroTts>;
export function getTtsModel(
  name: TtsModelName = "espeak",
  options: EspeakModelOptions | KokoroModelOptions = {},
): Promise<EspeakTts | KokoroTts> {
  let key: string;
  try {
    key = modelKey(name, options);
  } catch (err) {
    return Promise.reject(err);
  }
  let model = shared.get(key);
  if (model === undefined) {
    const created = create(name, options);
    model = created;
    shared.set(key, created);
    created.catch(() => {
      if (shared.get(key) === created) shared.delete(key);
    });
  }
  return model;
}

/** Checks the name and options; returns the memo key. */
function modelKey(name: unknown, options: unknown): string {
  if (typeof name !== "string") {
    throw new TypeError(`getTtsModel() name must be a string, got ${describeType(name)}`);
  }
  if (name === "espeak") return `espeak:${stableKey(resolveEspeakModelOptions(options))}`;
  if (name === "kokoro") return `kokoro:${stableKey(resolveKokoroModelOptions(options))}`;
  throw new RangeError(
    `Invalid TTS model ${JSON.stringify(name)}: valid names are ${TTS_MODEL_NAMES.map((n) => `"${n}"`).join(", ")}`,
  );
}

async function create(
  name: TtsModelName,
  options: EspeakModelOptions | KokoroModelOptions,
): Promise<EspeakTts | KokoroTts> {
  const model =
    name === "espeak"
      ? new EspeakTts(options as EspeakModelOptions)
      : new KokoroTts(options as KokoroModelOptions);
  const t0 = performance.now();
  try {
    await model.warmup();
  } catch (err) {
    await model.close().catch(() => undefined);
    throw err;
  }
  log.info("TTS model ready", { name, ms: Math.round(performance.now() - t0) });
  return model;
}
