/**
 * B1 — VAD cost.
 *
 * Chunk VAD (`SileroVad`, report "B1"): µs per window (512 = 32 ms and 1024 = 64 ms at 16 kHz)
 * and windows/s on one core for Silero v4 and v5, single stream; plus the round trip of one
 * 0.6 s chunk through `SileroVad.vad()` (resample + worker message + inference + segmentation).
 * "in worker" figures are the model time measured inside the VAD worker thread (no messaging);
 * "direct" figures run the ONNX engine in use on the bench thread through the same inference code.
 *
 * Frame VAD (`SileroFrameVad`, report "B1f"), Silero v5 and v6.2: µs per 32 ms frame for one
 * stream; amortised wall time per window with 1, 10 and 50 concurrent streams through the real
 * worker batching (goal ≤ 0.05 ms per window at 50); onset and offset lag on the labelled
 * synthetic fixtures. The report id is `B1f-web` or `B1f-node` after the ONNX engine in use
 * (`FASTRTC_ONNX`). `B1_FRAME_ONLY=1` skips the chunk-VAD part.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resample } from "../src/audio/resample.js";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import { readWavFile } from "../src/audio/wav.js";
import { onnxEngine } from "../src/models/onnxRuntime.js";
import { type FrameVadVersion, SileroFrameVad } from "../src/vad/frameVad.js";
import { FRAME_VAD_MS, FRAME_VAD_SAMPLES } from "../src/vad/frameVadTypes.js";
import { SileroVad } from "../src/vad/silero.js";
import type { SileroVersion } from "../src/vad/sileroInference.js";
import { defaultSileroModelPath, SileroInference } from "../src/vad/sileroInference.js";
import type { BenchReport } from "./report.js";
import { percentile } from "./report.js";

const fixtures = fixturePath("synthetic");

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

export async function run(): Promise<BenchReport[]> {
  const frame = await runFrameVad();
  if (process.env.B1_FRAME_ONLY === "1") return [frame];
  return [await runChunkVad(), frame];
}

async function runChunkVad(): Promise<BenchReport> {
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
      `onnxruntime-${onnxEngine} (FASTRTC_ONNX), intraOpNumThreads=1, interOpNumThreads=1, CPU; audio: two_turns.wav repeated (speech and silence).`,
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

// ---------------------------------------------------------------------------------------------
// Frame VAD (B1f)

const FRAME_VERSIONS: FrameVadVersion[] = ["v5", "v6"];
const STREAM_COUNTS = [1, 10, 50];
const SPEECH_FILES = [
  "one_utterance_then_silence.wav",
  "two_turns.wav",
  "short_pause_inside_turn.wav",
  "wake_word_computer.wav",
];
const ONSET_THRESHOLD = 0.5;
const OFFSET_THRESHOLD = 0.35;

/** The median of `values` (`null` when empty). */
function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/** One frame-VAD table row; unset columns are `null`. */
function frameRow(
  fields: Record<string, string | number | null>,
): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = {};
  for (const c of FRAME_COLUMNS) row[c] = null;
  return Object.assign(row, fields);
}

const FRAME_COLUMNS = [
  "measure",
  "model",
  "streams",
  "us_per_frame",
  "ms_per_window",
  "cpu_ms_per_window",
  "compute_ms_per_window",
  "p50_ms",
  "p99_ms",
  "onset_lag_ms",
  "offset_lag_ms",
  "segments",
];

/**
 * `streams` streams each push one 512-sample frame per round, all in the same event-loop turn,
 * and every round is awaited before the next. Returns the wall time per window (all rounds
 * divided by all windows), the worker's model time per window, and per-round latency.
 */
async function amortised(
  vad: SileroFrameVad,
  audio: Float32Array,
  streams: number,
  rounds: number,
  piece: { rate: number; samples: Float32Array } | null = null,
): Promise<{ wallMs: number; cpuMs: number; computeMs: number; lat: number[] }> {
  const all = Array.from({ length: streams }, () => vad.createStream());
  const frames = Math.floor(audio.length / FRAME_VAD_SAMPLES);
  const lat: number[] = [];
  const push = async (k: number) => {
    const t0 = performance.now();
    const res = await Promise.all(
      all.map((s, i) => {
        if (piece !== null) {
          const n = piece.rate / 50; // 20 ms
          const at = ((k + i * 13) * n) % (piece.samples.length - n);
          return s.push([piece.rate, piece.samples.subarray(at, at + n)]);
        }
        const f = (k + i * 37) % frames; // streams at different places in the audio
        return s.push([16000, audio.subarray(f * FRAME_VAD_SAMPLES, (f + 1) * FRAME_VAD_SAMPLES)]);
      }),
    );
    lat.push(performance.now() - t0);
    return res.reduce((n, r) => n + r.length, 0);
  };
  for (let k = 0; k < 20; k++) await push(k); // warm the streams and the batch shapes
  lat.length = 0;
  const before = vad.stats;
  let windows = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let k = 0; k < rounds; k++) windows += await push(k + 20);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const after = vad.stats;
  for (const s of all) s.close();
  return {
    wallMs: wall / windows,
    cpuMs: (cpu.user + cpu.system) / 1000 / windows,
    computeMs: (after.computeMs - before.computeMs) / (after.frames - before.frames),
    lat,
  };
}

/**
 * `sessions` streams each push 20 ms of `pcm48` every 20 ms of real time for `durationMs`, their
 * timers spread evenly over the period. Returns process CPU per window, the worker's model time
 * per window, the latency of pushes that completed a frame, and the mean frames per batch.
 */
async function realTime(
  vad: SileroFrameVad,
  pcm48: Float32Array,
  sessions: number,
  durationMs: number,
): Promise<{ cpuMs: number; computeMs: number; lat: number[]; meanBatch: number }> {
  const n = 960;
  const lat: number[] = [];
  const before = vad.stats;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + durationMs;
  const runs: Promise<void>[] = [];
  for (let i = 0; i < sessions; i++) {
    const stream = vad.createStream();
    runs.push(
      (async () => {
        await new Promise((r) => setTimeout(r, (20 * i) / sessions));
        let k = i * 17;
        let next = performance.now();
        while (performance.now() < end) {
          const at = (k++ * n) % (pcm48.length - n);
          const t0 = performance.now();
          const p = await stream.push([48000, pcm48.subarray(at, at + n)]);
          if (p.length > 0) lat.push(performance.now() - t0);
          next += 20;
          await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        }
        stream.close();
      })(),
    );
  }
  await Promise.all(runs);
  const cpu = process.cpuUsage(cpu0);
  const after = vad.stats;
  const frames = after.frames - before.frames;
  return {
    cpuMs: (cpu.user + cpu.system) / 1000 / frames,
    computeMs: (after.computeMs - before.computeMs) / frames,
    lat,
    meanBatch: frames / (after.runs - before.runs),
  };
}

/** Speech segments of the 16 kHz synthetic fixtures (segments.tsv), in 16 kHz samples. */
function segments16k(): Map<string, [number, number][]> {
  const rows = readFileSync(join(fixtures, "segments.tsv"), "utf8").trim().split("\n").slice(1);
  const out = new Map<string, [number, number][]>();
  for (const r of rows) {
    const c = r.split("\t");
    if (c[1] !== "16000") continue;
    const name = (c[0] ?? "").replace(/^16k\//, "");
    const list = out.get(name) ?? [];
    list.push([Number(c[3]), Number(c[4])]);
    out.set(name, list);
  }
  return out;
}

/**
 * Onset lag: from a segment's start to the end of the first frame (ending after that start)
 * with p >= 0.5. Offset lag: from a segment's end to the end of the first frame (ending after
 * that end) with p < 0.35, searched until the next segment starts. A frame's probability
 * exists once the frame is complete, hence its end time. Milliseconds.
 */
function lags(
  probs: Float32Array,
  segs: [number, number][],
): { onsets: number[]; offsets: number[]; bridged: number } {
  const onsets: number[] = [];
  const offsets: number[] = [];
  let bridged = 0;
  const endOf = (i: number) => (i + 1) * FRAME_VAD_SAMPLES;
  segs.forEach(([start, end], k) => {
    for (let i = 0; i < probs.length && endOf(i) <= end; i++) {
      if (endOf(i) > start && probs[i]! >= ONSET_THRESHOLD) {
        onsets.push(((endOf(i) - start) / 16000) * 1000);
        break;
      }
    }
    const limit = segs[k + 1]?.[0] ?? Number.POSITIVE_INFINITY;
    let found = false;
    for (let i = 0; i < probs.length && endOf(i) - FRAME_VAD_SAMPLES < limit; i++) {
      if (endOf(i) > end && probs[i]! < OFFSET_THRESHOLD) {
        offsets.push(((endOf(i) - end) / 16000) * 1000);
        found = true;
        break;
      }
    }
    if (!found) bridged++;
  });
  return { onsets, offsets, bridged };
}

async function runFrameVad(): Promise<BenchReport> {
  const audio = await speech16k(30);
  const { samples: pcm48 } = await readPcm16(join(fixtures, "48k", "two_turns.wav"));
  const float48 = Float32Array.from(pcm48, (x) => x / 32768);
  const segs = segments16k();
  const rows: BenchReport["rows"] = [];
  const summary: Record<string, number | null> = {};

  for (const version of FRAME_VERSIONS) {
    const vad = new SileroFrameVad({ version });
    await vad.warmup();

    // The model alone on the bench thread: one stepBatch (session.run) of B rows.
    {
      const direct = await SileroInference.create(defaultSileroModelPath(version), version);
      for (const b of STREAM_COUNTS) {
        const input = new Float32Array(b * 576);
        let state = new Float32Array(b * 256);
        const steps = Math.max(100, Math.ceil(3000 / b));
        const run = async (k: number) => {
          for (let r = 0; r < b; r++) {
            const f = ((k + r * 37) % 900) * FRAME_VAD_SAMPLES;
            input.set(audio.subarray(f, f + 576), r * 576);
          }
          state = (await direct.stepBatch(input, state, b)).state.slice();
        };
        for (let k = 0; k < 20; k++) await run(k);
        let bestUs = Number.POSITIVE_INFINITY;
        for (let rep = 0; rep < 3; rep++) {
          const t0 = performance.now();
          for (let k = 0; k < steps; k++) await run(k);
          bestUs = Math.min(bestUs, ((performance.now() - t0) * 1000) / (steps * b));
        }
        rows.push(
          frameRow({
            measure: "model only (stepBatch on the bench thread)",
            model: version,
            streams: b,
            us_per_frame: bestUs,
          }),
        );
      }
      await direct.dispose();
    }

    // Single stream: one 512-sample frame per push, awaited (the worker's time per frame, and
    // the round trip of a push).
    const single = await amortised(vad, audio, 1, 1000);
    rows.push(
      frameRow({
        measure: "1 stream, 1 frame per push",
        model: version,
        streams: 1,
        us_per_frame: single.computeMs * 1000,
        ms_per_window: single.wallMs,
        cpu_ms_per_window: single.cpuMs,
        compute_ms_per_window: single.computeMs,
        p50_ms: percentile(single.lat, 50),
        p99_ms: percentile(single.lat, 99),
      }),
    );

    // N concurrent streams, one frame each per event-loop turn: best of 3 runs.
    for (const n of STREAM_COUNTS) {
      const rounds = Math.max(200, Math.ceil(3000 / n));
      let best: Awaited<ReturnType<typeof amortised>> | null = null;
      for (let rep = 0; rep < 3; rep++) {
        const r = await amortised(vad, audio, n, rounds);
        if (best === null || r.cpuMs < best.cpuMs) best = r;
      }
      rows.push(
        frameRow({
          measure: "concurrent streams, 16 kHz frames",
          model: version,
          streams: n,
          ms_per_window: best!.wallMs,
          cpu_ms_per_window: best!.cpuMs,
          compute_ms_per_window: best!.computeMs,
          p50_ms: percentile(best!.lat, 50),
          p99_ms: percentile(best!.lat, 99),
        }),
      );
      if (n === 50) {
        summary[`${version}_ms_per_window_at_50`] = best!.wallMs;
        summary[`${version}_cpu_ms_per_window_at_50`] = best!.cpuMs;
      }
    }

    // 50 streams pushing 20 ms at 48 kHz (resampling and framing on the main thread).
    {
      const r = await amortised(vad, audio, 50, 300, { rate: 48000, samples: float48 });
      rows.push(
        frameRow({
          measure: "50 streams, 20 ms pieces @48 kHz",
          model: version,
          streams: 50,
          ms_per_window: r.wallMs,
          cpu_ms_per_window: r.cpuMs,
          compute_ms_per_window: r.computeMs,
          p50_ms: percentile(r.lat, 50),
          p99_ms: percentile(r.lat, 99),
        }),
      );
    }

    // 50 sessions in real time: each pushes 20 ms at 48 kHz on its own 20 ms timer (phases
    // spread over the period), so frames complete at staggered times; batchDelayMs 0 vs 4.
    for (const batchDelayMs of [0, 4]) {
      const live = batchDelayMs === 0 ? vad : new SileroFrameVad({ version, batchDelayMs });
      await live.warmup();
      const r = await realTime(live, float48, 50, 4000);
      rows.push(
        frameRow({
          measure: `50 sessions real time, staggered, batchDelayMs ${batchDelayMs}`,
          model: version,
          streams: 50,
          cpu_ms_per_window: r.cpuMs,
          compute_ms_per_window: r.computeMs,
          p50_ms: percentile(r.lat, 50),
          p99_ms: percentile(r.lat, 99),
          segments: `mean batch ${r.meanBatch.toFixed(1)} frames`,
        }),
      );
      if (live !== vad) await live.close();
    }

    // Onset / offset lag on the labelled 16 kHz fixtures.
    const onsets: number[] = [];
    const offsets: number[] = [];
    let bridged = 0;
    let count = 0;
    for (const name of SPEECH_FILES) {
      const { samples } = await readPcm16(join(fixtures, "16k", name));
      const s = vad.createStream();
      const probs = await s.push([16000, samples]);
      s.close();
      const list = segs.get(name) ?? [];
      count += list.length;
      const l = lags(probs, list);
      onsets.push(...l.onsets);
      offsets.push(...l.offsets);
      bridged += l.bridged;
    }
    rows.push(
      frameRow({
        measure: "onset / offset lag (median)",
        model: version,
        onset_lag_ms: median(onsets),
        offset_lag_ms: median(offsets),
        segments: `${onsets.length}/${count} onsets, ${offsets.length}/${count} offsets (${bridged} gaps bridged)`,
      }),
    );
    await vad.close();
  }

  return {
    id: `B1f-${onnxEngine}`,
    title: `Frame VAD (Silero v5 / v6.2, 32 ms frames, batched worker, onnxruntime-${onnxEngine}): cost per window and lag`,
    columns: FRAME_COLUMNS,
    rows,
    notes: [
      `frame = ${FRAME_VAD_SAMPLES} samples at 16 kHz (${FRAME_VAD_MS} ms) + 64 samples of context; engine onnxruntime-${onnxEngine} (FASTRTC_ONNX=node|web), 1 thread, CPU; one SileroFrameVad (one worker) per model.`,
      "'model only' = SileroInference.stepBatch (one session.run of B rows, with the input copy) on the bench thread, no worker: µs per frame, best of 3 runs.",
      "us_per_frame / compute_ms_per_window = model time inside the worker per frame (stats.computeMs / stats.frames): gather, session.run, scatter.",
      "ms_per_window = wall time of all rounds / windows evaluated: every stream pushes one frame per round in the same event-loop turn (one batch, one session.run), each round awaited; the run with the least CPU of 3. It includes the copy, postMessage, queueing and replies. Goal: <= 0.05 ms per window at 50 streams.",
      "cpu_ms_per_window = CPU time of the whole process (all threads: main, worker, onnxruntime; process.cpuUsage) over the same rounds / windows: the cost per window that other load on the machine does not inflate.",
      "p50_ms / p99_ms = latency of one round (all streams' pushes resolved).",
      "'20 ms pieces @48 kHz' = same with 960-sample float pieces at 48 kHz: streaming resampling and framing on the main thread; a round completes 0 or 1 frame per stream.",
      "'real time, staggered' = 50 sessions each push 20 ms at 48 kHz every 20 ms (setTimeout), phases spread over 20 ms, for 4 s; latency = push -> probabilities for pushes that complete a frame; mean batch = frames per session.run. Idle time is included in the CPU per window (timers, resampling).",
      `lag: onset = end of the first frame with p >= ${ONSET_THRESHOLD} after a labelled segment start; offset = end of the first frame with p < ${OFFSET_THRESHOLD} after a segment end, searched up to the next segment (else 'bridged'); medians over the 16 kHz synthetic segments (fixtures/audio/synthetic/segments.tsv), one stream per file.`,
      `summary: ${JSON.stringify(summary)}`,
    ],
  };
}
