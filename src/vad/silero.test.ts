import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resample } from "../audio/resample.js";
import { fixturePath } from "../audio/testing/fixtures.js";
import { readWavFile } from "../audio/wav.js";
import { configureLogger } from "../logger.js";
import { getSileroModel, SileroVad } from "./silero.js";
import { resolveSileroOptions, segmentSpeech, speechDuration } from "./speechTimestamps.js";
import type { SpeechChunk } from "./types.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const synthetic = (rate: "16k" | "48k", name: string) => fixturePath(`synthetic/${rate}/${name}`);

/** Reads a mono PCM16 fixture. */
async function readPcm16(path: string): Promise<{ rate: number; samples: Int16Array }> {
  const wav = await readWavFile(path);
  if (wav.channels !== 1 || !(wav.samples instanceof Int16Array)) {
    throw new Error(`${path}: expected a mono 16-bit fixture`);
  }
  return { rate: wav.sampleRate, samples: wav.samples };
}

function toFloat(x: Int16Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! / 32768;
  return out;
}

function overlaps(c: SpeechChunk, startS: number, endS: number): boolean {
  return c.start / 16000 < endS && c.end / 16000 > startS;
}

// Labelled speech in two_turns.wav (synthetic/MANIFEST.md).
const TURN1: [number, number] = [0.5, 1.776938];
const TURN2: [number, number] = [3.276937, 5.408188];

let v4: SileroVad;
let v5: SileroVad;

beforeAll(async () => {
  v4 = new SileroVad();
  v5 = new SileroVad({ version: "v5" });
  await Promise.all([v4.warmup(), v5.warmup()]);
});

afterAll(async () => {
  await Promise.all([v4.close(), v5.close()]);
  await getSileroModel().close();
  await getSileroModel({ version: "v5" }).close();
});

describe("SileroVad", () => {
  it("silence_only.wav gives 0 s and no chunks", async () => {
    const { rate, samples } = await readPcm16(synthetic("16k", "silence_only.wav"));
    expect(await v4.vad([rate, samples])).toEqual([0, []]);
    expect(await v4.vad([rate, samples], { minSilenceDurationMs: 100 })).toEqual([0, []]);
  });

  it("two_turns.wav (minSilenceDurationMs 100) gives two segments over the labelled turns", async () => {
    const { rate, samples } = await readPcm16(synthetic("16k", "two_turns.wav"));
    const [seconds, chunks] = await v4.vad([rate, samples], { minSilenceDurationMs: 100 });
    expect(chunks).toHaveLength(2);
    const [a, b] = chunks as [SpeechChunk, SpeechChunk];
    expect(overlaps(a, ...TURN1)).toBe(true);
    expect(overlaps(a, ...TURN2)).toBe(false);
    expect(overlaps(b, ...TURN2)).toBe(true);
    expect(overlaps(b, ...TURN1)).toBe(false);
    // Padded segments cover the labelled speech.
    expect(a.start / 16000).toBeLessThanOrEqual(TURN1[0]);
    expect(a.end / 16000).toBeGreaterThanOrEqual(TURN1[1]);
    expect(b.start / 16000).toBeLessThanOrEqual(TURN2[0]);
    expect(b.end / 16000).toBeGreaterThanOrEqual(TURN2[1]);
    expect(seconds).toBeGreaterThan(TURN1[1] - TURN1[0] + (TURN2[1] - TURN2[0]));
    expect(seconds).toBeLessThan(6.908);
  });

  it("77: audio at 48 kHz is resampled to 16 kHz and gives nearly the same segments", async () => {
    const a = await readPcm16(synthetic("16k", "two_turns.wav"));
    const b = await readPcm16(synthetic("48k", "two_turns.wav"));
    expect(b.rate).toBe(48000);
    const opts = { minSilenceDurationMs: 100 };
    const [s16, c16] = await v4.vad([a.rate, a.samples], opts);
    const [s48, c48] = await v4.vad([b.rate, b.samples], opts);
    expect(c48).toHaveLength(c16.length);
    c48.forEach((c, i) => {
      // Indices are 16 kHz samples, within one window of the 16 kHz result.
      expect(Math.abs(c.start - c16[i]!.start)).toBeLessThanOrEqual(1024);
      expect(Math.abs(c.end - c16[i]!.end)).toBeLessThanOrEqual(1024);
      expect(c.end).toBeLessThanOrEqual(Math.round(b.samples.length / 3));
    });
    expect(Math.abs(s48 - s16)).toBeLessThanOrEqual(0.13);
    // Float32 input at 48 kHz works the same way.
    const [sf] = await v4.vad([b.rate, toFloat(b.samples)], opts);
    expect(sf).toBeCloseTo(s48, 6);
  });

  it("77: one probability per window, the tail window zero-padded", async () => {
    const { samples } = await readPcm16(synthetic("16k", "two_turns.wav"));
    const speech = toFloat(samples.subarray(8000, 8000 + 5000)); // 5000 samples of speech
    const probs = await v4.probabilities(speech, 1024);
    expect(probs).toHaveLength(Math.ceil(5000 / 1024));
    const padded = new Float32Array(5 * 1024);
    padded.set(speech);
    const probsPadded = await v4.probabilities(padded, 1024);
    expect(Array.from(probs)).toEqual(Array.from(probsPadded));
    expect(speech).toHaveLength(5000); // the caller's array is not transferred away
    const p512 = await v4.probabilities(speech, 512);
    expect(p512).toHaveLength(Math.ceil(5000 / 512));
  });

  it("77: recurrent state is zeroed for every call", async () => {
    const { samples } = await readPcm16(synthetic("16k", "two_turns.wav"));
    const f = toFloat(samples);
    const offset = 86 * 1024; // a window boundary inside the final 1.5 s of silence
    const tail = f.slice(offset);
    const fresh = await v4.probabilities(tail, 1024);
    const whole = await v4.probabilities(f, 1024); // speech in between
    const again = await v4.probabilities(tail, 1024);
    expect(Array.from(again)).toEqual(Array.from(fresh));
    // Within one call the state is carried: the same windows after speech score differently.
    const inContext = Array.from(whole.subarray(86));
    expect(inContext).toHaveLength(fresh.length);
    expect(inContext).not.toEqual(Array.from(fresh));
    const r1 = await v4.vad([16000, samples], { minSilenceDurationMs: 100 });
    const r2 = await v4.vad([16000, samples], { minSilenceDurationMs: 100 });
    expect(r2).toEqual(r1);
  });

  it("78: duration equals the summed padded segments (16 kHz samples / 16000)", async () => {
    const { rate, samples } = await readPcm16(synthetic("48k", "two_turns.wav"));
    const [seconds, chunks] = await v4.vad([rate, samples], { minSilenceDurationMs: 100 });
    const sum = chunks.reduce((s, c) => s + (c.end - c.start), 0);
    expect(seconds).toBe(sum / 16000);
    // Padded by 400 ms (6400 samples) before the first onset, which is at >= 0.5 s.
    expect(chunks[0]!.start).toBeLessThanOrEqual(8000 - 6400 + 1024);
    // Same figure from the pure segmentation of the worker's probabilities.
    const audio16k = resample(toFloat(samples), rate, 16000);
    const opts = resolveSileroOptions({ minSilenceDurationMs: 100 });
    const probs = await v4.probabilities(audio16k, opts.windowSizeSamples);
    const expected = segmentSpeech(probs, audio16k.length, opts);
    expect(chunks).toEqual(expected);
    expect(seconds).toBe(speechDuration(expected));
  });

  it("79: with defaults a 0.6 s chunk yields 0.6 or 0 (speech iff a window in its first 5600 samples has p >= 0.5)", async () => {
    for (const rateDir of ["16k", "48k"] as const) {
      const { rate, samples } = await readPcm16(synthetic(rateDir, "two_turns.wav"));
      const n = Math.round(0.6 * rate);
      const got: number[] = [];
      for (let s = 0; s + n <= samples.length; s += n) {
        const chunk = samples.slice(s, s + n);
        const [seconds] = await v4.vad([rate, chunk]);
        got.push(seconds);
        const f = toFloat(chunk);
        const audio16k = rate === 16000 ? f : resample(f, rate, 16000);
        const probs = await v4.probabilities(audio16k, 1024);
        const early = Array.from(probs).some((p, i) => i * 1024 < 5600 && p >= 0.5);
        expect(seconds, `chunk at ${s / rate} s`).toBeCloseTo(early ? 0.6 : 0, 10);
      }
      // Labelled speech: 0.50–1.78 s and 3.28–5.41 s. Chunk k covers [0.6k, 0.6k + 0.6).
      expect(got.map((x) => Math.round(x * 10) / 10)).toEqual([
        0, 0.6, 0.6, 0, 0, 0.6, 0.6, 0.6, 0.6, 0, 0,
      ]);
    }
  });

  it("v5 also works (window 512 and 1024)", async () => {
    const { rate, samples } = await readPcm16(synthetic("48k", "two_turns.wav"));
    for (const windowSizeSamples of [512, 1024]) {
      const [seconds, chunks] = await v5.vad([rate, samples], {
        minSilenceDurationMs: 100,
        windowSizeSamples,
      });
      expect(chunks).toHaveLength(2);
      expect(overlaps(chunks[0]!, ...TURN1)).toBe(true);
      expect(overlaps(chunks[1]!, ...TURN2)).toBe(true);
      expect(seconds).toBeGreaterThan(3);
    }
    const silence = await readPcm16(synthetic("16k", "silence_only.wav"));
    expect(await v5.vad([silence.rate, silence.samples])).toEqual([0, []]);
    // v5 needs windows that are multiples of 512: anything else is an error -> Infinity.
    expect(await v5.vad([rate, samples], { windowSizeSamples: 800 })).toEqual([
      Number.POSITIVE_INFINITY,
      [],
    ]);
  });

  it("stereo chunks are averaged to mono; 16 kHz float input is not detached", async () => {
    const { samples } = await readPcm16(synthetic("16k", "two_turns.wav"));
    const stereo = new Int16Array(samples.length * 2);
    for (let i = 0; i < samples.length; i++) {
      stereo[2 * i] = samples[i]!;
      stereo[2 * i + 1] = samples[i]!;
    }
    const mono = await v4.vad([16000, samples], { minSilenceDurationMs: 100 });
    expect(await v4.vad([16000, stereo, "stereo"], { minSilenceDurationMs: 100 })).toEqual(mono);
    const f = toFloat(samples);
    await v4.vad([16000, f]);
    expect(f).toHaveLength(samples.length);
  });

  it("errors give [Infinity, []] and a logged warning; vad() never throws", async () => {
    const warnings: string[] = [];
    configureLogger({
      level: "warn",
      sink: {
        debug() {},
        info() {},
        warn: (m) => warnings.push(m),
        error() {},
      },
    });
    const dir = mkdtempSync(join(tmpdir(), "fastrtc-vad-"));
    try {
      const inf: [number, SpeechChunk[]] = [Number.POSITIVE_INFINITY, []];
      const chunk = new Int16Array(9600);
      // Model that cannot be loaded.
      const missing = new SileroVad({ modelPath: join(dir, "missing.onnx") });
      expect(await missing.vad([16000, chunk])).toEqual(inf);
      await expect(missing.warmup()).rejects.toThrow();
      await missing.close();
      // Model file that is not a model.
      writeFileSync(join(dir, "garbage.onnx"), "not an onnx file");
      const garbage = new SileroVad({ modelPath: join(dir, "garbage.onnx") });
      expect(await garbage.vad([16000, chunk])).toEqual(inf);
      await garbage.close();
      expect(warnings.length).toBeGreaterThanOrEqual(2);
      // Bad inputs and options.
      const bad: unknown[] = [
        null,
        [16000],
        [0, chunk],
        [16000.5, chunk],
        [16000, [1, 2, 3]],
        [16000, chunk, "surround"],
      ];
      for (const b of bad) {
        expect(await v4.vad(b as never)).toEqual(inf);
      }
      expect(await v4.vad([16000, chunk], { threshold: 2 })).toEqual(inf);
      // §9.1: windows shorter than 512 samples are rejected.
      expect(await v4.vad([16000, chunk], { windowSizeSamples: 256 })).toEqual(inf);
      // The model still works afterwards.
      expect(await v4.vad([16000, chunk])).toEqual([0, []]);
    } finally {
      configureLogger({ level: "silent" });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("constructor options are validated", () => {
    expect(() => new SileroVad({ version: "v7" as never })).toThrow(RangeError);
    expect(() => new SileroVad({ modelPath: "" })).toThrow(TypeError);
    expect(new SileroVad().version).toBe("v4");
    expect(new SileroVad().modelPath).toMatch(/silero_vad_legacy\.onnx$/);
    expect(new SileroVad({ version: "v5" }).modelPath).toMatch(/silero_vad_v5\.onnx$/);
  });

  it("getSileroModel is memoised per version", () => {
    const a = getSileroModel();
    expect(getSileroModel()).toBe(a);
    expect(getSileroModel({ version: "v4" })).toBe(a);
    const b = getSileroModel({ version: "v5" });
    expect(b).not.toBe(a);
    expect(b.version).toBe("v5");
  });

  it("inference does not block the event loop: a 5 ms interval keeps firing during a long call", async () => {
    const { samples } = await readPcm16(synthetic("16k", "two_turns.wav"));
    const long = new Int16Array(samples.length * 8); // ~55 s of audio
    for (let k = 0; k < 8; k++) long.set(samples, k * samples.length);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    const t0 = performance.now();
    const [seconds] = await v4.vad([16000, long], { windowSizeSamples: 512 });
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    expect(seconds).toBeGreaterThan(0);
    expect(Number.isFinite(seconds)).toBe(true);
    // If inference ran on this thread the interval could not fire until it finished.
    expect(elapsed).toBeGreaterThan(30);
    expect(ticks).toBeGreaterThanOrEqual(Math.max(3, Math.floor(elapsed / 5 / 4)));
  });

  it("an idle model does not keep the process alive", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fastrtc-vad-exit-"));
    try {
      const script = join(dir, "script.mts");
      const sileroUrl = new URL("./silero.ts", import.meta.url).href;
      writeFileSync(
        script,
        `import { getSileroModel } from ${JSON.stringify(sileroUrl)};\n` +
          "const m = getSileroModel();\n" +
          "const r = await m.vad([16000, new Int16Array(9600)]);\n" +
          "process.stdout.write(JSON.stringify(r));\n",
      );
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ["--import", tsx, script],
          { timeout: 30_000, cwd: repoRoot },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        );
      });
      expect(JSON.parse(out)).toEqual([0, []]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
