/**
 * Unit tests of the in-worker pieces, run in-process with injected importers (no worker, no
 * network).
 */
import { describe, expect, it } from "vitest";
import {
  EspeakSynth,
  type EspeakVoiceInfo,
  espeakMissingError,
  importEspeak,
  resolveEspeakVoice,
} from "./espeakSynth.js";
import {
  KOKORO_FALLBACK_BATCH,
  KOKORO_PHONEME_BUDGET,
  KokoroSynth,
  kokoroBatches,
  kokoroLoadError,
} from "./kokoroSynth.js";
import { DEFAULT_ESPEAK_MODULE, DEFAULT_KOKORO_MODEL_ID } from "./options.js";
import { ChunkAccumulator, isModuleNotFound } from "./workerSynth.js";

const notFound = (spec: string) =>
  Object.assign(new Error(`Cannot find package '${spec}' imported from /x.js`), {
    code: "ERR_MODULE_NOT_FOUND",
  });
const noLog = () => undefined;

describe("eSpeak loader", () => {
  it("a missing package gives a clear error: what to install, and that it is GPL-3.0", async () => {
    const err = await importEspeak(DEFAULT_ESPEAK_MODULE, async (s) => {
      throw notFound(s);
    }).then(
      () => new Error("resolved"),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain("npm install @echogarden/espeak-ng-emscripten");
    expect(err.message).toContain("GPL-3.0");
    expect(err.message).toContain('"espeak"');
    expect((err.cause as Error).message).toContain("Cannot find package");
  });

  it("EspeakSynth.load reports the same error", async () => {
    await expect(
      EspeakSynth.load(DEFAULT_ESPEAK_MODULE, noLog, async (s) => {
        throw notFound(s);
      }),
    ).rejects.toThrow(/not installed.*GPL-3\.0/s);
  });

  it("a custom module specifier is named in the error", () => {
    expect(espeakMissingError("/opt/espeak/espeak-ng.js", null).message).toContain(
      '"/opt/espeak/espeak-ng.js"',
    );
  });

  it("other import failures and wrong modules are reported as such", async () => {
    await expect(
      importEspeak("x", async () => {
        throw new SyntaxError("Unexpected token");
      }),
    ).rejects.toThrow(/Could not import eSpeak-NG from "x": Unexpected token/);
    await expect(importEspeak("x", async () => ({ default: 42 }))).rejects.toThrow(
      /not an eSpeak-NG Emscripten module/,
    );
  });

  it("recognizes module-not-found errors in ESM and CommonJS wording", () => {
    expect(isModuleNotFound(notFound("a"))).toBe(true);
    expect(isModuleNotFound(Object.assign(new Error("x"), { code: "MODULE_NOT_FOUND" }))).toBe(
      true,
    );
    expect(isModuleNotFound(new Error("Cannot find module 'a'"))).toBe(true);
    expect(isModuleNotFound(new Error("boom"))).toBe(false);
  });
});

describe("resolveEspeakVoice", () => {
  const voices: EspeakVoiceInfo[] = [
    {
      name: "English (Great Britain)",
      identifier: "gmw/en",
      languages: [
        { priority: 2, name: "en-gb" },
        { priority: 2, name: "en" },
      ],
    },
    {
      name: "English (America)",
      identifier: "gmw/en-US",
      languages: [
        { priority: 2, name: "en-us" },
        { priority: 3, name: "en" },
      ],
    },
    {
      name: "English (Caribbean)",
      identifier: "gmw/en-029",
      languages: [
        { priority: 5, name: "en-029" },
        { priority: 10, name: "en" },
      ],
    },
    {
      name: "French (France)",
      identifier: "roa/fr",
      languages: [
        { priority: 5, name: "fr-fr" },
        { priority: 5, name: "fr" },
      ],
    },
  ];

  it("accepts identifiers, their last part, names and language codes, case-insensitively", () => {
    expect(resolveEspeakVoice("gmw/en-US", voices)).toBe("gmw/en-US");
    expect(resolveEspeakVoice("EN-us", voices)).toBe("gmw/en-US");
    expect(resolveEspeakVoice("English (Caribbean)", voices)).toBe("gmw/en-029");
    expect(resolveEspeakVoice("fr", voices)).toBe("roa/fr");
    expect(resolveEspeakVoice("en-gb", voices)).toBe("gmw/en");
  });

  it("a language code picks the voice with the best (lowest) priority", () => {
    expect(resolveEspeakVoice("en", voices)).toBe("gmw/en");
  });

  it("keeps a +variant", () => {
    expect(resolveEspeakVoice("en-us+f3", voices)).toBe("gmw/en-US+f3");
  });

  it("an unknown voice lists the English ones", () => {
    expect(() => resolveEspeakVoice("xx-none", voices)).toThrow(RangeError);
    expect(() => resolveEspeakVoice("xx-none", voices)).toThrow(
      /"en-us" \(English \(America\)\).*4 voices in all/,
    );
  });
});

describe("ChunkAccumulator", () => {
  it("emits pieces of at least flushSamples and the remainder on flush", () => {
    const out: number[] = [];
    const acc = new ChunkAccumulator(10, (c) => out.push(c.length));
    for (let i = 0; i < 7; i++) acc.push(new Float32Array(4));
    acc.push(new Float32Array(0));
    acc.flush();
    acc.flush();
    expect(out).toEqual([12, 12, 4]);
  });

  it("with Infinity emits one chunk with every sample in order", () => {
    const out: Float32Array[] = [];
    const acc = new ChunkAccumulator(Number.POSITIVE_INFINITY, (c) => out.push(c));
    acc.push(Float32Array.of(1, 2));
    acc.push(Float32Array.of(3));
    acc.flush();
    expect(out).toEqual([Float32Array.of(1, 2, 3)]);
  });
});

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

describe("Kokoro batching", () => {
  it("a short sentence is one batch", async () => {
    expect(await kokoroBatches("Hello world.", async (t) => t.length)).toEqual(["Hello world."]);
  });

  it("splits until every batch is within the phoneme budget and loses no words", async () => {
    const text = words(400); // ~1900 characters, no punctuation
    const measure = async (t: string) => t.length * 3; // digit-heavy: 3 phonemes per character
    const batches = await kokoroBatches(text, measure);
    for (const b of batches) expect(await measure(b)).toBeLessThanOrEqual(KOKORO_PHONEME_BUDGET);
    expect(batches.join(" ")).toBe(text);
  });

  it("without a phoneme counter uses short fixed batches", async () => {
    const text = words(200);
    const batches = await kokoroBatches(text, null);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(KOKORO_FALLBACK_BATCH);
    expect(batches.join(" ")).toBe(text);
  });
});

describe("Kokoro loader errors", () => {
  const config = { modelId: DEFAULT_KOKORO_MODEL_ID, dtype: "q8" as const, localFilesOnly: false };

  it("names the model and says it needs network access to huggingface.co or a filled cache", () => {
    const err = kokoroLoadError(
      config,
      { remoteHost: "https://huggingface.co/", cacheDir: "/c" },
      new TypeError("fetch failed"),
    );
    expect(err.message).toContain('"onnx-community/Kokoro-82M-v1.0-ONNX"');
    expect(err.message).toContain("network access to huggingface.co");
    expect(err.message).toContain("cache dir: /c");
    expect(err.message).toContain("Cause: fetch failed");
  });

  it("with localFilesOnly, says the cache lacks the model", () => {
    const err = kokoroLoadError(
      { ...config, localFilesOnly: true },
      { remoteHost: "h", cacheDir: null },
      "x",
    );
    expect(err.message).toMatch(/localFilesOnly is set.*not there/);
  });

  it("a missing kokoro-js says to install it", async () => {
    const cfg = { ...config };
    await expect(
      KokoroSynth.load(cfg, "kokoro-js", noLog, async (s) => {
        throw notFound(s);
      }),
    ).rejects.toThrow(/npm install kokoro-js/);
  });

  it("from_pretrained failures are wrapped with the hub/cache explanation", async () => {
    const env = {
      remoteHost: "https://huggingface.co/",
      cacheDir: "/d",
      allowRemoteModels: true,
      localModelPath: "/m",
    };
    const importer = async (s: string) => {
      if (s === "kokoro-js") {
        return {
          KokoroTTS: {
            from_pretrained: async () => {
              throw new TypeError("fetch failed");
            },
          },
        };
      }
      if (s === "@huggingface/transformers") return { env };
      throw notFound(s);
    };
    await expect(
      KokoroSynth.load(
        { ...config, remoteHost: "http://127.0.0.1:1/", cacheDir: "/e" },
        "kokoro-js",
        noLog,
        importer,
      ),
    ).rejects.toThrow(/tried http:\/\/127\.0\.0\.1:1\/.*cache dir: \/e/s);
    expect(env.remoteHost).toBe("http://127.0.0.1:1/");
    expect(env.allowRemoteModels).toBe(true);
  });

  it("synthesizes batches through a fake kokoro-js and checks the voice", async () => {
    const generated: string[] = [];
    const importer = async (s: string) => {
      if (s === "kokoro-js") {
        return {
          KokoroTTS: {
            from_pretrained: async () => ({
              voices: { af_heart: {}, bf_emma: {} },
              generate: async (text: string) => {
                generated.push(text);
                return { audio: new Float32Array(10).fill(0.5), sampling_rate: 24000 };
              },
            }),
          },
        };
      }
      if (s === "@huggingface/transformers") return { env: {} };
      if (s === "phonemizer") return { phonemize: async (t: string) => [t] };
      throw notFound(s);
    };
    const logs: string[] = [];
    const synth = await KokoroSynth.load(
      config,
      "kokoro-js",
      (level, m) => logs.push(`${level} ${m}`),
      importer,
    );
    const chunks: Float32Array[] = [];
    const long = `${words(150)}.`;
    await synth.synthesize(
      long,
      { voice: "bf_emma", speed: 1, lang: "en-us", langGiven: true },
      (c) => chunks.push(c),
      4800,
      () => false,
    );
    expect(generated.length).toBeGreaterThan(1);
    expect(generated.join(" ")).toBe(long);
    expect(chunks.length).toBe(generated.length);
    expect(logs.some((l) => l.startsWith("warn") && l.includes("accent"))).toBe(true);
    await expect(
      synth.synthesize(
        "Hi.",
        { voice: "zz_nobody", speed: 1, lang: "en-us", langGiven: false },
        () => undefined,
        1,
        () => false,
      ),
    ).rejects.toThrow(/Unknown Kokoro voice "zz_nobody"; voices: af_heart, bf_emma/);
  });
});
