/**
 * Profile of a capacity step (issue 15): runs B4 (WebRTC) or B9 (Twilio) at a fixed session
 * count and profiles the server's main thread during each measured window only (from the
 * bench's `mark` to its `stop` message to the load child), through the in-process inspector
 * (`node --cpu-prof` would profile the whole run, warm-up and every step included).
 *
 * - CPU: V8 sampling profiler (500 µs); every sample is attributed to a stage by walking its
 *   stack from the leaf up to the first frame that belongs to a known stage (werift SRTP, RTP,
 *   Opus, resampling, VAD, ...); node internals (events, buffers, timers, promises) only count
 *   as their own stage when nothing more specific is on the stack.
 * - Allocations: V8 sampling heap profiler with collected objects kept (so it measures the
 *   allocation rate, not what stays live), attributed to stages the same way. With
 *   `PROFILE_HEAP=promoted` the objects that died in the young generation are left out, so the
 *   allocation shown is what outlived it (promoted to old space: what the mark-compacts collect).
 * - GC: every main-thread GC pause in the window (PerformanceObserver `gc`).
 * - Process CPU (all threads) from `process.cpuUsage`; what is not on the main thread is the VAD
 *   worker, libuv and V8's helper threads.
 *
 * Usage: `npx tsx bench/profile.ts b4|b9 [n] [windows]` (default n 8 for b4, 16 for b9; windows
 * 3, i.e. the step is run 3 times: 3 × 8 s measured). The benches' step search stops repeating
 * at the first failing step and bisects below it: those windows (other n) are left out of the
 * summary, so on a busy machine there may be only one window. Profiles go to `/tmp/fastrtc-profile/`
 * (`PROFILE_DIR` overrides); open the .cpuprofile files in Chrome DevTools for detail.
 */
import childProcess, { type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  id: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
  samples: Array<{ size: number; nodeId: number }>;
}

const bench = (process.argv[2] ?? "b4").toLowerCase();
if (bench !== "b4" && bench !== "b9") {
  console.error("usage: tsx bench/profile.ts b4|b9 [sessions] [windows]");
  process.exit(2);
}
const n = Number(process.argv[3] ?? (bench === "b4" ? 8 : 16));
const windows = Number(process.argv[4] ?? 3);
const outDir = process.env.PROFILE_DIR ?? "/tmp/fastrtc-profile";
mkdirSync(outDir, { recursive: true });
const steps = Array.from({ length: windows }, () => n).join(",");
if (bench === "b4") process.env.B4_STEPS = steps;
else process.env.B9_STEPS = steps;

// --- stage attribution -------------------------------------------------------------------------

const werift = (f: CallFrame) => f.url.includes("werift");

/** Stages that name where the work is for; checked on each frame from the leaf up. */
const SPECIFIC: Array<[string, (f: CallFrame) => boolean]> = [
  ["GC (V8, main thread)", (f) => f.functionName === "(garbage collector)"],
  // werift ships as one bundle (lib/index.mjs): its stages are told apart by function name.
  [
    "werift SRTP/SRTCP",
    (f) =>
      werift(f) && /crypt|srtp|srtcp|initiv|cipher|aes|ctr|gcm|hmac|auth/i.test(f.functionName),
  ],
  [
    "crypto (cipher calls)",
    (f) =>
      f.url.startsWith("node:internal/crypto") ||
      /^(CipherBase|Cipheriv|Decipheriv|Hmac)$/.test(f.functionName),
  ],
  ["werift DTLS", (f) => werift(f) && /dtls|handshake|record/i.test(f.functionName)],
  ["werift ICE/STUN", (f) => werift(f) && /stun|ice|candidate|binding/i.test(f.functionName)],
  [
    "werift SCTP/data channel",
    (f) => werift(f) && /sctp|chunk|datachannel|association/i.test(f.functionName),
  ],
  [
    "werift RTP/RTCP parse+build",
    (f) =>
      werift(f) &&
      /rtp|rtcp|header|bit|serialize|extension|ntp|codec|payload/i.test(f.functionName),
  ],
  ["werift transceiver/routing", (f) => werift(f)],
  ["jitter buffer", (f) => f.url.includes("transports/webrtc/jitterBuffer")],
  [
    "resampling",
    (f) => f.url.includes("src/audio/resample") || /fastrtc_resample_fir/.test(f.functionName),
  ],
  [
    "Opus (native or wasm, and its wrapper)",
    (f) =>
      f.url.startsWith("wasm://") ||
      (f.url === "" && f.functionName === "decoder") ||
      f.url.includes("@evan/opus") ||
      /transports\/webrtc\/opus(Packetizer|Native)?\.ts/.test(f.url),
  ],
  ["µ-law (g711)", (f) => f.url.includes("src/audio/g711") || f.url.includes("muLawOutput")],
  ["echo guard", (f) => f.url.includes("turns/echoGuard")],
  ["VAD main-thread side (frameVad, transfer)", (f) => f.url.includes("src/vad/")],
  ["turn logic (turns/, turnTracker)", (f) => /src\/turns\/|turnTracker/.test(f.url)],
  ["session (framing, pacing, output)", (f) => f.url.includes("src/session/")],
  ["handler (ReplyOnPause, emit)", (f) => f.url.includes("src/handlers/")],
  ["audio utils (convert, framer, level)", (f) => f.url.includes("src/audio/")],
  ["WebRtcConnection", (f) => f.url.includes("transports/webrtc/")],
  [
    "phone transport (telephone, websocket entry)",
    (f) => /src\/server\/(telephone|websocketEntry)|transports\/(telephone|websocket)/.test(f.url),
  ],
  ["server (Stream, routing)", (f) => f.url.includes("src/server/")],
  ["ws library", (f) => f.url.includes("node_modules/ws/")],
  ["JSON parse/stringify", (f) => f.url === "" && /^(parse|stringify)$/.test(f.functionName)],
  ["base64", (f) => /base64/i.test(f.functionName)],
  ["bench harness (probe, stats)", (f) => f.url.includes("/bench/")],
  ["onnxruntime (main thread)", (f) => f.url.includes("onnxruntime")],
];
/** Generic stages: only when no specific frame is on the stack. */
const GENERIC: Array<[string, (f: CallFrame) => boolean]> = [
  ["idle", (f) => f.functionName === "(idle)"],
  ["(program): native, unattributed", (f) => f.functionName === "(program)"],
  ["UDP sockets (dgram)", (f) => /dgram|udp/i.test(f.url)],
  ["TCP/net/streams", (f) => /node:(internal\/)?(net|stream|internal\/streams)/.test(f.url)],
  ["timers", (f) => f.url.includes("timers")],
  ["promises/microtasks", (f) => /task_queues|promise|async_hooks/.test(f.url)],
  ["worker messaging", (f) => /worker|messageport|message_port/i.test(f.url)],
  ["events", (f) => f.url.startsWith("node:events")],
  ["buffers", (f) => f.url.includes("buffer")],
  ["node other", (f) => f.url.startsWith("node:")],
];

function stageOf(stack: CallFrame[]): string {
  for (const f of stack) for (const [name, test] of SPECIFIC) if (test(f)) return name;
  for (const f of stack) for (const [name, test] of GENERIC) if (test(f)) return name;
  return "other JS";
}

/** ms per stage in one CPU profile (sample deltas attributed to the sampled stack's stage). */
function cpuStages(p: CpuProfile, into: Map<string, number>): void {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const stageById = new Map<number, string>();
  const stage = (id: number): string => {
    let s = stageById.get(id);
    if (s === undefined) {
      const stack: CallFrame[] = [];
      for (let i: number | undefined = id; i !== undefined; i = parent.get(i)) {
        const node = byId.get(i);
        if (node) stack.push(node.callFrame);
      }
      s = stageOf(stack);
      stageById.set(id, s);
    }
    return s;
  };
  // timeDeltas[i] is the time before sample i; attribute the gap after a sample to it.
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const s = stage(p.samples[i] as number);
    into.set(s, (into.get(s) ?? 0) + dt);
  }
}

function heapStages(p: HeapProfile, into: Map<string, number>): void {
  const walk = (node: HeapNode, stack: CallFrame[]) => {
    const here = [node.callFrame, ...stack];
    if (node.selfSize > 0) {
      const s = stageOf(here);
      into.set(s, (into.get(s) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, here);
  };
  walk(p.head, []);
}

// --- the inspector and the window hooks --------------------------------------------------------

const session = new Session();
session.connect();
const post = <T>(method: string, params?: object) =>
  new Promise<T>((resolve, reject) =>
    session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
  );

interface Window {
  n: number;
  t0: number;
  t1: number;
  cpu0: NodeJS.CpuUsage;
  cpuMs: number;
  gc: number[];
  cpu?: CpuProfile;
  heap?: HeapProfile;
}
const done: Window[] = [];
let current: Window | null = null;
let pending: Promise<unknown> = Promise.resolve();

new PerformanceObserver((list) => {
  if (!current) return;
  for (const e of list.getEntries()) current.gc.push(e.duration);
}).observe({ entryTypes: ["gc"] });

await post("Profiler.enable");
await post("Profiler.setSamplingInterval", { interval: 500 });
await post("HeapProfiler.enable");

let stepN = 0;
/** Watches the bench's messages to its load child: `start` (n), `mark` and `stop` (window). */
function onMessageToChild(m: { type?: string; n?: number } | undefined): void {
  if (m?.type === "start" && typeof m.n === "number") stepN = m.n;
  if (m?.type === "mark" && !current) {
    const w: Window = {
      n: stepN,
      t0: performance.now(),
      t1: 0,
      cpu0: process.cpuUsage(),
      cpuMs: 0,
      gc: [],
    };
    current = w;
    pending = pending.then(async () => {
      await post("Profiler.start");
      await post("HeapProfiler.startSampling", {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        // PROFILE_HEAP=promoted leaves out what died young: what is left outlived the young
        // generation (it was promoted to old space), the allocation behind the mark-compacts.
        includeObjectsCollectedByMinorGC: process.env.PROFILE_HEAP !== "promoted",
      });
    });
  } else if (m?.type === "stop" && current) {
    const w = current;
    current = null;
    w.t1 = performance.now();
    const u = process.cpuUsage(w.cpu0);
    w.cpuMs = (u.user + u.system) / 1000;
    pending = pending.then(async () => {
      w.cpu = (await post<{ profile: CpuProfile }>("Profiler.stop")).profile;
      w.heap = (await post<{ profile: HeapProfile }>("HeapProfiler.stopSampling")).profile;
      done.push(w);
    });
  }
}
// The bench forks its load child with `fork` from node:child_process; `send` is an own property
// of each child, so the hook wraps `fork` (and syncs the ESM binding the bench imports).
const originalFork = childProcess.fork;
childProcess.fork = ((...args: Parameters<typeof originalFork>) => {
  const child: ChildProcess = originalFork(...args);
  const send = child.send.bind(child) as (...a: unknown[]) => boolean;
  child.send = ((...a: unknown[]) => {
    onMessageToChild(a[0] as { type?: string; n?: number });
    return send(...a);
  }) as typeof child.send;
  return child;
}) as typeof originalFork;
syncBuiltinESMExports();

const mod = (await import(bench === "b4" ? "./b4-capacity.js" : "./b9-phone-capacity.js")) as {
  run: () => Promise<{ rows: Array<Record<string, unknown>> }>;
};
const report = await mod.run();
await pending;
childProcess.fork = originalFork;
syncBuiltinESMExports();

// --- summary -----------------------------------------------------------------------------------

const cpu = new Map<string, number>();
const heap = new Map<string, number>();
let wallMs = 0;
let processCpuMs = 0;
const gcPauses: number[] = [];
for (const [i, w] of done.entries()) {
  if (!w.cpu || !w.heap || w.n !== n) continue;
  writeFileSync(join(outDir, `${bench}-n${n}-w${i}.cpuprofile`), JSON.stringify(w.cpu));
  writeFileSync(join(outDir, `${bench}-n${n}-w${i}.heapprofile`), JSON.stringify(w.heap));
  cpuStages(w.cpu, cpu);
  heapStages(w.heap, heap);
  wallMs += w.t1 - w.t0;
  processCpuMs += w.cpuMs;
  gcPauses.push(...w.gc);
}
const idle = cpu.get("idle") ?? 0;
const mainBusy = [...cpu.entries()].reduce((s, [k, v]) => (k === "idle" ? s : s + v), 0);
const frames = n * (wallMs / 20);
const otherThreads = Math.max(0, processCpuMs - mainBusy);
const heapTotal = [...heap.values()].reduce((a, b) => a + b, 0);
const pct = (v: number, of: number) => ((v / of) * 100).toFixed(1);
const us = (ms: number) => ((ms * 1000) / frames).toFixed(1);

console.log(
  `\n## ${bench.toUpperCase()} profile: ${n} sessions, ${done.filter((w) => w.n === n).length} windows, ${(wallMs / 1000).toFixed(1)} s measured, ${frames.toFixed(0)} session-frames (20 ms)`,
);
console.log(
  `process CPU ${pct(processCpuMs, wallMs)} % of a core (main thread ${pct(mainBusy, wallMs)} %, other threads — VAD worker, libuv, V8 helpers — ${pct(otherThreads, wallMs)} %); ${((processCpuMs * 1000) / frames).toFixed(1)} µs of CPU per session-frame`,
);
console.log("\n| stage | % of process CPU | µs per session-frame | alloc KB per session-frame |");
console.log("|---|---:|---:|---:|");
const rows = [...cpu.entries()].filter(([k]) => k !== "idle").sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows) {
  const a = heap.get(k) ?? 0;
  console.log(`| ${k} | ${pct(v, processCpuMs)} | ${us(v)} | ${(a / 1024 / frames).toFixed(2)} |`);
}
console.log(
  `| other threads (VAD worker, libuv, V8 helpers) | ${pct(otherThreads, processCpuMs)} | ${us(otherThreads)} | – |`,
);
console.log(`| main thread idle | – | ${us(idle)} | – |`);
const sorted = [...gcPauses].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
console.log(
  `\nallocation (sampled, incl. collected): ${((heapTotal / 1024 / 1024) * (1000 / wallMs)).toFixed(1)} MB/s, ${(heapTotal / 1024 / frames).toFixed(2)} KB per session-frame`,
);
console.log(
  `GC pauses (main thread): ${gcPauses.length} in ${(wallMs / 1000).toFixed(1)} s, total ${gcPauses.reduce((a, b) => a + b, 0).toFixed(0)} ms (${pct(
    gcPauses.reduce((a, b) => a + b, 0),
    wallMs,
  )} % of wall), p50 ${q(50)?.toFixed(2)} ms, p99 ${q(99)?.toFixed(2)} ms, max ${sorted.at(-1)?.toFixed(2)} ms`,
);
console.log("\nbench rows:");
for (const r of report.rows)
  console.log(
    `  N=${r.N} late p99 ${r["late p99 ms"]} ms, server CPU ${r["server CPU %"]} %, other CPU ${r["other CPU %"]} %, speed probe ${r["speed probe ms"]} ms`,
  );
console.log(`profiles: ${outDir}`);
session.disconnect();
