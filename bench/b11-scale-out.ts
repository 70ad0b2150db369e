/**
 * B11 — scale-out (issue 14): what `launch({ workers: 2 })` adds on this machine, and what a
 * routed `/input_hook` costs.
 *
 * Part 1, capacity, `workers: 1` vs `workers: 2`: the server is a separate process
 * (b11-server.ts: `ReplyOnPause(echo)`, real Silero, no concurrency limit, telephone routes on,
 * `launch({ port: 0, workers })`), started with `node --import tsx`. The load is the B9 load
 * generator child (b9-load.ts, forked as it is): N Twilio calls on `/telephone/handler`, each
 * looping leopard__test__8k_mulaw.wav (5.9 s) + 2 s of silence in real time. Server-side
 * lateness cannot be read across processes, so a step is judged from the callers' side: it
 * passes when every call connected (and none was closed by the server), the callers got their
 * replies — media received / media sent ≥ 90 % of the same ratio in a light-load reference step
 * (N = `B11_REF_N`, default 8, on the first server; the echo does not give back all it hears:
 * the VAD splits the sentence and a new turn cuts the reply still playing, so the ratio is
 * measured, not derived) — and caller underrun time < 1 % of the reply time received (20 ms per
 * media message). Steps 8, 16, 24, 32, 48, 64, 80, 96, 128 until one fails, then bisection; a failing step
 * is tried once more and fails only if the retry fails too (the cores are shared with other
 * people's work, which makes single windows noisy).
 *
 * Measured per step over the window: server CPU = the sum of /proc/<pid>/stat utime + stime of
 * the primary and its workers (worker pids from `GET /health` on fresh TCP connections), the
 * load child's own CPU, the whole machine's busy time (/proc/stat), underruns and media counts,
 * and how the calls were spread over the workers (`connections` of each worker's `/health`).
 * Nothing is pinned: server, workers, their VAD threads and the load child share the 2 cores.
 *
 * Part 2, added latency of a routed `/input_hook`: a throwaway redis-server and two
 * src/cluster/testing/clusterNode.ts processes on it (A, B); one WebSocket session on A; then
 * `B11_HOOK_N` (default 500) sequential POSTs of `/input_hook` to A (local) and as many to B
 * (routed through Redis to A), alternating A, B, each on its own keep-alive connection, after
 * 50 warm-up requests each. The same with one clusterNode under `launch({ workers: 2 })` and no
 * Redis: keep-alive connections are opened until one lands on the worker owning the session
 * and one on the other (told by `GET /health` on that connection), and the other's requests
 * are routed through the primary.
 *
 * Env knobs: `B11_PARTS=capacity,hook` (which parts), `B11_WORKERS=1,2`, `B11_STEPS=8,16,...`,
 * `B11_WARMUP_MS` (8000), `B11_MEASURE_MS` (8000; keep it ≥ one loop of the audio, 7.9 s:
 * shorter windows make out/in noisy), `B11_BUDGET_MS` (search budget per worker count, 210000),
 * `B11_RETRIES` (1), `B11_REF_N` (8; `B11_REF_RATIO=0.36` skips the reference step), `B11_HOOK_N`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Agent } from "node:http";
import type { Socket } from "node:net";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import { httpCall } from "../src/cluster/testing/http.js";
import { REDIS_SERVER_PATH, RedisServer } from "../src/cluster/testing/redisServer.js";
import {
  failure,
  startSession as startWsSession,
  websocketUrl,
} from "../src/cluster/testing/sessions.js";
import { spawnNode, type TestNode } from "../src/cluster/testing/spawnNode.js";
import type { WsPeer } from "../src/server/testing/wsPeer.js";
import type { LoadStats } from "./b9-load.js";
import { startLoadChild } from "./b9-phone-capacity.js";
import { searchCapacity } from "./capacity.js";
import { machineTicks } from "./cpu.js";
import { type BenchReport, percentile } from "./report.js";
import { round } from "./rtc-probe.js";

const env = process.env;
const list = (v: string | undefined, d: number[]) => (v ? v.split(",").map(Number) : d);
const PARTS = (env.B11_PARTS ?? "capacity,hook").split(",");
const WORKER_COUNTS = list(env.B11_WORKERS, [1, 2]);
const STEPS = list(env.B11_STEPS, [8, 16, 24, 32, 48, 64, 80, 96, 128]);
const WARMUP_MS = Number(env.B11_WARMUP_MS ?? 8000);
const MEASURE_MS = Number(env.B11_MEASURE_MS ?? 8000);
const BUDGET_MS = Number(env.B11_BUDGET_MS ?? 210_000);
const REF_N = Number(env.B11_REF_N ?? 8);
const REF_RATIO = env.B11_REF_RATIO ? Number(env.B11_REF_RATIO) : null;
const HOOK_N = Number(env.B11_HOOK_N ?? 500);
/** A failing step is run again this many times; it fails only if every try fails. */
const RETRIES = Number(env.B11_RETRIES ?? 1);
const HOOK_WARMUP = 50;
const IDLE_MS = 4000;
const FIXTURE = "leopard__test__8k_mulaw.wav";
const SILENCE_MS = 2000;
/** Pass rule: media ratio ≥ this share of the reference; underrun time < this share of reply time. */
const MEDIA_SHARE = 0.9;
const UNDERRUN_SHARE = 0.01;
/** One Twilio media message carries 20 ms. */
const FRAME_MS = 20;
const CLK_TCK = 100;

const SERVER_SCRIPT = fileURLToPath(new URL("./b11-server.ts", import.meta.url));

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

// --- processes ----------------------------------------------------------------------------------

interface ServerProc {
  child: ChildProcess;
  url: string;
  /** The primary (with workers) or the only process. */
  pid: number;
  workers: string[];
  alive(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts b11-server.ts with `workers` and waits for its JSON line. */
function startServer(workers: number): Promise<ServerProc> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT], {
    env: { ...env, FASTRTC_LOG: env.FASTRTC_LOG ?? "warn", B11_WORKERS: String(workers) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`b11 server did not start within 60 s: ${err}`));
    }, 60_000);
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; pid: number; workers: string[] };
      resolve({
        child,
        ...info,
        alive,
        stderr: () => err,
        async stop() {
          if (!alive()) return;
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), 8000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`b11 server exited before listening: ${err}`));
    });
  });
}

// --- HTTP helpers -------------------------------------------------------------------------------

const call = httpCall;

interface Health {
  pid: number;
  node: string;
  connections: number;
  serviceConnections?: number;
}

/** `/health` of every process answering on `url` (fresh connections until `count` pids seen). */
async function healthAll(url: string, count: number): Promise<Map<number, Health>> {
  const seen = new Map<number, Health>();
  for (let i = 0; i < 40 && seen.size < count; i++) {
    const h = await call(false, "GET", `${url}/health`).catch(() => null);
    if (h && typeof h.json.pid === "number") seen.set(h.json.pid, h.json as unknown as Health);
  }
  return seen;
}

/** utime + stime of `pid` in ms (all its threads); null when it is gone. */
function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

// --- part 1: capacity ---------------------------------------------------------------------------

interface Step {
  workers: number;
  n: number;
  reference: boolean;
  /** 1 for the first try at this N in the search, 2 for the retry of a failed one. */
  attempt: number;
  connected: number;
  failed: number;
  /** Live connections per worker pid, read after connecting. */
  spread: number[];
  /** Server CPU over the window, % of one core: total and per process (primary first). */
  serverCpuPct: number;
  perProcessPct: number[];
  machineBusyPct: number | null;
  stealPct: number | null;
  client: LoadStats;
  /** media received / media sent. */
  ratio: number;
  underrunPct: number;
  serverAlive: boolean;
}

async function capacity(): Promise<{ steps: Step[]; summary: BenchReport; table: BenchReport }> {
  const child = startLoadChild();
  const steps: Step[] = [];
  let refRatio = REF_RATIO;
  const capacityOf = new Map<number, { pass: number; fail: number | null }>();
  /** Server CPU with no call, % of one core, per worker count. */
  const idleOf = new Map<number, number>();
  try {
    for (const workers of WORKER_COUNTS) {
      const began = performance.now();
      const server = await startServer(workers);
      try {
        const health = await healthAll(server.url, Math.max(1, server.workers.length));
        const workerPids = [...health.keys()];
        if (workerPids.length < Math.max(1, server.workers.length)) {
          throw new Error(
            `GET /health reached ${workerPids.length} of ${server.workers.length} workers`,
          );
        }
        const pids = workers > 1 ? [server.pid, ...workerPids] : workerPids;
        console.error(
          `B11: workers=${workers} server ${server.url} pids ${pids.join(",")} (primary ${server.pid})`,
        );
        const wsUrl = `${server.url.replace(/^http/, "ws")}/telephone/handler`;
        // What the processes cost with no call (timers, the VAD workers), over IDLE_MS.
        await sleep(1000);
        const idle0 = pids.map(procCpuMs);
        const idleT0 = performance.now();
        await sleep(IDLE_MS);
        const idleWall = performance.now() - idleT0;
        const idle = pids.reduce((sum, _, i) => {
          const a = idle0[i];
          const b = procCpuMs(pids[i] ?? 0);
          return sum + (a != null && b != null ? ((b - a) / idleWall) * 100 : 0);
        }, 0);
        idleOf.set(workers, idle);
        console.error(`B11: workers=${workers} idle server CPU ${idle.toFixed(1)}%`);

        const step = async (n: number, reference = false, attempt = 1): Promise<Step> => {
          const started = await child.request(
            { type: "start", url: wsUrl, n, fixture: fixturePath(FIXTURE), silenceMs: SILENCE_MS },
            "started",
            120_000,
          );
          await sleep(500);
          const h = await healthAll(server.url, workerPids.length);
          const spread = workerPids.map((p) => h.get(p)?.connections ?? -1);
          await sleep(WARMUP_MS);
          const cpu0 = pids.map(procCpuMs);
          const m0 = machineTicks();
          const t0 = performance.now();
          child.send({ type: "mark" });
          await sleep(MEASURE_MS);
          const cpu1 = pids.map(procCpuMs);
          const m1 = machineTicks();
          const wall = performance.now() - t0;
          const { type: _t, ...client } = await child.request({ type: "stop" }, "stopped", 60_000);
          // Wait until the server has ended every call before the next step.
          const until = performance.now() + 15_000;
          while (server.alive() && performance.now() < until) {
            const any = await call(false, "GET", `${server.url}/health`).catch(() => null);
            if (any && any.json.serviceConnections === 0) break;
            await sleep(200);
          }
          const perProcessPct = pids.map((_, i) => {
            const a = cpu0[i];
            const b = cpu1[i];
            return a != null && b != null ? ((b - a) / wall) * 100 : 0;
          });
          const serverCpuPct = perProcessPct.reduce((s, v) => s + v, 0);
          const replyMs = client.mediaReceived * FRAME_MS;
          const r: Step = {
            workers,
            n,
            reference,
            attempt,
            connected: started.connected,
            failed: started.failed,
            spread,
            serverCpuPct,
            perProcessPct,
            machineBusyPct: m0 && m1 ? ((m1.busy - m0.busy) * 10 * 100) / wall : null,
            stealPct: m0 && m1 ? ((m1.steal - m0.steal) * 10 * 100) / wall : null,
            client,
            ratio: client.mediaSent > 0 ? client.mediaReceived / client.mediaSent : 0,
            underrunPct: replyMs > 0 ? (client.underrunMs / replyMs) * 100 : 100,
            serverAlive: server.alive(),
          };
          steps.push(r);
          console.error(
            `B11: workers=${workers} N=${n}${reference ? " (reference)" : ""}${attempt > 1 ? ` (try ${attempt})` : ""} connected ${r.connected}/${n} spread ${spread.join("/")}, out/in ${r.ratio.toFixed(3)}, underruns ${client.underruns} (${r.underrunPct.toFixed(2)} % of reply), server CPU ${serverCpuPct.toFixed(0)}% [${perProcessPct.map((p) => p.toFixed(0)).join("+")}], client CPU ${client.cpuPct.toFixed(0)}%, machine ${r.machineBusyPct?.toFixed(0) ?? "?"}% of ${cpus().length * 100}% → ${passes(r) ? "pass" : "FAIL"}`,
          );
          return r;
        };
        const passes = (r: Step) =>
          r.serverAlive &&
          r.connected === r.n &&
          r.failed === 0 &&
          r.client.closedEarly === 0 &&
          (r.reference || refRatio === null || r.ratio >= MEDIA_SHARE * refRatio) &&
          r.underrunPct < UNDERRUN_SHARE * 100;

        if (refRatio === null) {
          const ref = await step(REF_N, true);
          refRatio = ref.ratio;
        }
        const results = await searchCapacity({
          steps: STEPS,
          step: async (n) => {
            let r = await step(n);
            for (let t = 2; t <= RETRIES + 1 && !passes(r); t++) r = await step(n, false, t);
            return r;
          },
          passes,
          deadline: began + BUDGET_MS,
          closeEnough: (lastPass) => Math.max(2, lastPass / 8),
        });
        const failed = results.filter((r) => !passes(r)).map((r) => r.n);
        const firstFail = failed.length ? Math.min(...failed) : null;
        const pass = Math.max(
          0,
          ...results
            .filter((r) => passes(r) && (firstFail === null || r.n < firstFail))
            .map((r) => r.n),
        );
        capacityOf.set(workers, { pass, fail: firstFail });
        if (!server.alive()) console.error(`B11: server died: ${server.stderr().slice(-2000)}`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await child.close();
  }

  const seconds = MEASURE_MS / 1000;
  const ref = refRatio ?? 0;
  const judged = (r: Step) =>
    r.serverAlive &&
    r.connected === r.n &&
    r.failed === 0 &&
    r.client.closedEarly === 0 &&
    (r.reference || r.ratio >= MEDIA_SHARE * ref) &&
    r.underrunPct < UNDERRUN_SHARE * 100;
  const sorted = [...steps].sort(
    (a, b) => a.workers - b.workers || a.n - b.n || a.attempt - b.attempt,
  );
  const rows = sorted.map((r) => ({
    workers: r.workers,
    N: r.n,
    ref: r.reference ? "ref" : "",
    try: r.attempt,
    connected: r.connected,
    "calls/worker": r.spread.join("/"),
    "in msgs/s": round(r.client.mediaSent / seconds, 0),
    "out msgs/s": round(r.client.mediaReceived / seconds, 0),
    "out/in": round(r.ratio, 3),
    "out/in % of ref": ref > 0 ? round((r.ratio / ref) * 100, 0) : null,
    underruns: r.client.underruns,
    "underrun ms": round(r.client.underrunMs, 0),
    "underrun % of reply": round(r.underrunPct, 2),
    "server CPU %": round(r.serverCpuPct, 0),
    "per process CPU %": r.perProcessPct.map((p) => p.toFixed(0)).join("+"),
    "server CPU ms/call/s": round((r.serverCpuPct * 10) / r.n, 1),
    "client CPU %": round(r.client.cpuPct, 0),
    "client tick p99 ms": round(r.client.tickLateP99, 1),
    "machine busy %": round(r.machineBusyPct, 0),
    "other CPU %":
      r.machineBusyPct === null
        ? null
        : round(Math.max(0, r.machineBusyPct - r.serverCpuPct - r.client.cpuPct), 0),
    "steal %": round(r.stealPct, 1),
    "closed early": r.client.closedEarly,
    pass: judged(r) ? "yes" : "no",
  }));
  const one = capacityOf.get(1);
  const two = capacityOf.get(2);
  const ratio = one && two && one.pass > 0 ? two.pass / one.pass : null;
  const atCap = (w: number) => {
    const c = capacityOf.get(w);
    return (
      sorted.findLast((r) => r.workers === w && !r.reference && r.n === c?.pass && judged(r)) ??
      null
    );
  };
  const summaryRows = WORKER_COUNTS.map((w) => {
    const c = capacityOf.get(w);
    const s = atCap(w);
    return {
      workers: w,
      "largest passing N": c?.pass ?? null,
      "first failing N": c?.fail ?? null,
      "idle server CPU %": round(idleOf.get(w) ?? null, 1),
      "calls/worker at N": s ? s.spread.join("/") : null,
      "server CPU % at N": s ? round(s.serverCpuPct, 0) : null,
      "client CPU % at N": s ? round(s.client.cpuPct, 0) : null,
      "machine busy % at N": s ? round(s.machineBusyPct, 0) : null,
      "server CPU ms/call/s at N": s ? round((s.serverCpuPct * 10) / s.n, 1) : null,
    };
  });
  const clientHeavy = sorted.filter(
    (r) => r.machineBusyPct !== null && r.machineBusyPct > cpus().length * 100 * 0.9,
  );
  const busy = sorted.filter(
    (r) => r.machineBusyPct !== null && r.machineBusyPct - r.serverCpuPct - r.client.cpuPct > 15,
  );
  const notes = [
    `pass = every call connected and none closed by the server, out/in (media received / sent by the callers) ≥ ${MEDIA_SHARE * 100} % of the reference step's (N=${REF_N}, workers=${WORKER_COUNTS[0]}: ${ref.toFixed(3)}${REF_RATIO !== null ? ", given by B11_REF_RATIO" : ""}), caller underrun time < ${UNDERRUN_SHARE * 100} % of the reply time received (media messages × 20 ms)`,
    `server: bench/b11-server.ts in its own process (node --import tsx), ReplyOnPause(echo) with real Silero, launch({ port: 0, workers }); load: bench/b9-load.ts child (TwilioCallSimulator calls, ${FIXTURE} + ${SILENCE_MS / 1000} s silence looped in real time); nothing pinned: the server processes (and their VAD threads) and the load child share the machine's ${cpus().length} cores`,
    `each step: connect N calls, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; steps ${STEPS.join(", ")} until the first failure, then bisection (budget ${BUDGET_MS / 1000} s per worker count); a failing step is tried ${RETRIES} more time(s) (column try) and fails only if every try fails: other people's work on the shared cores makes single windows noisy`,
    "server CPU % = Σ over the primary and its workers of /proc/<pid>/stat utime+stime in the window / wall time (100 % = one core; per process: primary first with workers); worker pids from GET /health on fresh TCP connections; calls/worker = each worker's live connections after connecting",
    `idle server CPU % = the server processes' CPU over ${IDLE_MS / 1000} s with no call, right after start`,
    "client CPU % = the load child's own CPU (process.cpuUsage); machine busy % = /proc/stat over all cores (200 % = both); other CPU % = machine − server − client (other people's work on the shared machine)",
    ratio !== null
      ? `sessions(workers:2) / sessions(workers:1) = ${two?.pass} / ${one?.pass} = ${ratio.toFixed(2)} (goal ≥ 1.8)`
      : "ratio not available (a worker count was not run or passed no step)",
    "the load generator runs on the same 2 cores as the server: the ratio is bounded by that — once the server processes and the load child together use both cores, adding a worker cannot add sessions",
    busy.length > 0
      ? `WARNING: other processes used > 15 % of a core at ${busy.map((r) => `workers=${r.workers} N=${r.n}`).join(", ")}: the machine was not quiet, capacity there is not the server's alone`
      : "the machine was quiet (other processes < 15 % of a core at every step)",
    clientHeavy.length > 0
      ? `machine > 90 % busy at: ${clientHeavy.map((r) => `workers=${r.workers} N=${r.n}`).join(", ")}`
      : "the machine stayed below 90 % busy at every step",
    `load average when the part ended: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(", ")}`,
  ];
  return {
    steps,
    summary: {
      id: "B11",
      title: `scale-out capacity: Twilio calls on launch({ workers: 1 }) vs { workers: 2 }, 2-core machine shared with the load generator; ratio ${ratio === null ? "n/a" : ratio.toFixed(2)}`,
      columns: Object.keys(summaryRows[0] ?? { workers: 0 }),
      rows: summaryRows,
      notes,
    },
    table: {
      id: "B11-steps",
      title: "scale-out capacity: every step (workers 1 and 2)",
      columns: Object.keys(rows[0] ?? { workers: 0 }),
      rows,
      notes: notes.slice(0, 5),
    },
  };
}

// --- part 2: routed /input_hook ----------------------------------------------------------------

/** Opens a WebSocket session `id` on `node` and waits until it started (a pong after `start`). */
async function startSession(node: TestNode, id: string): Promise<WsPeer> {
  const peer = await startWsSession(websocketUrl(node.url), id);
  if (failure(peer) !== null) throw new Error(`session ${id} refused`);
  return peer;
}

interface HookSeries {
  setup: string;
  path: string;
  ms: number[];
  errors: number;
  /** Requests that went out on another socket than the first (keep-alive lost). */
  reconnects: number;
}

/** Sends `n` POSTs alternately on each `[agent, url]`, after a warm-up; one series each. */
async function hookSeries(
  targets: Array<{ setup: string; path: string; agent: Agent; url: string }>,
  id: string,
  n: number,
): Promise<HookSeries[]> {
  const series = targets.map((t) => ({
    setup: t.setup,
    path: t.path,
    ms: [] as number[],
    errors: 0,
    reconnects: 0,
    socket: null as Socket | null,
  }));
  for (let i = 0; i < HOOK_WARMUP + n; i++) {
    for (const [k, t] of targets.entries()) {
      const s = series[k];
      if (!s) continue;
      const res = await call(t.agent, "POST", `${t.url}/input_hook`, {
        webrtc_id: id,
        note: `${t.path} ${i}`,
      }).catch(() => null);
      if (i < HOOK_WARMUP) {
        s.socket ??= res?.socket ?? null;
        continue;
      }
      if (res?.status !== 200) {
        s.errors++;
        continue;
      }
      if (res.socket !== s.socket) s.reconnects++;
      s.ms.push(res.ms);
    }
  }
  return series.map(({ socket: _s, ...rest }) => rest);
}

async function hookRedis(): Promise<HookSeries[]> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    console.error(`B11: no ${REDIS_SERVER_PATH}: Redis part skipped`);
    return [];
  }
  const redis = await RedisServer.start();
  const nodes: TestNode[] = [];
  const agents = [
    new Agent({ keepAlive: true, maxSockets: 1 }),
    new Agent({ keepAlive: true, maxSockets: 1 }),
  ];
  let peer: WsPeer | null = null;
  try {
    const e = { FASTRTC_TEST_REDIS: redis.url, FASTRTC_TEST_LIMIT: "10", FASTRTC_TEST_LEASE: "5" };
    nodes.push(...(await Promise.all([spawnNode(e), spawnNode(e)])));
    const [a, b] = nodes as [TestNode, TestNode];
    peer = await startSession(a, "b11-hook-redis");
    return await hookSeries(
      [
        { setup: "redis", path: "local (A owns it)", agent: agents[0] as Agent, url: a.url },
        { setup: "redis", path: "routed (B → Redis → A)", agent: agents[1] as Agent, url: b.url },
      ],
      "b11-hook-redis",
      HOOK_N,
    );
  } finally {
    await peer?.close();
    for (const ag of agents) ag.destroy();
    await Promise.allSettled(nodes.map((n) => n.kill()));
    await redis.stop();
  }
}

async function hookWorkers(): Promise<HookSeries[]> {
  const node = await spawnNode({ FASTRTC_TEST_WORKERS: "2", FASTRTC_TEST_LIMIT: "10" });
  const agents: Agent[] = [];
  let peer: WsPeer | null = null;
  try {
    const id = "b11-hook-workers";
    peer = await startSession(node, id);
    const health = await healthAll(node.url, 2);
    const owner = [...health.values()].find((h) => h.connections > 0)?.node;
    if (!owner) throw new Error("no worker reports the session");
    // Keep-alive connections until one is on the owner and one on the other worker.
    let local: Agent | null = null;
    let other: Agent | null = null;
    for (let i = 0; i < 16 && !(local && other); i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      const h = await call(agent, "GET", `${node.url}/health`);
      if (h.json.node === owner) local ??= agent;
      else other ??= agent;
    }
    if (!local || !other) throw new Error("keep-alive connections did not reach both workers");
    return await hookSeries(
      [
        {
          setup: "workers: 2",
          path: `local (worker ${owner} owns it)`,
          agent: local,
          url: node.url,
        },
        {
          setup: "workers: 2",
          path: "routed (other worker → primary → owner)",
          agent: other,
          url: node.url,
        },
      ],
      id,
      HOOK_N,
    );
  } finally {
    await peer?.close();
    for (const ag of agents) ag.destroy();
    await node.kill("SIGKILL");
  }
}

async function hook(): Promise<BenchReport> {
  const series = [...(await hookRedis()), ...(await hookWorkers())];
  const rows = series.map((s, i) => {
    const local = i % 2 === 1 ? series[i - 1] : null;
    const p = (q: number, xs: number[]) => percentile(xs, q);
    const diff = (q: number) => {
      const a = p(q, s.ms);
      const b = local ? p(q, local.ms) : null;
      return a !== null && b !== null ? round(a - b, 3) : null;
    };
    return {
      setup: s.setup,
      path: s.path,
      n: s.ms.length,
      errors: s.errors,
      reconnects: s.reconnects,
      "p50 ms": round(p(50, s.ms), 3),
      "p90 ms": round(p(90, s.ms), 3),
      "p99 ms": round(p(99, s.ms), 3),
      "max ms": s.ms.length ? round(Math.max(...s.ms), 3) : null,
      "added p50 ms": diff(50),
      "added p99 ms": diff(99),
    };
  });
  return {
    id: "B11-hook",
    title:
      "added latency of a routed /input_hook (POST to a process that does not own the session)",
    columns: Object.keys(rows[0] ?? { setup: "" }),
    rows,
    notes: [
      `Redis: a throwaway redis-server and two src/cluster/testing/clusterNode.ts processes (A, B; InputEcho handler); one WebSocket session on A; ${HOOK_N} sequential POST /input_hook to A and ${HOOK_N} to B, alternating, each on one keep-alive connection, after ${HOOK_WARMUP} warm-up requests each`,
      "workers: 2: one clusterNode with launch({ workers: 2 }) and no Redis; keep-alive connections opened until one lands on the owning worker and one on the other (GET /health on that connection names the worker); the other's requests are routed through the primary (IPC)",
      "time = request written → response body read, in this process (client side, loopback); added = routed − local at the same percentile; reconnects = requests that did not go out on the warm-up's socket (0 expected)",
      `load average when the part ended: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(", ")}`,
    ],
  };
}

export async function run(): Promise<BenchReport[]> {
  const began = performance.now();
  const out: BenchReport[] = [];
  console.error(
    `B11: load average at start ${loadavg()
      .map((v) => v.toFixed(2))
      .join(", ")}`,
  );
  if (PARTS.includes("hook")) out.push(await hook());
  if (PARTS.includes("capacity")) {
    const c = await capacity();
    out.push(c.summary, c.table);
  }
  console.error(`B11: took ${((performance.now() - began) / 1000).toFixed(0)} s`);
  return out;
}
