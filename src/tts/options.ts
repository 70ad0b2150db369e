/**
 * Validation and defaults of the TTS options (internal). Every check throws a TypeError for a
 * wrong type and a RangeError for a value out of range, naming the option.
 */
import { describeType } from "../audio/convert.js";
import type { EspeakTTSOptions, KokoroDtype, KokoroTTSOptions } from "./ttsTypes.js";

/**
 * eSpeak options with every field set (internal).
 *
 * @example
 * ```ts
 * const r: ResolvedEspeakOptions = { voice: "en-us", speed: 1, pitch: 50 };
 * ```
 */
export interface ResolvedEspeakOptions {
  voice: string;
  speed: number;
  pitch: number;
}

/**
 * Kokoro options with every field set (internal). `langGiven` tells whether `lang` was set
 * explicitly (by the call or the model options) rather than defaulted.
 *
 * @example
 * ```ts
 * const r: ResolvedKokoroOptions = { voice: "af_heart", speed: 1, lang: "en-us", langGiven: false };
 * ```
 */
export interface ResolvedKokoroOptions {
  voice: string;
  speed: number;
  lang: "en-us" | "en-gb";
  langGiven: boolean;
}

/**
 * Where the Kokoro model comes from (internal; sent to the worker).
 *
 * @example
 * ```ts
 * const c: KokoroLoadConfig = { modelId: DEFAULT_KOKORO_MODEL_ID, dtype: "q8", localFilesOnly: false };
 * ```
 */
export interface KokoroLoadConfig {
  modelId: string;
  dtype: KokoroDtype;
  cacheDir?: string;
  remoteHost?: string;
  localFilesOnly: boolean;
}

/**
 * Default per-call options of the `"espeak"` model: voice `"en-us"`, speed `1`, pitch `50`.
 *
 * @example
 * ```ts
 * ESPEAK_DEFAULT_OPTIONS.voice; // "en-us"
 * ```
 */
export const ESPEAK_DEFAULT_OPTIONS: Readonly<Required<EspeakTTSOptions>> = Object.freeze({
  voice: "en-us",
  speed: 1,
  pitch: 50,
});

/**
 * Default per-call options of the `"kokoro"` model (FastRTC's `KokoroTTSOptions()`): voice
 * `"af_heart"`, speed `1`, lang `"en-us"`.
 *
 * @example
 * ```ts
 * KOKORO_DEFAULT_OPTIONS.voice; // "af_heart"
 * ```
 */
export const KOKORO_DEFAULT_OPTIONS: Readonly<Required<KokoroTTSOptions>> = Object.freeze({
  voice: "af_heart",
  speed: 1,
  lang: "en-us",
});

/**
 * Default Kokoro model on the Hugging Face hub.
 *
 * @example
 * ```ts
 * await getTtsModel("kokoro", { modelId: DEFAULT_KOKORO_MODEL_ID, dtype: "fp32" });
 * ```
 */
export const DEFAULT_KOKORO_MODEL_ID = "onnx-community/Kokoro-82M-v1.0-ONNX";

/**
 * Default module eSpeak-NG is imported from (GPL-3.0, optional dependency).
 *
 * @example
 * ```ts
 * await getTtsModel("espeak", { moduleSpecifier: DEFAULT_ESPEAK_MODULE });
 * ```
 */
export const DEFAULT_ESPEAK_MODULE = "@echogarden/espeak-ng-emscripten";

/**
 * eSpeak's default rate in words per minute (speed 1).
 *
 * @example
 * ```ts
 * const wpm = Math.round(ESPEAK_BASE_WPM * speed); // speed 2 -> 350
 * ```
 */
export const ESPEAK_BASE_WPM = 175;

const KOKORO_DTYPES: readonly KokoroDtype[] = ["fp32", "fp16", "q8", "q4", "q4f16"];
const ESPEAK_CALL_KEYS = ["voice", "speed", "pitch"] as const;
const ESPEAK_MODEL_KEYS = [...ESPEAK_CALL_KEYS, "moduleSpecifier"] as const;
const KOKORO_CALL_KEYS = ["voice", "speed", "lang"] as const;
const KOKORO_MODEL_KEYS = [
  ...KOKORO_CALL_KEYS,
  "modelId",
  "dtype",
  "cacheDir",
  "remoteHost",
  "localFilesOnly",
] as const;

/** Checks that `value` is null/undefined or a plain object with only `keys`; returns it as a record. */
function asOptions(value: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${what} must be an object, got ${describeType(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) {
      throw new TypeError(
        `${what}: unknown option "${key}"; valid options are ${keys.map((k) => `"${k}"`).join(", ")}`,
      );
    }
  }
  return record;
}

function checkString(value: unknown, what: string, maxLength = 200): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string, got ${describeType(value)}`);
  }
  if (value.length === 0 || value.length > maxLength) {
    throw new RangeError(`${what} must be 1 to ${maxLength} characters long`);
  }
  return value;
}

function checkNumber(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${what} must be a finite number, got ${describeType(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${what} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function checkEspeakVoice(value: unknown, what: string): string {
  const voice = checkString(value, what, 100);
  const plus = voice.indexOf("+");
  const variant = plus < 0 ? null : voice.slice(plus + 1);
  if (plus === 0 || (variant !== null && !/^[A-Za-z0-9_-]{1,40}$/.test(variant))) {
    throw new RangeError(
      `${what} ${JSON.stringify(voice)} is not a valid eSpeak voice (expected e.g. "en-us" or "en-us+f3")`,
    );
  }
  return voice;
}

function mergeEspeak(
  record: Record<string, unknown>,
  base: ResolvedEspeakOptions,
  what: string,
): ResolvedEspeakOptions {
  const out = { ...base };
  if (record.voice !== undefined) out.voice = checkEspeakVoice(record.voice, `${what}.voice`);
  if (record.speed !== undefined) out.speed = checkNumber(record.speed, `${what}.speed`, 0.5, 2.5);
  if (record.pitch !== undefined) {
    out.pitch = checkNumber(record.pitch, `${what}.pitch`, 0, 99);
    if (!Number.isInteger(out.pitch)) {
      throw new RangeError(`${what}.pitch must be an integer 0-99, got ${out.pitch}`);
    }
  }
  return out;
}

/**
 * Per-call eSpeak options over the model's defaults (internal).
 *
 * @example
 * ```ts
 * resolveEspeakCallOptions({ speed: 1.5 }, defaults); // { voice: "en-us", speed: 1.5, pitch: 50 }
 * ```
 */
export function resolveEspeakCallOptions(
  options: unknown,
  defaults: ResolvedEspeakOptions,
): ResolvedEspeakOptions {
  return mergeEspeak(asOptions(options, "espeak options", ESPEAK_CALL_KEYS), defaults, "options");
}

/**
 * Model options of `"espeak"` (internal): call defaults and the module to load.
 *
 * @example
 * ```ts
 * resolveEspeakModelOptions({ voice: "en-gb" }).defaults.voice; // "en-gb"
 * ```
 */
export function resolveEspeakModelOptions(options: unknown): {
  defaults: ResolvedEspeakOptions;
  moduleSpecifier: string;
} {
  const record = asOptions(options, "espeak model options", ESPEAK_MODEL_KEYS);
  const defaults = mergeEspeak(record, { ...ESPEAK_DEFAULT_OPTIONS }, "espeak model options");
  const moduleSpecifier =
    record.moduleSpecifier === undefined
      ? DEFAULT_ESPEAK_MODULE
      : checkString(record.moduleSpecifier, "espeak model options.moduleSpecifier", 4096);
  return { defaults, moduleSpecifier };
}

function mergeKokoro(
  record: Record<string, unknown>,
  base: ResolvedKokoroOptions,
  what: string,
): ResolvedKokoroOptions {
  const out = { ...base };
  if (record.voice !== undefined) {
    out.voice = checkString(record.voice, `${what}.voice`, 100);
    if (!/^[a-z]{2}_[a-z0-9_]+$/.test(out.voice)) {
      throw new RangeError(
        `${what}.voice ${JSON.stringify(out.voice)} is not a Kokoro voice name (e.g. "af_heart", "bm_george")`,
      );
    }
  }
  if (record.speed !== undefined) out.speed = checkNumber(record.speed, `${what}.speed`, 0.5, 2);
  if (record.lang !== undefined) {
    const lang = checkString(record.lang, `${what}.lang`, 20).toLowerCase();
    if (lang !== "en-us" && lang !== "en-gb") {
      throw new RangeError(`${what}.lang must be "en-us" or "en-gb", got ${JSON.stringify(lang)}`);
    }
    out.lang = lang;
    out.langGiven = true;
  }
  return out;
}

/**
 * Per-call Kokoro options over the model's defaults (internal).
 *
 * @example
 * ```ts
 * resolveKokoroCallOptions({ voice: "bf_emma" }, defaults).voice; // "bf_emma"
 * ```
 */
export function resolveKokoroCallOptions(
  options: unknown,
  defaults: ResolvedKokoroOptions,
): ResolvedKokoroOptions {
  return mergeKokoro(asOptions(options, "kokoro options", KOKORO_CALL_KEYS), defaults, "options");
}

/**
 * Model options of `"kokoro"` (internal): call defaults and the load configuration.
 *
 * @example
 * ```ts
 * resolveKokoroModelOptions({}).load.dtype; // "q8"
 * ```
 */
export function resolveKokoroModelOptions(options: unknown): {
  defaults: ResolvedKokoroOptions;
  load: KokoroLoadConfig;
} {
  const what = "kokoro model options";
  const record = asOptions(options, what, KOKORO_MODEL_KEYS);
  const defaults = mergeKokoro(record, { ...KOKORO_DEFAULT_OPTIONS, langGiven: false }, what);
  const load: KokoroLoadConfig = {
    modelId: DEFAULT_KOKORO_MODEL_ID,
    dtype: "q8",
    localFilesOnly: false,
  };
  if (record.modelId !== undefined) {
    load.modelId = checkString(record.modelId, `${what}.modelId`, 300);
  }
  if (record.dtype !== undefined) {
    if (typeof record.dtype !== "string") {
      throw new TypeError(`${what}.dtype must be a string, got ${describeType(record.dtype)}`);
    }
    if (!KOKORO_DTYPES.includes(record.dtype as KokoroDtype)) {
      throw new RangeError(
        `${what}.dtype must be one of ${KOKORO_DTYPES.map((d) => `"${d}"`).join(", ")}, got ${JSON.stringify(record.dtype)}`,
      );
    }
    load.dtype = record.dtype as KokoroDtype;
  }
  if (record.cacheDir !== undefined) {
    load.cacheDir = checkString(record.cacheDir, `${what}.cacheDir`, 4096);
  }
  if (record.remoteHost !== undefined) {
    const host = checkString(record.remoteHost, `${what}.remoteHost`, 2048);
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new RangeError(
        `${what}.remoteHost must be an http(s) URL, got ${JSON.stringify(host)}`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RangeError(
        `${what}.remoteHost must be an http(s) URL, got ${JSON.stringify(host)}`,
      );
    }
    load.remoteHost = host.endsWith("/") ? host : `${host}/`;
  }
  if (record.localFilesOnly !== undefined) {
    if (typeof record.localFilesOnly !== "boolean") {
      throw new TypeError(
        `${what}.localFilesOnly must be a boolean, got ${describeType(record.localFilesOnly)}`,
      );
    }
    load.localFilesOnly = record.localFilesOnly;
  }
  return { defaults, load };
}

/**
 * `options` as a stable string, for memoising models by name and options (internal).
 *
 * @example
 * ```ts
 * stableKey({ b: 1, a: 2 }) === stableKey({ a: 2, b: 1 }); // true
 * ```
 */
export function stableKey(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "undefined";
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableKey(record[k])}`).join(",")}}`;
}
