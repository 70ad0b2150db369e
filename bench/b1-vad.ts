/**
 * B1 — VAD cost: µs per window (512 = 32 ms and 1024 = 64 ms at 16 kHz) and windows/s on one
 * core for Silero v4 and v5, single stream; plus the round trip of one 0.6 s chunk through
 * `SileroVad.vad()` (resample + worker message + inference + segmentation).
 *
 * "in worker" figures are the model time measured inside the VAD worker thread (no messaging);
 * "direct" figures run onnxruntime-node on the bench thread through the same inference code.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resample } from "../src/audio/resample.js";
import { readWavFile } from "../src/audio/wav.js";
import { SileroVad } from "../src/vad/silero.js";
import type { SileroVersion } from "../src/vad/sileroInference.js";
import { defaultSileroModelPath, SileroInference } from "../src/vad/sileroInference.js";
import type { BenchReport } from "./report.js";
import { percentile } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "..", "shared", "fixtures", "audio", "synthetic");

/** Reads a mono PCM16 WAV (the synthetic fixtures). */
export async function readPcm16(path: string): Promise<{ rate: number; samples: Int16Array }> {
  const wav = await readWavFile(path);
  if (wav.channels !== 1 || !(wav.samples instanceof Int16Array)) {
    throw new Error(`${path}: expected a mono 16-bit WAV`);
  }
  return { rate: wav.sampleRate, samples: wav.samples };
}

/** `seconds` of 16 kHz float32 speech-and-silence made by repeating two_turns.wav. */
async function speech16k(seconds: number): Promise<Float32Array> {
  const { samples } = await readPcm16(join(fixtures, "16k", "two_turns.wav"));
  const out = new Float32Array(Math.round(seconds * 16000));
  for (let i = 0; i < out.length; i++) out[i] = samples[i % samples.length]! / 32768;
  return out;
}

const VERSIONS: SileroVersion[] = ["v4", "v5"];
const WINDOWS = [512, 1024];

export async function run(): Promise<BenchReport> {
  const audio = await speech16k(30); // 30 s per pass
  const rows: BenchReport["rows"] = [];
  const passes = 5;

  for (const version of VERSIONS) {
    const model = new SileroVad({ version });
    await model.warmup();
    for (const w of WINDOWS) {
      await model.probabilitiesWithStats(audio, w);
      let ms = 0;
      let windows = 0;
      for (let k = 0; k < passes; k++) {
        const r = await model.probabilitiesWithStats(audio, w);
        ms += r.computeMs;
        windows += r.probabilities.length;
      }
      const us = (ms * 1000) / windows;
      rows.push(windowRow("per window, in worker", version, w, us));
    }

    const direct = await SileroInference.create(defaultSileroModelPath(version), version);
    for (const w of WINDOWS) {
      await direct.probabilities(audio, w);
      const t0 = performance.now();
      let windows = 0;
      for (let k = 0; k < passes; k++) windows += (await direct.probabilities(audio, w)).length;
      const us = ((performance.now() - t0) * 1000) / windows;
      rows.push(windowRow("per window, direct (bench thread)", version, w, us));
    }
    await direct.dispose();

    // Round trip of one 0.6 s chunk at 48 kHz int16 (what ReplyOnPause sends).
    const { samples } = await readPcm16(join(fixtures, "48k", "two_turns.wav"));
    const chunkLen = 28800;
    const w = version === "v4" ? 1024 : 512;
    const lat: number[] = [];
    for (let k = 0; k < 300; k++) {
      const start = (k * chunkLen) % (samples.length - chunkLen);
      const chunk = samples.slice(start, start + chunkLen);
      const t0 = performance.now();
      const [seconds] = await model.vad([48000, chunk], { windowSizeSamples: w });
      lat.push(performance.now() - t0);
      if (!Number.isFinite(seconds)) throw new Error("vad() failed during the benchmark");
    }
    rows.push({
      measure: "0.6 s chunk @48 kHz, vad() round trip",
      model: version,
      window: w,
      us_per_window: null,
      windows_per_s: null,
      x_realtime: null,
      p50_ms: percentile(lat, 50),
      p99_ms: percentile(lat, 99),
    });
    await model.close();
  }

  // The resampling part of a 0.6 s 48 kHz chunk (done in the worker by vad()).
  const chunk48 = new Float32Array(28800);
  for (let i = 0; i < chunk48.length; i++) chunk48[i] = (audio[i % audio.length] ?? 0) * 0.5;
  for (let k = 0; k < 20; k++) resample(chunk48, 48000, 16000);
  const rs: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t0 = performance.now();
    resample(chunk48, 48000, 16000);
    rs.push(performance.now() - t0);
  }
  rows.push({
    measure: "0.6 s chunk 48k->16k resample only",
    model: null,
    window: null,
    us_per_window: null,
    windows_per_s: null,
    x_realtime: null,
    p50_ms: percentile(rs, 50),
    p99_ms: percentile(rs, 99),
  });

  return {
    id: "B1",
    title: "Silero VAD cost per window and per 0.6 s chunk (one core, single stream)",
    columns: [
      "measure",
      "model",
      "window",
      "us_per_window",
      "windows_per_s",
      "x_realtime",
      "p50_ms",
      "p99_ms",
    ],
    rows,
    notes: [
      "onnxruntime-node, intraOpNumThreads=1, interOpNumThreads=1, CPU; audio: two_turns.wav repeated (speech and silence).",
      "'in worker' = model time measured inside the VAD worker thread for 5 x 30 s passes; 'direct' = same code on the bench thread.",
      "v5 runs in 512-sample steps with 64 samples of context; a 1024 window is two steps (probability = max).",
      "x_realtime = audio duration processed per second of compute on one core.",
      "round trip = copy + postMessage (transfer) + int16->float + resample 48k->16k + inference (all in the worker) + segmentation; 300 calls, sequential.",
      "'resample only' = src/audio/resample.ts one-shot resample() of the same chunk on the bench thread (this part runs in the VAD worker).",
    ],
  };
}

/** One table row for a per-window cost of `us` microseconds. */
function windowRow(measure: string, model: string, w: number, us: number) {
  return {
    measure,
    model,
    window: w,
    us_per_window: us,
    windows_per_s: Math.round(1e6 / us),
    x_realtime: (w / 16000) * 1e6 * (1 / us),
    p50_ms: null,
    p99_ms: null,
  };
}
