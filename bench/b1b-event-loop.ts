/**
 * B1b — does VAD stall the main thread? 50 simulated sessions each submit a 0.6 s chunk of
 * 48 kHz int16 audio every 0.6 s (start times staggered by 12 ms) to the shared Silero model
 * for ~10 s, while `perf_hooks.monitorEventLoopDelay` samples main-thread event-loop delay.
 *
 * A baseline run does the same scheduling and chunk slicing without calling the VAD; "added"
 * delay is the VAD run minus the baseline. Target: < 5 ms added at 50 sessions.
 */

import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import { SileroVad } from "../src/vad/silero.js";
import type { SileroVersion } from "../src/vad/sileroInference.js";
import { readPcm16 } from "./b1-vad.js";
import type { BenchReport } from "./report.js";
import { percentile } from "./report.js";

const fixture = fixturePath("synthetic/48k");

const SESSIONS = 50;
const CHUNK_S = 0.6;
const DURATION_S = 10;
const RATE = 48000;

interface Outcome {
  loopP50: number;
  loopP99: number;
  loopMax: number;
  calls: number;
  failed: number;
  latencies: number[];
}

async function scenario(model: SileroVad | null, windowSizeSamples: number): Promise<Outcome> {
  const { samples } = await readPcm16(join(fixture, "two_turns.wav"));
  const chunkLen = Math.round(CHUNK_S * RATE);
  const latencies: number[] = [];
  let failed = 0;
  const inflight: Promise<void>[] = [];
  const hist = monitorEventLoopDelay({ resolution: 1 });
  const t0 = performance.now() + 50;
  hist.enable();

  const timers: NodeJS.Timeout[] = [];
  const session = (s: number) =>
    new Promise<void>((resolveSession) => {
      let k = 0;
      const tick = () => {
        const start = ((s * 7 + k) * chunkLen) % (samples.length - chunkLen);
        const chunk = samples.slice(start, start + chunkLen);
        if (model !== null) {
          const c0 = performance.now();
          inflight.push(
            model.vad([RATE, chunk], { windowSizeSamples }).then(([seconds]) => {
              latencies.push(performance.now() - c0);
              if (!Number.isFinite(seconds)) failed++;
            }),
          );
        }
        k++;
        const due = t0 + (s * CHUNK_S * 1000) / SESSIONS + k * CHUNK_S * 1000;
        if (due - t0 > DURATION_S * 1000) {
          resolveSession();
          return;
        }
        timers.push(setTimeout(tick, Math.max(0, due - performance.now())));
      };
      const first = t0 + (s * CHUNK_S * 1000) / SESSIONS;
      timers.push(setTimeout(tick, Math.max(0, first - performance.now())));
    });

  await Promise.all(Array.from({ length: SESSIONS }, (_, s) => session(s)));
  await Promise.all(inflight);
  hist.disable();
  for (const t of timers) clearTimeout(t);
  return {
    loopP50: hist.percentile(50) / 1e6,
    loopP99: hist.percentile(99) / 1e6,
    loopMax: hist.max / 1e6,
    calls: latencies.length,
    failed,
    latencies,
  };
}

export async function run(): Promise<BenchReport> {
  const rows: BenchReport["rows"] = [];
  const base = await scenario(null, 1024);
  rows.push({
    run: "baseline (no VAD)",
    model: null,
    window: null,
    calls: 0,
    loop_p50_ms: base.loopP50,
    loop_p99_ms: base.loopP99,
    loop_max_ms: base.loopMax,
    added_p99_ms: null,
    vad_p50_ms: null,
    vad_p99_ms: null,
    failed: 0,
  });
  const configs: [SileroVersion, number][] = [
    ["v4", 1024],
    ["v4", 512],
    ["v5", 512],
  ];
  for (const [version, w] of configs) {
    const model = new SileroVad({ version });
    await model.warmup();
    const r = await scenario(model, w);
    await model.close();
    rows.push({
      run: `${SESSIONS} sessions`,
      model: version,
      window: w,
      calls: r.calls,
      loop_p50_ms: r.loopP50,
      loop_p99_ms: r.loopP99,
      loop_max_ms: r.loopMax,
      added_p99_ms: r.loopP99 - base.loopP99,
      vad_p50_ms: percentile(r.latencies, 50),
      vad_p99_ms: percentile(r.latencies, 99),
      failed: r.failed,
    });
  }
  return {
    id: "B1b",
    title: `Main-thread event-loop delay with ${SESSIONS} sessions sending 0.6 s chunks every 0.6 s (VAD in a worker)`,
    columns: [
      "run",
      "model",
      "window",
      "calls",
      "loop_p50_ms",
      "loop_p99_ms",
      "loop_max_ms",
      "added_p99_ms",
      "vad_p50_ms",
      "vad_p99_ms",
      "failed",
    ],
    rows,
    notes: [
      `${SESSIONS} sessions x ${DURATION_S} s, 48 kHz int16 chunks of ${CHUNK_S} s (two_turns.wav), start times staggered by ${(CHUNK_S * 1000) / SESSIONS} ms; one shared model (one worker thread).`,
      "loop_* = perf_hooks.monitorEventLoopDelay (resolution 1 ms) on the main thread; added = VAD run minus baseline. Target: added < 5 ms.",
      "vad_* = latency of each vad() call (copy on the main thread; queueing, resampling and inference in the worker; segmentation on the main thread).",
    ],
  };
}
