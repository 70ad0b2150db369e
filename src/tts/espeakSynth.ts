/**
 * eSpeak-NG inside the TTS worker (internal): loads `@echogarden/espeak-ng-emscripten` (eSpeak-NG
 * compiled to WebAssembly, GPL-3.0, imported only here and only dynamically), resolves voices
 * and synthesizes 16-bit PCM at 22 050 Hz, handed out as float32.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_ESPEAK_MODULE, ESPEAK_BASE_WPM, type ResolvedEspeakOptions } from "./options.js";
import {
  ChunkAccumulator,
  errorMessage,
  isModuleNotFound,
  type WorkerLog,
  type WorkerSynth,
} from "./workerSynth.js";

/** The part of the Emscripten module's `eSpeakNGWorker` class used here. */
interface EspeakNgInstance {
  get_samplerate(): number;
  set_voice(name: string, language: string): number;
  set_rate(wordsPerMinute: number): void;
  set_pitch(pitch: number): void;
  list_voices(): EspeakVoiceInfo[];
  synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => boolean): void;
}

/**
 * One voice as eSpeak-NG lists it.
 *
 * @example
 * ```ts
 * const v: EspeakVoiceInfo = { name: "English (America)", identifier: "gmw/en-US", languages: [{ priority: 2, name: "en-us" }] };
 * ```
 */
export interface EspeakVoiceInfo {
  name: string;
  identifier: string;
  languages: { priority: number; name: string }[];
}

interface EspeakModule {
  eSpeakNGWorker: new () => EspeakNgInstance;
}

type EspeakFactory = (moduleArg?: Record<string, unknown>) => Promise<EspeakModule>;

/**
 * Imports a module by specifier (injectable so tests can simulate a missing package).
 *
 * @example
 * ```ts
 * const failing: ModuleImporter = async () => { throw Object.assign(new Error("gone"), { code: "ERR_MODULE_NOT_FOUND" }); };
 * ```
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (specifier) =>
  import(isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier);

/**
 * The error thrown when eSpeak-NG is not installed: names the package, how to install it and
 * its GPL-3.0 license.
 *
 * @example
 * ```ts
 * throw espeakMissingError(DEFAULT_ESPEAK_MODULE, cause);
 * ```
 */
export function espeakMissingError(specifier: string, cause: unknown): Error {
  const message =
    specifier === DEFAULT_ESPEAK_MODULE
      ? `The "espeak" TTS engine needs the optional package ${DEFAULT_ESPEAK_MODULE}, which is not installed. ` +
        `Install it with "npm install ${DEFAULT_ESPEAK_MODULE}" (note: it is licensed GPL-3.0), ` +
        `or use getTtsModel("kokoro").`
      : `The "espeak" TTS engine could not find its eSpeak-NG module "${specifier}" (moduleSpecifier). ` +
        `The default is the optional package ${DEFAULT_ESPEAK_MODULE} (GPL-3.0): "npm install ${DEFAULT_ESPEAK_MODULE}".`;
  return new Error(message, { cause });
}

/**
 * Imports the eSpeak-NG Emscripten module and returns its factory. A missing module gives
 * {@link espeakMissingError}; a module of another shape a clear Error.
 *
 * @param importer - Default: dynamic `import()` (absolute paths converted to `file:` URLs).
 * @example
 * ```ts
 * const factory = await importEspeak(DEFAULT_ESPEAK_MODULE);
 * ```
 */
export async function importEspeak(
  specifier: string,
  importer: ModuleImporter = defaultImporter,
): Promise<EspeakFactory> {
  let mod: unknown;
  try {
    mod = await importer(specifier);
  } catch (err) {
    if (isModuleNotFound(err)) throw espeakMissingError(specifier, err);
    throw new Error(`Could not import eSpeak-NG from "${specifier}": ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const factory = (mod as { default?: unknown } | null)?.default;
  if (typeof factory !== "function") {
    throw new Error(
      `"${specifier}" is not an eSpeak-NG Emscripten module (expected a default export function, as in ${DEFAULT_ESPEAK_MODULE})`,
    );
  }
  return factory as EspeakFactory;
}

/**
 * Finds the eSpeak voice meant by `spec` (see `EspeakTTSOptions.voice`): a voice identifier or
 * its last part, a voice name, or a language code (the voice with the best priority for it),
 * case-insensitive, with an optional `+variant`. Returns the identifier to select, variant
 * included.
 *
 * @throws RangeError listing the English voices when nothing matches.
 * @example
 * ```ts
 * resolveEspeakVoice("en-us+f3", voices); // "gmw/en-US+f3"
 * ```
 */
export function resolveEspeakVoice(spec: string, voices: readonly EspeakVoiceInfo[]): string {
  const plus = spec.indexOf("+");
  const base = (plus < 0 ? spec : spec.slice(0, plus)).trim().toLowerCase();
  const variant = plus < 0 ? "" : spec.slice(plus);
  const tail = (id: string) => id.slice(id.lastIndexOf("/") + 1).toLowerCase();
  let found =
    voices.find((v) => v.identifier.toLowerCase() === base) ??
    voices.find((v) => tail(v.identifier) === base) ??
    voices.find((v) => v.name.toLowerCase() === base);
  if (found === undefined) {
    let best = Number.POSITIVE_INFINITY;
    for (const v of voices) {
      for (const l of v.languages) {
        if (l.name.toLowerCase() === base && l.priority < best) {
          best = l.priority;
          found = v;
        }
      }
    }
  }
  if (found === undefined) {
    const english = voices
      .filter((v) => v.languages.some((l) => l.name.startsWith("en")))
      .map((v) => `"${tail(v.identifier)}" (${v.name})`);
    throw new RangeError(
      `Unknown eSpeak voice ${JSON.stringify(spec)}. English voices: ${english.join(", ")}; ` +
        `${voices.length} voices in all (any language code such as "fr" or "de" works too).`,
    );
  }
  return `${found.identifier}${variant}`;
}

/**
 * eSpeak-NG loaded inside the worker (internal).
 *
 * @example
 * ```ts
 * const synth = await EspeakSynth.load(DEFAULT_ESPEAK_MODULE, log);
 * await synth.synthesize("Hello.", { voice: "en-us", speed: 1, pitch: 50 }, emit, 4410, () => false);
 * ```
 */
export class EspeakSynth implements WorkerSynth<ResolvedEspeakOptions> {
  readonly sampleRate: number;
  private readonly voices: EspeakVoiceInfo[];
  private readonly resolvedVoices = new Map<string, string>();
  private currentVoice = "";

  private constructor(private readonly engine: EspeakNgInstance) {
    this.sampleRate = engine.get_samplerate();
    this.voices = engine.list_voices();
  }

  /**
   * Imports and initializes eSpeak-NG (about 0.1–0.3 s: the 24 MB voice data is read from
   * disk).
   */
  static async load(
    specifier: string,
    log: WorkerLog,
    importer?: ModuleImporter,
  ): Promise<EspeakSynth> {
    const factory = await importEspeak(specifier, importer);
    let mod: EspeakModule;
    try {
      mod = await factory({
        print: (line: string) => log("debug", `espeak-ng: ${line}`),
        printErr: (line: string) => log("warn", `espeak-ng: ${line}`),
      });
    } catch (err) {
      throw new Error(`eSpeak-NG failed to initialize: ${errorMessage(err)}`, { cause: err });
    }
    if (typeof mod.eSpeakNGWorker !== "function") {
      throw new Error(`"${specifier}" did not provide eSpeakNGWorker`);
    }
    return new EspeakSynth(new mod.eSpeakNGWorker());
  }

  /** The voices eSpeak-NG knows. */
  listVoices(): readonly EspeakVoiceInfo[] {
    return this.voices;
  }

  async synthesize(
    text: string,
    options: ResolvedEspeakOptions,
    emit: (chunk: Float32Array) => void,
    flushSamples: number,
    cancelled: () => boolean,
  ): Promise<void> {
    this.apply(options);
    const acc = new ChunkAccumulator(flushSamples, emit);
    this.engine.synthesize(text, (samples) => {
      const n = samples.length;
      if (n > 0) {
        const f = new Float32Array(n);
        for (let i = 0; i < n; i++) f[i] = samples[i]! / 32768;
        acc.push(f);
      }
      return cancelled(); // true stops the synthesis
    });
    if (!cancelled()) acc.flush();
  }

  async dispose(): Promise<void> {
    // The WebAssembly memory goes with the thread.
  }

  private apply(options: ResolvedEspeakOptions): void {
    let id = this.resolvedVoices.get(options.voice);
    if (id === undefined) {
      id = resolveEspeakVoice(options.voice, this.voices);
      this.resolvedVoices.set(options.voice, id);
    }
    if (id !== this.currentVoice) {
      const code = this.engine.set_voice(id, "");
      if (code !== 0) {
        throw new RangeError(`eSpeak-NG could not select voice "${options.voice}" (error ${code})`);
      }
      this.currentVoice = id;
    }
    this.engine.set_rate(Math.round(ESPEAK_BASE_WPM * options.speed));
    this.engine.set_pitch(options.pitch);
  }
}
