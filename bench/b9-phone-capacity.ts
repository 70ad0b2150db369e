import { cpus } from "node:os";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { getCurrentContext } from "../src/handlers/context.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { Stream } from "../src/server/Stream.js";
import type { TurnEvent } from "../src/server/streamEvents.js";
import { getSileroModel } from "../src/vad/silero.js";
import type { FromChild, LoadStats, ToChild } from "./b9-load.js";
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
import { forkLoadChild, type LoadChildHandle } from "./loadChild.js";
import { type BenchReport, percentile } from "./report.js";
import { round } from "./rtc-probe.js";

const STEPS = process.env.B9_STEPS
  ? process.env.B9_STEPS.split(",").map(Number)
  : [1, 4, 8, 16, 24, 32, 40, 48, 64, 80, 96, 128, 160];
const PASS_P99_MS = 20;
/** `lateness` (default: p99 ≤ 20 ms, as B4) or `heard` (no underrun, p99 below the send-ahead). */
const PASS_RULE = process.env.B9_PASS === "heard" ? "heard" : "lateness";
/**
 * After all calls are connected, before measuring: one loop of the audio, so every call has had
 * its first turn (with 4 s the window saw ~25 % fewer output frames than in steady state).
 */
const WARMUP_MS = Number(process.env.B9_WARMUP_MS ?? 8000);
const MEASURE_MS = 8000;
/** Stop stepping once the bench has run this long (keeps it under ~4 min). */
const BUDGET_MS = 190_000;
const FIXTURE = "leopard__test__8k_mulaw.wav";
const SILENCE_MS = Number(process.env.B9_SILENCE_MS ?? 2000);
/** The handler's inputSampleRate (48 kHz is the default); `B9_INPUT_RATE=16000` to compare. */
const INPUT_RATE = Number(process.env.B9_INPUT_RATE ?? 48_000);
/** The Stream's send-ahead on WebSocket/telephone connections (WEBSOCKET_SEND_AHEAD_MS). */
const AHEAD_MS = 100;
/** Session.reanchorAfterMs default: a longer gap between frames starts a new run. */
const REANCHOR_MS = 200;
const MEDIA_PREFIX = '{"event":"media"';
const CLEAR_PREFIX = '{"event":"clear"';
const SERVER_CPU = "0";
const CLIENT_CPU = "1";

interface CallState {
  /** Send time of the reply's first media message; k = messages since, -1 before any. */
  t0: number;
  k: number;
  last: number;
  /** Messages of the current reply sent within 5 ms of its first (the send-ahead burst). */
  burst: number;
}

interface StepResult {
  n: number;
  connected: number;
  /** The server's CPU, its threads, the machine, the VAD and the probes over the window. */
  usage: WindowUsage;
  lateness: number[];
  replyStart: number[];
  bursts: number[];
  pauses: number;
  reanchors: number;
  clears: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  /** Main-thread GC pauses in the window (ms each). */
  gc: number[];
  /** Frames more than 20 ms late; % of them, and % of all frames, with a GC pause in their slot. */
  lateTotal: number;
  lateInGcPct: number | null;
  allInGcPct: number | null;
  client: LoadStats;
  /** {@link speedProbe} before and after the step, the faster (ms; higher = slower core). */
  speed: number;
}

/** The B9 load generator process (`b9-load.ts`; also B11's load). */
export function startLoadChild(): LoadChildHandle<ToChild, FromChild> {
  return forkLoadChild<ToChild, FromChild>(new URL("./b9-load.ts", import.meta.url));
}

// ------------------------------------------------------------------------------------------------

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Whether a step passes under {@link PASS_RULE}. */
function stepPasses(allConnected: boolean, p99: number | null, r: StepResult): boolean {
  if (!allConnected || p99 === null) return false;
  if (PASS_RULE === "heard") return r.client.underruns === 0 && p99 < AHEAD_MS;
  return p99 <= PASS_P99_MS;
}

export async function run(): Promise<BenchReport> {
  const began = performance.now();
  const multiCore = cpus().length >= 2;
  const originalAffinity = currentAffinity(process.pid);
  const pinnedServer = multiCore && originalAffinity !== null && pin(process.pid, SERVER_CPU);

  const model = getSileroModel();
  await model.warmup();

  // --- server-side measurement ----------------------------------------------------------------
  let measuring = false;
  let lateness: number[] = [];
  let replyStart: number[] = [];
  let bursts: number[] = [];
  let pauses = 0;
  let reanchors = 0;
  let clears = 0;
  let gc: Array<{ start: number; end: number }> = [];
  /** Due time of each lateness sample (same order). */
  let dues: number[] = [];
  // Entries arrive asynchronously: collect all, keep the window's (gc is reset when it starts).
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gc.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  const onMedia = (s: CallState, at: number) => {
    if (s.k < 0 || at - s.last > REANCHOR_MS) {
      s.t0 = at;
      s.k = 0;
      s.burst = 1;
      if (measuring) reanchors++;
    } else {
      s.k++;
      if (s.burst === s.k) {
        if (at - s.t0 < 5) s.burst++;
        else if (measuring) bursts.push(s.burst);
      }
      const due = s.t0 + Math.max(0, s.k * 20 - AHEAD_MS);
      if (measuring) {
        lateness.push(at - due);
        dues.push(due);
      }
    }
    s.last = at;
  };
  /** Times every text message the server sends on this telephone socket (once per socket). */
  const observed = new WeakSet<object>();
  const observe = (socket: unknown) => {
    if (typeof socket !== "object" || socket === null || observed.has(socket)) return;
    observed.add(socket);
    const ws = socket as { send(...args: unknown[]): void };
    const original = ws.send.bind(ws);
    const s: CallState = { t0: 0, k: -1, last: 0, burst: 0 };
    ws.send = (...args: unknown[]) => {
      const data = args[0];
      if (typeof data === "string") {
        if (data.startsWith(MEDIA_PREFIX)) onMedia(s, performance.now());
        else if (data.startsWith(CLEAR_PREFIX)) {
          s.k = -1;
          if (measuring) clears++;
        }
      }
      original(...args);
    };
  };
  async function* echo(audio: AudioChunk) {
    observe(getCurrentContext().websocket);
    yield audio;
  }
  const onTurn = (e: TurnEvent) => {
    if (!measuring) return;
    if (e.type === "turn_detected") pauses++;
    const d = e.latencies.turnDetectedToFirstAudioMs;
    if (e.type === "first_audio_sent" && d !== undefined) replyStart.push(d);
  };

  const stream = new Stream({
    handler: new ReplyOnPause(echo, { inputSampleRate: INPUT_RATE }),
    modality: "audio",
    concurrencyLimit: null,
    telephone: { authToken: null },
  });
  stream.on("turn", onTurn);
  const server = await stream.launch({ port: 0 });
  const url = `${server.url.replace(/^http/, "ws")}/telephone/handler`;
  const child = startLoadChild();
  const pinnedClient =
    pinnedServer && child.proc.pid !== undefined && pin(child.proc.pid, CLIENT_CPU);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const results: StepResult[] = [];

  const step = async (n: number): Promise<StepResult> => {
    const speedBefore = speedProbe();
    memoryProbe(); // allocates and touches its 64 MB here, not in the measured window
    await child.request(
      { type: "start", url, n, fixture: fixturePath(FIXTURE), silenceMs: SILENCE_MS },
      "started",
      60_000,
    );
    const until = performance.now() + 5000;
    while (stream.liveConnections < n && performance.now() < until) await sleep(20);
    const connected = stream.liveConnections;
    await sleep(WARMUP_MS);
    // --- measured window ---
    lateness = [];
    replyStart = [];
    bursts = [];
    pauses = 0;
    reanchors = 0;
    clears = 0;
    gc = [];
    dues = [];
    const t0 = performance.now();
    const endWindow = startWindow();
    loop.reset();
    loop.enable();
    measuring = true;
    child.send({ type: "mark" });
    await sleep(MEASURE_MS);
    const usage = endWindow();
    measuring = false;
    loop.disable();
    const { wall, cpuPct } = usage;
    // A frame's slot is its due time + 20 ms; a GC pause running in it may have held it up. The
    // share of all frames whose slot saw a GC is the baseline the late frames compare against.
    const inGc = (due: number) => gc.some((g) => g.start < due + PASS_P99_MS && g.end > due);
    const late = dues.filter((_, i) => (lateness[i] ?? 0) > PASS_P99_MS);
    const pct = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : null);
    const { type: _t, ...client } = await child.request({ type: "stop" }, "stopped", 60_000);
    const drained = performance.now() + 10_000;
    while (stream.liveConnections > 0 && performance.now() < drained) await sleep(20);
    for (const id of stream.handlers.keys()) await stream.closeConnection(id);
    // The faster of the two probes: one may have shared the core with start-up or teardown.
    const speed = Math.min(speedBefore, speedProbe());
    const r: StepResult = {
      n,
      connected,
      usage,
      lateness,
      replyStart,
      bursts,
      pauses,
      reanchors,
      clears,
      loopP50: loop.percentile(50) / 1e6,
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
      gc: gc.filter((g) => g.start < t0 + wall).map((g) => g.end - g.start),
      lateTotal: late.length,
      lateInGcPct: pct(late.filter(inGc).length, late.length),
      allInGcPct: pct(dues.filter(inGc).length, dues.length),
      speed,
      client,
    };
    const p99 = percentile(lateness, 99) ?? 0;
    console.error(
      `B9: N=${n} p99 lateness ${p99.toFixed(2)} ms, server CPU ${cpuPct.toFixed(0)}%, loop p99 ${r.loopP99.toFixed(1)} ms, client CPU ${client.cpuPct.toFixed(0)}%${usage.machine ? `, machine ${usage.machine.busyPct.toFixed(0)}% of ${cpus().length * 100}%` : ""}`,
    );
    return r;
  };
  const passes = (r: StepResult) => stepPasses(r.connected === r.n, percentile(r.lateness, 99), r);

  try {
    results.push(
      ...(await searchCapacity({
        steps: STEPS,
        step,
        passes,
        deadline: began + BUDGET_MS,
        closeEnough: (lastPass) => Math.max(2, lastPass / 8),
      })),
    );
  } finally {
    await child.close();
    await server.close();
    stream.off("turn", onTurn);
    gcObserver.disconnect();
    await model.close();
    if (pinnedServer && originalAffinity) pin(process.pid, originalAffinity);
  }

  results.sort((a, b) => a.n - b.n);
  const rows = results.map((r) => {
    const p99 = percentile(r.lateness, 99);
    const c = r.client;
    const seconds = MEASURE_MS / 1000;
    return {
      N: r.n,
      connected: r.connected,
      frames: r.lateness.length + r.reanchors,
      "frames/call/s": round((r.lateness.length + r.reanchors) / r.n / seconds, 1),
      "late p50 ms": round(percentile(r.lateness, 50)),
      "late p99 ms": round(p99),
      "late max ms": r.lateness.length ? round(Math.max(...r.lateness)) : null,
      "loop p50 ms": round(r.loopP50),
      "loop p99 ms": round(r.loopP99),
      "loop max ms": round(r.loopMax),
      ...usageColumns(r.usage, "VAD worker %"),
      "speed probe ms": round(r.speed, 2),
      "probe in step ms": round(r.usage.speedDuring.speedMs, 2),
      "memory probe in step ms": round(r.usage.speedDuring.memoryMs, 2),
      "GC max ms": r.gc.length ? round(Math.max(...r.gc)) : null,
      "GC ms/s": round(r.gc.reduce((a, b) => a + b, 0) / seconds, 1),
      "late>20 frames": r.lateTotal,
      "late in GC %": round(r.lateInGcPct, 0),
      "all in GC %": round(r.allInGcPct, 0),
      "reply start p50 ms": round(percentile(r.replyStart, 50)),
      "reply start p99 ms": round(percentile(r.replyStart, 99)),
      "pauses/s": round(r.pauses / seconds, 2),
      "re-anchors": r.reanchors,
      clears: r.clears,
      "client CPU %": round(c.cpuPct, 1),
      "client tick p99 ms": round(c.tickLateP99),
      "in msgs/s": round(c.mediaSent / seconds, 0),
      "out msgs/s": round(c.mediaReceived / seconds, 0),
      "caller underruns": c.underruns,
      "underrun ms": round(c.underrunMs, 0),
      "other CPU %": r.usage.machine
        ? round(Math.max(0, r.usage.machine.busyPct - r.usage.cpuPct - c.cpuPct), 1)
        : null,
      "steal %": r.usage.machine ? round(r.usage.machine.stealPct, 1) : null,
      pass: stepPasses(r.connected === r.n, p99, r) ? "yes" : "no",
    };
  });
  const firstFail = rows.find((r) => r.pass === "no");
  const capacity = Math.max(
    0,
    ...rows.filter((r) => r.pass === "yes" && (!firstFail || r.N < firstFail.N)).map((r) => r.N),
  );
  const busySteps = rows.filter((r) => (r["other CPU %"] ?? 0) > 15).map((r) => r.N);
  const clientLimited = results.filter((r) => r.client.cpuPct > 85).map((r) => r.n);
  const allBursts = results.flatMap((r) => r.bursts);
  const protocolErrors = results.reduce((s, r) => s + r.client.protocolErrors, 0);
  const closedEarly = results.reduce((s, r) => s + r.client.closedEarly, 0);
  return {
    id: `${INPUT_RATE === 48_000 ? "B9" : `B9-in${INPUT_RATE / 1000}k`}${PASS_RULE === "heard" ? "-heard" : ""}`,
    title: `telephone capacity: Twilio calls on one server core (µ-law 8 kHz in, Silero VAD, echo out as 8 kHz µ-law JSON); largest passing N = ${capacity}${firstFail ? "" : " (no step failed: limit not reached)"}`,
    columns: Object.keys(rows[0] ?? { N: 0 }),
    rows,
    notes: [
      PASS_RULE === "heard"
        ? `pass (B9_PASS=heard) = every call connected, no caller underrun and p99 output-frame lateness < ${AHEAD_MS} ms (the send-ahead: every frame reached Twilio before its buffer needed it); largest passing N: ${capacity}`
        : `pass = p99 output-frame lateness <= ${PASS_P99_MS} ms with every call connected (as B4); largest passing N: ${capacity}`,
      pinnedServer
        ? `server (this process, all threads incl. the VAD worker) pinned to CPU ${SERVER_CPU}; load generator ${pinnedClient ? `pinned to CPU ${CLIENT_CPU}` : "NOT pinned"} (one child process, TwilioCallSimulator calls)`
        : "NOT pinned (taskset unavailable or a single CPU): server and calls share the machine's cores",
      `per call: 8 kHz µ-law in → ReplyOnPause takes the 8 kHz frames as they are (receiveRateFor) → Silero VAD (8 → 16 kHz, the model in its worker); each turn resampled once to ${INPUT_RATE / 1000} kHz (ReplyOnPause's inputSampleRate${INPUT_RATE === 48_000 ? ", the default; B9_INPUT_RATE=16000 runs the comparison" : ""}) for the reply function; reply = echo of the turn → 8 kHz in one step (the session frames phone output at the wire rate) → µ-law, one \`media\` JSON message per 20 ms frame, a \`mark\` every 5th; each 20 ms message reaches receive() as one frame`,
      `each step: connect N calls, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; each call loops ${FIXTURE} + ${SILENCE_MS / 1000} s of silence in real time (one turn per loop), offsets spread over the loop and the 20 ms tick`,
      `lateness: server-side, send time of media message k of a reply − (its first message + max(0, k·20 − ${AHEAD_MS}) ms), timed by wrapping each server socket's send (reached via getCurrentContext().websocket in the reply function); a reply = messages without a gap > ${REANCHOR_MS} ms`,
      `send-ahead check: a reply's first ${allBursts.length ? `${percentile(allBursts, 50)} (median over ${allBursts.length} replies)` : "? (no complete reply seen)"} messages went out within 5 ms of each other (${AHEAD_MS / 20 + 1} expected with ${AHEAD_MS} ms ahead); the lateness formula assumes ${AHEAD_MS} ms`,
      "reply start = turn_detected → first reply frame released (stream.on('turn') latencies); frames/call/s = output frames per call per second in the window (50 = talking all the time)",
      "GC = main-thread garbage collection pauses (PerformanceObserver 'gc') in the window; late>20 frames = frames released more than 20 ms late; late in GC % = share of them with a GC pause running between their due time and 20 ms later, all in GC % = the same share over all frames (what chance alone gives)",
      "server CPU % = process CPU time (all threads) / wall time, so 100 % = the one pinned core; client CPU % likewise for the load generator",
      "caller underruns = times a call's playback buffer (Twilio's, replayed from the media arrival times in the client) ran dry inside a reply; the 100 ms send-ahead hides lateness below ~100 ms from the caller",
      "re-anchors = replies started (plus pacing gaps > 200 ms, which the lateness metric cannot see); clears = `clear` messages sent: real interruptions only (a new turn while a reply is still playing, e.g. when the VAD splits a sentence)",
      "main thread % / VAD worker % / other threads % = the server process's CPU split by thread (/proc/self/task): the main thread, the busiest other thread (the VAD worker running the model) and the rest (V8's GC and compiler helpers, libuv)",
      "VAD frames/run = frames the shared frame VAD evaluated per model run (its batch size) in the window; VAD model µs/frame = the worker's time in the model per frame (no messaging)",
      `server node flags: ${serverNodeFlags()} (\`npm run bench:one-core\` runs it with ${ONE_CORE_FLAGS}; \`node <flags> --import tsx bench/run.ts\` with others)`,
      "probe in step ms = the same work, an eighth of it every 500 ms on the main thread during the measured window, scaled: the fastest sample (the core's speed while the calls ran)",
      "memory probe in step ms = one read per 64-byte line of a 64 MB array, every 2 s during the window, the fastest (about 3 ms uncontended): other tenants' memory traffic, which the compute probe cannot see",
      "speed probe ms = a fixed piece of work timed on the server's core before and after the step with no session connected (the faster; each best of 3; about 3.5 ms when the host runs the VM at full speed): a step with a higher figure ran on a slower core, not slower code",
      "other CPU % = whole machine (/proc/stat, 100 % = one core) minus server and client; steal % = hypervisor steal",
      `steps: ${STEPS.join(", ")} until the first failure, then bisection (budget ${BUDGET_MS / 1000} s)`,
      `protocol errors seen by the simulators: ${protocolErrors}; calls closed by the server before hang-up: ${closedEarly}`,
      busySteps.length > 0
        ? `WARNING: other processes used > 15 % of a core at N = ${busySteps.join(", ")}: the machine was not quiet, lateness there is not the server's alone`
        : "the machine was quiet (other processes < 15 % of a core at every step)",
      clientLimited.length > 0
        ? `client CPU above 85 % at N = ${clientLimited.join(", ")}: the load generator may be the limit there`
        : "client CPU stayed below 85 % at every step",
    ],
  };
}
