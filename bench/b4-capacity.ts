/**
 * B4 — capacity: how many concurrent real-time sessions one server core carries (Opus in, VAD,
 * echo out) before output pacing slips.
 *
 * The server (a launched Stream with `ReplyOnPause(echo)`, real Silero v4 in its default worker)
 * runs in this process, pinned to CPU 0 with `taskset` (main thread, VAD worker and libuv
 * threads). The werift clients run in a child process (b4-load.ts) pinned to CPU 1; each plays
 * synthetic/48k/two_turns.wav in a loop in real time (two turns per 6.9 s), so every session
 * gets a reply about every 3.5 s.
 *
 * Pass = p99 output-frame lateness ≤ 20 ms (server) and p99 gap between reply packets at the
 * clients ≤ 25 ms (issue 15's two criteria). Metric, measured on the server: per-frame output lateness. Every 20 ms frame the session
 * releases is seen at `WebRtcConnection.sendAudio` (rtc-probe.ts); within one reply (frames
 * since the last discontinuity) frame k is due at `first frame time + k · 20 ms`, and lateness is
 * the actual time minus that. Step N = 1, 2, 4, 8, 16, 24, 32, … while p99 lateness ≤ 20 ms.
 * Per step: p50/p99/max lateness, event-loop delay (monitorEventLoopDelay), server CPU (% of
 * one core, all threads), the reply start delay (pause_detected → first frame) and the client
 * process' own CPU and send-tick lateness (to tell when the load generator is the limit).
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { Stream } from "../src/server/Stream.js";
import { MEDIA_THREAD_SEND_AHEAD_MS } from "../src/server/webrtcEntry.js";
import type { ThreadedPeer } from "../src/transports/webrtc/mediaThread/ThreadedPeer.js";
import type { OpusApplication } from "../src/transports/webrtc/opus.js";
import type { WebRtcConnection } from "../src/transports/webrtc/WebRtcConnection.js";
import { getSileroModel } from "../src/vad/silero.js";
import type { FromChild, LoadStats, ToChild } from "./b4-load.js";
import { searchCapacity } from "./capacity.js";
import {
  currentAffinity,
  memoryProbe,
  ONE_CORE_FLAGS,
  pin,
  serverNodeFlags,
  speedProbe,
  startWindow,
  usageColumns,
  type WindowUsage,
} from "./cpu.js";
import { forkLoadChild } from "./loadChild.js";
import { type BenchReport, percentile } from "./report.js";
import { installConnectionProbe, isLog, round } from "./rtc-probe.js";

/** Session counts tried in order; `B4_STEPS=8,16` overrides (e.g. to profile one step). */
const STEPS = process.env.B4_STEPS
  ? process.env.B4_STEPS.split(",").map(Number)
  : [1, 2, 4, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96];
const PASS_P99_MS = 20;
/** The clients' p99 gap between consecutive reply packets must stay within this (ms). */
const PASS_GAP_P99_MS = 25;
/**
 * `both` (default: issue 15's two criteria) or `lateness` (`B4_PASS=lateness`: the server-side
 * lateness alone, the rule of the figures before the client gap was measured).
 */
const PASS_RULE = process.env.B4_PASS === "lateness" ? "lateness" : "both";
/** After all clients are connected, before measuring (first replies, JIT, VAD queue). */
const WARMUP_MS = 3000;
const MEASURE_MS = 8000;
/** Stop stepping once the bench has run this long (keeps it under ~3 min). */
const BUDGET_MS = 150_000;
const FIXTURE = "synthetic/48k/two_turns.wav";
/** The handler's outputSampleRate (24 kHz is the default); `B4_OUTPUT_RATE=48000` to compare. */
const OUTPUT_RATE = Number(process.env.B4_OUTPUT_RATE ?? 24_000);
/** The Stream's `opusComplexity` (`B4_OPUS_COMPLEXITY=5`); default libopus's own (9). */
const OPUS_COMPLEXITY =
  process.env.B4_OPUS_COMPLEXITY === undefined ? null : Number(process.env.B4_OPUS_COMPLEXITY);
/**
 * The Stream's `opusApplication` and `opusBitrate` (`B4_OPUS_APPLICATION=restricted_lowdelay
 * B4_OPUS_BITRATE=32000`); default `"voip"` at libopus's automatic bitrate.
 */
const OPUS_APPLICATION = (process.env.B4_OPUS_APPLICATION ?? null) as OpusApplication | null;
const OPUS_BITRATE =
  process.env.B4_OPUS_BITRATE === undefined ? null : Number(process.env.B4_OPUS_BITRATE);
/**
 * The Stream's `webrtcMediaThreads` (`B4_MEDIA_THREADS=1`): peers on worker threads, reply frames
 * released 60 ms ahead and paced there. Default 0 (peers on the main thread).
 */
const MEDIA_THREADS = Number(process.env.B4_MEDIA_THREADS ?? 0);
/** How far ahead of play time the session releases frames (the media threads' send-ahead). */
const RELEASE_AHEAD_MS = MEDIA_THREADS > 0 ? MEDIA_THREAD_SEND_AHEAD_MS : 0;
/**
 * Experiment (`B4_PIN_NEW_THREADS=1`): threads the server starts after its warm-up (the media
 * threads) are moved to this CPU, i.e. off the server's core, to see what a spare core buys.
 */
const PIN_NEW_THREADS = process.env.B4_PIN_NEW_THREADS ?? null;
const SERVER_CPU = "0";
const CLIENT_CPU = "1";

async function* echo(audio: AudioChunk) {
  yield audio;
}

interface ConnState {
  t0: number;
  k: number;
  /** When the previous frame's packets were handed to werift (ms). */
  lastSentAt: number;
  /** pause_detected time not yet followed by a reply's first frame. */
  pauseAt: number | null;
}

interface StepResult {
  n: number;
  connected: number;
  /** The server's CPU, its threads, the machine, the VAD and the probes over the window. */
  usage: WindowUsage;
  lateness: number[];
  /** Gaps between consecutive frames of a reply handed to werift (ms): the server's own jitter. */
  sendGaps: number[];
  replyStart: number[];
  pauses: number;
  discontinuities: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  client: LoadStats | null;
  serverPacketsReceived: number;
  /** {@link speedProbe} before and after the step, the faster (ms; higher = slower core). */
  speed: number;
  /** The server's resident set and V8 heap at the end of the measured window (MiB). */
  rssMiB: number;
  heapMiB: number;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * Packets the clients sent that no session of the server counted (%): sessions the server ended
 * (or never served) show up here. `null` without client stats.
 */
function inLossPct(r: StepResult): number | null {
  const c = r.client;
  return c ? (1 - r.serverPacketsReceived / Math.max(1, c.packetsSent)) * 100 : null;
}

/** Most packets a passing step may lose on the way in (%). */
const PASS_IN_LOSS_PCT = 1;

/**
 * Issue 15's criteria (or the lateness alone, see {@link PASS_RULE}), every client connected and
 * served (the server received its packets).
 */
function stepPasses(r: StepResult, p99: number | null): boolean {
  const gap = r.client?.gapP99 ?? null;
  const served = (inLossPct(r) ?? 0) <= PASS_IN_LOSS_PCT;
  const lateOk = r.connected === r.n && served && p99 !== null && p99 <= PASS_P99_MS;
  if (PASS_RULE === "lateness") return lateOk;
  return lateOk && (gap === null || gap <= PASS_GAP_P99_MS);
}

export async function run(): Promise<BenchReport> {
  const began = performance.now();
  const multiCore = cpus().length >= 2;
  const originalAffinity = currentAffinity(process.pid);
  const pinnedServer = multiCore && originalAffinity !== null && pin(process.pid, SERVER_CPU);

  const model = getSileroModel();
  await model.warmup();
  const baseThreads = new Set(readdirSync("/proc/self/task"));

  // --- server-side measurement ----------------------------------------------------------------
  const conns = new Map<WebRtcConnection | ThreadedPeer, ConnState>();
  let measuring = false;
  let lateness: number[] = [];
  let sendGaps: number[] = [];
  let replyStart: number[] = [];
  let pauses = 0;
  let discontinuities = 0;
  const state = (conn: WebRtcConnection | ThreadedPeer): ConnState => {
    let s = conns.get(conn);
    if (!s) {
      s = { t0: 0, k: -1, lastSentAt: 0, pauseAt: null };
      conns.set(conn, s);
    }
    return s;
  };
  const uninstall = installConnectionProbe({
    onMessage(conn, text, at) {
      if (!isLog(text, "pause_detected")) return;
      state(conn).pauseAt = at;
      if (measuring) pauses++;
    },
    onFrame(conn, f) {
      const s = state(conn);
      if (f.discontinuity || s.k < 0) {
        s.t0 = f.releasedAt;
        s.k = 0;
        if (measuring) discontinuities++;
      } else {
        s.k++;
        // With media threads the first frames of a reply go at once, the rest 60 ms early.
        const due = s.t0 + Math.max(0, s.k * 20 - RELEASE_AHEAD_MS);
        if (measuring) {
          lateness.push(f.releasedAt - due);
          if (f.packets > 0) sendGaps.push(f.sentAt - s.lastSentAt);
        }
      }
      if (f.packets > 0) s.lastSentAt = f.sentAt;
      if (s.pauseAt !== null) {
        if (measuring) replyStart.push(f.releasedAt - s.pauseAt);
        s.pauseAt = null;
      }
    },
  });

  const stream = new Stream({
    handler: new ReplyOnPause(echo, { outputSampleRate: OUTPUT_RATE }),
    modality: "audio",
    concurrencyLimit: null,
    connectTimeout: 60,
    opusComplexity: OPUS_COMPLEXITY,
    opusApplication: OPUS_APPLICATION,
    opusBitrate: OPUS_BITRATE,
    webrtcMediaThreads: MEDIA_THREADS,
  });
  const server = await stream.launch({ port: 0 });
  const child = forkLoadChild<ToChild, FromChild>(new URL("./b4-load.ts", import.meta.url));
  const pinnedClient =
    pinnedServer && child.proc.pid !== undefined && pin(child.proc.pid, CLIENT_CPU);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const results: StepResult[] = [];

  const step = async (n: number): Promise<StepResult> => {
    const speedBefore = speedProbe();
    memoryProbe(); // allocates and touches its 64 MB here, not in the measured window
    const started = await child.request(
      { type: "start", url: server.url, n, fixture: fixturePath(FIXTURE) },
      "started",
      60_000,
    );
    if (PIN_NEW_THREADS !== null) {
      for (const tid of readdirSync("/proc/self/task")) {
        if (!baseThreads.has(tid))
          execFileSync("taskset", ["-p", "-c", PIN_NEW_THREADS, tid], { stdio: "ignore" });
      }
    }
    await sleep(WARMUP_MS);
    // --- measured window ---
    lateness = [];
    sendGaps = [];
    replyStart = [];
    pauses = 0;
    discontinuities = 0;
    const endWindow = startWindow();
    loop.reset();
    loop.enable();
    measuring = true;
    child.send({ type: "mark" });
    await sleep(MEASURE_MS);
    const usage = endWindow();
    const memory = process.memoryUsage();
    measuring = false;
    loop.disable();
    const { cpuPct, machine } = usage;
    const live = [...conns.keys()];
    const stopped = await child.request({ type: "stop" }, "stopped", 60_000);
    const { type: _t, ...clientStats } = stopped;
    // server-side receive counters, read once the clients have stopped sending
    const serverPacketsReceived = live.reduce((sum, c) => sum + c.packetsReceived, 0);
    const until = performance.now() + 10_000;
    while (stream.liveConnections > 0 && performance.now() < until) await sleep(20);
    for (const id of stream.handlers.keys()) await stream.closeConnection(id);
    // The faster of the two probes: one may have shared the core with start-up or teardown.
    const speed = Math.min(speedBefore, speedProbe());
    conns.clear();
    const r: StepResult = {
      n,
      connected: started.connected,
      usage,
      lateness,
      sendGaps,
      replyStart,
      pauses,
      discontinuities,
      loopP50: loop.percentile(50) / 1e6,
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
      speed,
      rssMiB: memory.rss / 2 ** 20,
      heapMiB: memory.heapUsed / 2 ** 20,
      client: clientStats,
      serverPacketsReceived,
    };
    const p99 = percentile(lateness, 99) ?? 0;
    console.error(
      `B4: N=${n} p99 lateness ${p99.toFixed(2)} ms, server CPU ${cpuPct.toFixed(0)}%, client CPU ${clientStats.cpuPct.toFixed(0)}%${machine ? `, machine ${machine.busyPct.toFixed(0)}% of ${cpus().length * 100}%` : ""}`,
    );
    return r;
  };
  const passes = (r: StepResult) => stepPasses(r, percentile(r.lateness, 99));

  try {
    results.push(
      ...(await searchCapacity({
        steps: STEPS,
        step,
        passes,
        deadline: began + BUDGET_MS,
        closeEnough: () => 2,
      })),
    );
  } finally {
    await child.close();
    await server.close();
    uninstall();
    await model.close();
    if (pinnedServer && originalAffinity) pin(process.pid, originalAffinity);
  }

  results.sort((a, b) => a.n - b.n);
  const rows = results.map((r) => {
    const p99 = percentile(r.lateness, 99);
    const c = r.client;
    return {
      N: r.n,
      connected: r.connected,
      frames: r.lateness.length,
      "late p50 ms": round(percentile(r.lateness, 50)),
      "late p99 ms": round(p99),
      "late max ms": r.lateness.length ? round(Math.max(...r.lateness)) : null,
      "loop p50 ms": round(r.loopP50),
      "loop p99 ms": round(r.loopP99),
      "loop max ms": round(r.loopMax),
      ...usageColumns(r.usage, "busiest other thread %"),
      "speed probe ms": round(r.speed, 2),
      "probe in step ms": round(r.usage.speedDuring.speedMs, 2),
      "memory probe in step ms": round(r.usage.speedDuring.memoryMs, 2),
      "RSS MiB": round(r.rssMiB, 1),
      "heap MiB": round(r.heapMiB, 1),
      "reply start p50 ms": round(percentile(r.replyStart, 50)),
      "reply start p99 ms": round(percentile(r.replyStart, 99)),
      "pauses/s": round(r.pauses / (MEASURE_MS / 1000), 2),
      "client CPU %": c ? round(c.cpuPct, 1) : null,
      "client tick p99 ms": c ? round(c.tickLateP99) : null,
      "in loss %": round(inLossPct(r), 2),
      "out lost pkts": c ? c.packetsLost : null,
      "re-anchors": r.discontinuities,
      "other CPU %":
        r.usage.machine && c
          ? round(Math.max(0, r.usage.machine.busyPct - r.usage.cpuPct - c.cpuPct), 1)
          : null,
      "steal %": r.usage.machine ? round(r.usage.machine.stealPct, 1) : null,
      "client loop p99 ms": c ? round(c.loopP99) : null,
      "send gap p99 ms": round(percentile(r.sendGaps, 99)),
      "client gap p50 ms": c ? round(c.gapP50) : null,
      "client gap p99 ms": c ? round(c.gapP99) : null,
      "client gap max ms": c ? round(c.gapMax) : null,
      pass: stepPasses(r, p99) ? "yes" : "no",
    };
  });
  const firstFail = rows.find((r) => r.pass === "no");
  const capacity = Math.max(
    0,
    ...rows.filter((r) => r.pass === "yes" && (!firstFail || r.N < firstFail.N)).map((r) => r.N),
  );
  const busySteps = rows.filter((r) => (r["other CPU %"] ?? 0) > 15).map((r) => r.N);
  const clientLimited = results.filter((r) => (r.client?.cpuPct ?? 0) > 85).map((r) => r.n);
  return {
    id: `${OUTPUT_RATE === 24_000 ? "B4" : `B4-out${OUTPUT_RATE / 1000}k`}${OPUS_COMPLEXITY === null ? "" : `-opus${OPUS_COMPLEXITY}`}${OPUS_APPLICATION === null ? "" : `-${OPUS_APPLICATION}`}${OPUS_BITRATE === null ? "" : `-${OPUS_BITRATE / 1000}kbps`}${PASS_RULE === "lateness" ? "-lateness" : ""}${MEDIA_THREADS > 0 ? `-threads${MEDIA_THREADS}` : ""}`,
    title: `capacity: real-time sessions on one server core (Opus in, Silero VAD, echo out); largest passing N = ${capacity}${firstFail ? "" : " (no step failed: limit not reached)"}`,
    columns: [
      "N",
      "connected",
      "frames",
      "late p50 ms",
      "late p99 ms",
      "late max ms",
      "loop p50 ms",
      "loop p99 ms",
      "loop max ms",
      "server CPU %",
      "main thread %",
      "busiest other thread %",
      "other threads %",
      "VAD frames/run",
      "VAD model µs/frame",
      "speed probe ms",
      "probe in step ms",
      "memory probe in step ms",
      "RSS MiB",
      "heap MiB",
      "reply start p50 ms",
      "reply start p99 ms",
      "pauses/s",
      "client CPU %",
      "client tick p99 ms",
      "client loop p99 ms",
      "send gap p99 ms",
      "client gap p50 ms",
      "client gap p99 ms",
      "client gap max ms",
      "in loss %",
      "out lost pkts",
      "re-anchors",
      "other CPU %",
      "steal %",
      "pass",
    ],
    rows,
    notes: [
      PASS_RULE === "lateness"
        ? `pass (B4_PASS=lateness) = p99 output-frame lateness <= ${PASS_P99_MS} ms (server) with every client connected and at most ${PASS_IN_LOSS_PCT} % of the clients' packets lost on the way in (the client gap is reported, not judged); largest passing N: ${capacity}`
        : `pass = p99 output-frame lateness <= ${PASS_P99_MS} ms (server) and p99 gap between consecutive reply packets <= ${PASS_GAP_P99_MS} ms (at the clients: werift's arrival times, gaps under 200 ms, i.e. inside a reply) with every client connected and at most ${PASS_IN_LOSS_PCT} % of the clients' packets lost on the way in; largest passing N: ${capacity}`,
      MEDIA_THREADS > 0
        ? `webrtcMediaThreads: ${MEDIA_THREADS}: peers (werift, Opus, pacing) on worker threads of the server process; lateness is the session's release of each frame to its thread against the release schedule (frames go ${RELEASE_AHEAD_MS} ms before play time, the first ones of a reply at once), the wire is judged by the client gap`
        : "webrtcMediaThreads: 0 (peers on the main thread; B4_MEDIA_THREADS=1 to compare)",
      pinnedServer
        ? `server (this process, all threads incl. the VAD worker) pinned to CPU ${SERVER_CPU}; load generator ${pinnedClient ? `pinned to CPU ${CLIENT_CPU}` : "NOT pinned"} (one child process, werift clients)`
        : "NOT pinned (taskset unavailable or a single CPU): server and clients share the machine's cores",
      `server's Opus encoder: complexity ${OPUS_COMPLEXITY ?? "9 (libopus's default)"}, application ${OPUS_APPLICATION ?? "voip (the default)"}, bitrate ${OPUS_BITRATE === null ? "libopus's automatic" : `${OPUS_BITRATE} b/s`} (B4_OPUS_COMPLEXITY, B4_OPUS_APPLICATION, B4_OPUS_BITRATE to compare, e.g. restricted_lowdelay at 32000)`,
      `handler: ReplyOnPause(echo) with outputSampleRate ${OUTPUT_RATE}; the echo sends back its 48 kHz input, a rate Opus takes, so replies are framed and encoded at 48 kHz without resampling (a handler that emits 24 kHz, as most TTS, is encoded at 24 kHz)`,
      `each step: connect N clients, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; each client loops ${FIXTURE} (2 turns / 6.9 s) in real time, offsets spread over the loop`,
      "lateness: server-side, frame release time − (first frame of the reply + k·20 ms), via a probe on WebRtcConnection.prototype.sendAudio; reply start = pause_detected → first frame released",
      "RSS MiB / heap MiB = the server process's resident set and V8 heap in use at the end of the measured window (not after a GC: what the sessions cost with the GC's own headroom; B5 measures memory after forced GCs)",
      "server CPU % = process CPU time (all threads) / wall time, so 100 % = the one pinned core; client CPU % likewise for the load-generator process",
      `send gap p99 ms = the server's p99 gap between consecutive frames of a reply whose packets it handed to werift (${MEDIA_THREADS > 0 ? "with media threads: the hand-over to the thread, not the wire" : "the wire, less werift's SRTP and the socket"}): the server's share of the client gap`,
      "in loss % = 1 − RTP packets received by the server / sent by the clients (whole step); out lost pkts = server→client packets the clients' jitter buffers declared lost",
      "re-anchors = frames the session marked as discontinuities in the window (one per reply start or interruption; more than pauses means pacing gaps > 200 ms, which the lateness metric cannot see)",
      "main thread % / busiest other thread % / other threads % = the server process's CPU split by thread (/proc/self/task); the busiest other thread is the VAD worker, or a media thread with B4_MEDIA_THREADS; the rest is V8's GC and compiler helpers, libuv and further workers",
      "VAD frames/run = frames the shared frame VAD evaluated per model run (its batch size) in the window; VAD model µs/frame = the worker's time in the model per frame (no messaging)",
      `server node flags: ${serverNodeFlags()} (\`npm run bench:one-core\` runs it with ${ONE_CORE_FLAGS}; \`node <flags> --import tsx bench/run.ts\` with others)`,
      "probe in step ms = the same work, an eighth of it every 500 ms on the main thread during the measured window, scaled: the fastest sample (the core's speed while the sessions ran)",
      "memory probe in step ms = one read per 64-byte line of a 64 MB array, every 2 s during the window, the fastest (about 3 ms uncontended): other tenants' memory traffic, which the compute probe cannot see",
      "speed probe ms = a fixed piece of work timed on the server's core before and after the step with no session connected (the faster; each best of 3; about 3.5 ms when the host runs the VM at full speed): a step with a higher figure ran on a slower core, not slower code",
      "other CPU % = whole machine (/proc/stat, 100 % = one core) minus server and client: other processes competing for the 2 cores; steal % = hypervisor steal",
      `steps: ${STEPS.join(", ")} until the first failure, then bisection between the last pass and the first failure (budget ${BUDGET_MS / 1000} s)`,
      busySteps.length > 0
        ? `WARNING: other processes used > 15 % of a core at N = ${busySteps.join(", ")}: the machine was not quiet, lateness there is not the server's alone`
        : "the machine was quiet (other processes < 15 % of a core at every step)",
      clientLimited.length > 0
        ? `client CPU above 85 % at N = ${clientLimited.join(", ")}: the load generator may be the limit there`
        : "client CPU stayed below 85 % at every step",
    ],
  };
}
