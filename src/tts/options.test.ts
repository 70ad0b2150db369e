import { describe, expect, it } from "vitest";
import {
  DEFAULT_ESPEAK_MODULE,
  DEFAULT_KOKORO_MODEL_ID,
  resolveEspeakCallOptions,
  resolveEspeakModelOptions,
  resolveKokoroCallOptions,
  resolveKokoroModelOptions,
  stableKey,
} from "./options.js";

describe("eSpeak options", () => {
  it("defaults: en-us, speed 1, pitch 50, the echogarden module", () => {
    expect(resolveEspeakModelOptions(undefined)).toEqual({
      defaults: { voice: "en-us", speed: 1, pitch: 50 },
      moduleSpecifier: DEFAULT_ESPEAK_MODULE,
    });
  });

  it("accepts voices with variants and the range ends", () => {
    const { defaults } = resolveEspeakModelOptions({ voice: "en-gb+f3", speed: 2.5, pitch: 0 });
    expect(defaults).toEqual({ voice: "en-gb+f3", speed: 2.5, pitch: 0 });
    expect(resolveEspeakCallOptions(null, defaults)).toEqual(defaults);
    expect(resolveEspeakCallOptions({ speed: 0.5, pitch: 99 }, defaults)).toEqual({
      voice: "en-gb+f3",
      speed: 0.5,
      pitch: 99,
    });
  });

  it("rejects wrong types, ranges and keys with clear messages", () => {
    const d = resolveEspeakModelOptions({}).defaults;
    expect(() => resolveEspeakCallOptions("en", d)).toThrow(/must be an object, got string/);
    expect(() => resolveEspeakCallOptions({ speed: 2.6 }, d)).toThrow(
      /options.speed must be between 0.5 and 2.5, got 2.6/,
    );
    expect(() => resolveEspeakCallOptions({ rate: 200 }, d)).toThrow(
      /unknown option "rate"; valid options are "voice", "speed", "pitch"/,
    );
    expect(() => resolveEspeakCallOptions({ voice: "+f3" }, d)).toThrow(RangeError);
    expect(() => resolveEspeakModelOptions({ moduleSpecifier: 1 })).toThrow(TypeError);
  });
});

describe("Kokoro options", () => {
  it("defaults match FastRTC's KokoroTTSOptions and kokoro-js loading", () => {
    expect(resolveKokoroModelOptions({})).toEqual({
      defaults: { voice: "af_heart", speed: 1, lang: "en-us", langGiven: false },
      load: { modelId: DEFAULT_KOKORO_MODEL_ID, dtype: "q8", localFilesOnly: false },
    });
  });

  it("normalizes remoteHost and lang", () => {
    const r = resolveKokoroModelOptions({
      remoteHost: "http://127.0.0.1:8080/mirror",
      lang: "EN-GB",
      cacheDir: "/tmp/c",
      localFilesOnly: true,
      dtype: "fp32",
    });
    expect(r.load).toEqual({
      modelId: DEFAULT_KOKORO_MODEL_ID,
      dtype: "fp32",
      remoteHost: "http://127.0.0.1:8080/mirror/",
      cacheDir: "/tmp/c",
      localFilesOnly: true,
    });
    expect(r.defaults.lang).toBe("en-gb");
    expect(r.defaults.langGiven).toBe(true);
    expect(resolveKokoroCallOptions({ voice: "am_adam" }, r.defaults).voice).toBe("am_adam");
  });

  it("rejects bad values", () => {
    expect(() => resolveKokoroModelOptions({ remoteHost: "not a url" })).toThrow(RangeError);
    expect(() => resolveKokoroModelOptions({ dtype: 8 })).toThrow(TypeError);
    expect(() => resolveKokoroModelOptions({ speed: 0.4 })).toThrow(RangeError);
    expect(() => resolveKokoroModelOptions({ voice: "af heart" })).toThrow(RangeError);
    expect(() => resolveKokoroModelOptions([])).toThrow(TypeError);
  });
});

describe("stableKey", () => {
  it("ignores key order and undefined values", () => {
    expect(stableKey({ b: 1, a: { d: 2, c: 3 } })).toBe(stableKey({ a: { c: 3, d: 2 }, b: 1 }));
    expect(stableKey({ a: 1, b: undefined })).toBe(stableKey({ a: 1 }));
    expect(stableKey({ a: 1 })).not.toBe(stableKey({ a: 2 }));
  });
});
