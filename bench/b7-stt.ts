/**
 * B7 — STT cost: real-time factor of Moonshine tiny (`stt()` round trip through the worker
 * thread, single stream, one onnxruntime thread) on the leopard recording, a synthetic espeak
 * utterance at 48 kHz (resampling included) and the 20.75 s FastRTC warm-up file; plus the time
 * to verify the cached files and to load the model.
 *
 * Needs the model in the cache (`npx fastrtc-ts models pull moonshine/tiny`; fetched through npm
 * on first use otherwise).
 */

import { join } from "node:path";
import { FIXTURES_DIR } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { readWavAsChunk } from "../src/audio/wav.js";
import { ensureModel } from "../src/models/cache.js";
import { MoonshineStt } from "../src/stt/moonshine.js";
import type { BenchReport } from "./report.js";
import { percentile } from "./report.js";

const fixtures = FIXTURES_DIR;

const CLIPS: Array<{ label: string; file: string }> = [
  { label: "leopard (real speech, 16 kHz)", file: "leopard__test.wav" },
  {
    label: "synthetic espeak (48 kHz)",
    file: join("synthetic", "48k", "one_utterance_then_silence.wav"),
  },
  { label: "fastrtc warm-up file (24 kHz)", file: "fastrtc__test_file.wav" },
];

const RUNS = 7;

export async function run(): Promise<BenchReport> {
  const rows: BenchReport["rows"] = [];
  const notes: string[] = [];

  // Make sure the files are there (a fetch here is not part of the figures), then time a
  // cached check (size + SHA-256 of both files) and a cold load in a fresh instance.
  await ensureModel("moonshine/tiny");
  let t0 = performance.now();
  await ensureModel("moonshine/tiny");
  const verifyMs = performance.now() - t0;

  const model = new MoonshineStt("moonshine/tiny");
  t0 = performance.now();
  await model.load();
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  await model.warmup();
  const warmupMs = performance.now() - t0;
  const empty = { audio_s: null, runs: null, p50_ms: null, p90_ms: null, compute_p50_ms: null };
  rows.push({
    measure: "cache check (size + SHA-256, 28 MB)",
    ...empty,
    rtf_p50: null,
    ms: verifyMs,
  });
  rows.push({
    measure: "load (cache check + worker + ONNX sessions)",
    ...empty,
    rtf_p50: null,
    ms: loadMs,
  });
  rows.push({ measure: "first warm-up call (1 s tone)", ...empty, rtf_p50: null, ms: warmupMs });

  for (const clip of CLIPS) {
    const audio: AudioChunk = await readWavAsChunk(join(fixtures, clip.file));
    const seconds = audio[1].length / audio[0];
    await model.stt(audio);
    const wall: number[] = [];
    const compute: number[] = [];
    let text = "";
    for (let k = 0; k < RUNS; k++) {
      const t = performance.now();
      const r = await model.transcribe(audio);
      wall.push(performance.now() - t);
      compute.push(r.prepareMs + r.encodeMs + r.decodeMs);
      text = r.text;
    }
    const p50 = percentile(wall, 50) ?? Number.NaN;
    rows.push({
      measure: `stt() ${clip.label}`,
      audio_s: seconds,
      runs: RUNS,
      p50_ms: p50,
      p90_ms: percentile(wall, 90),
      compute_p50_ms: percentile(compute, 50),
      rtf_p50: p50 / 1000 / seconds,
      ms: null,
    });
    notes.push(`${clip.file}: "${text}"`);
  }
  await model.close();

  return {
    id: "B7",
    title: "Moonshine tiny STT: real-time factor and load time (one onnxruntime thread, worker)",
    columns: ["measure", "audio_s", "runs", "p50_ms", "p90_ms", "compute_p50_ms", "rtf_p50", "ms"],
    rows,
    notes: [
      "moonshine/tiny = 8-bit quantized encoder + merged decoder from @moonshine-ai/moonshine-js@0.1.29; greedy decoding, <= ceil(6 tokens/s), stop on EOS.",
      "p50/p90 = wall time of one stt() call from the main thread (copy, postMessage, int->float, resample, encoder, decoder loop, detokenize); compute = the worker's own time for the same call.",
      "rtf = wall p50 / audio duration (lower is faster; 0.03 = 33x faster than real time).",
      "load = first load() of a fresh instance in this process: cache check, worker start (tsx bootstrap when run from sources), both ONNX sessions.",
      ...notes,
    ],
  };
}
