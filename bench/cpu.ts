/**
 * CPU helpers shared by the capacity benchmarks (B4, B9): whole-machine busy/steal ticks, and
 * pinning a process to CPUs with `taskset`.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { type FrameVadStats, getFrameVad } from "../src/vad/frameVad.js";
import { cpuMs, round } from "./rtc-probe.js";

/** Busy and steal ticks (1/100 s) of all CPUs from /proc/stat; null where unavailable. */
export function machineTicks(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return { busy: user + nice + system + irq + softirq, steal };
  } catch {
    return null;
  }
}

/** Pins every thread of `pid` to `cpuList`; returns false when that is not possible here. */
export function pin(pid: number, cpuList: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function currentAffinity(pid: number): string | null {
  try {
    const out = execFileSync("taskset", ["-p", "-c", String(pid)], { encoding: "utf8" });
    return /list:\s*(\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** CPU ticks (1/100 s, user + system) of each thread of this process, by thread id. */
export function threadTicks(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        // Fields after the command name, which is in parentheses and may hold spaces.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.set(Number(tid), Number(fields[11] ?? 0) + Number(fields[12] ?? 0));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // No /proc here: an empty split.
  }
  return out;
}

/**
 * How a process's CPU time between two {@link threadTicks} readings split over its threads, in %
 * of one core over `wallMs`: the main thread (its id is the process id), the busiest other thread
 * (in the capacity benches the VAD worker, which runs the model) and all the rest (V8's helper
 * threads doing concurrent GC and compilation, libuv). Null without /proc.
 */
export function threadSplit(
  before: Map<number, number>,
  after: Map<number, number>,
  wallMs: number,
): { main: number; busiestOther: number; rest: number } | null {
  if (after.size === 0) return null;
  const pct = (ticks: number) => (ticks * 10 * 100) / wallMs;
  let main = 0;
  let busiest = 0;
  let others = 0;
  for (const [tid, ticks] of after) {
    const used = ticks - (before.get(tid) ?? 0);
    if (tid === process.pid) main = used;
    else {
      others += used;
      busiest = Math.max(busiest, used);
    }
  }
  return { main: pct(main), busiestOther: pct(busiest), rest: pct(others - busiest) };
}

/**
 * Times a fixed piece of single-threaded work (float and integer arithmetic on a small array,
 * about 3.5 ms on this project's 2-core VM when the core is idle) and returns its duration in ms:
 * the best of `repeats`. The capacity benches run it before each step, so a step measured while
 * the host ran the VM's core slower (other tenants; seen as every stage of a profile taking up to
 * twice as long) can be told apart from a change in the code.
 */
export function speedProbe(repeats = 3, rounds = 2000): number {
  const a = new Float64Array(1024);
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    let x = 0x9e3779b9;
    for (let k = 0; k < rounds; k++) {
      for (let i = 0; i < a.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        a[i] = (a[i] as number) * 0.5 + (x & 0xffff) * 1e-4;
      }
      sink += a[k & 1023] as number;
    }
    best = Math.min(best, performance.now() - t0);
  }
  if (sink === -1) best = 0; // keeps the loop from being optimised away
  return (best * 2000) / rounds;
}

let sweepArray: Float64Array | null = null;

/**
 * Reads one double per 64-byte cache line of a 64 MB array (more than this VM's cache) and
 * returns the time in ms: about 3 ms when the host's memory is not contended. The compute-bound
 * {@link speedProbe} stays in the core's caches, so it cannot see other tenants' memory traffic;
 * this can.
 *
 * @example
 * ```ts
 * const ms = memoryProbe();
 * ```
 */
export function memoryProbe(): number {
  sweepArray ??= new Float64Array(8 * 1024 * 1024).fill(1);
  const a = sweepArray;
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < a.length; i += 8) sum += a[i] as number;
  const ms = performance.now() - t0;
  return sum === -1 ? 0 : ms; // the comparison keeps the loop from being optimised away
}

/**
 * {@link speedProbe} and {@link memoryProbe} during a measured window. Every `everyMs` it runs
 * an eighth of the speed probe's work on this thread (about 0.5 ms, 0.1 % of the core at the
 * default), scaled to the full probe's ms. Every fourth time it also sweeps the memory (about
 * 3 ms). The returned function stops it and gives the fastest sample of each. The probes before
 * and after a step see an idle machine; a step can run slow while they read normal. Samples the
 * load delayed only come out slower, so the minimum is the hardware's speed.
 *
 * @example
 * ```ts
 * const stop = probeDuring();
 * await sleep(10_000);
 * const { speedMs, memoryMs } = stop();
 * ```
 */
export function probeDuring(everyMs = 500): () => { speedMs: number; memoryMs: number } {
  let speedMs = Number.POSITIVE_INFINITY;
  let memoryMs = Number.POSITIVE_INFINITY;
  let ticks = 0;
  const timer = setInterval(() => {
    speedMs = Math.min(speedMs, speedProbe(1, 250));
    if (++ticks % 4 === 0) memoryMs = Math.min(memoryMs, memoryProbe());
  }, everyMs);
  return () => {
    clearInterval(timer);
    return { speedMs, memoryMs };
  };
}

/**
 * The Node flags docs/deployment.md recommends for one process per core, which
 * `npm run bench:one-core` runs the benchmarks with (keep the two the same).
 *
 * @example
 * ```ts
 * notes.push(`npm run bench:one-core runs it with ${ONE_CORE_FLAGS}`);
 * ```
 */
export const ONE_CORE_FLAGS =
  "--single-threaded-gc --max-semi-space-size=8 --heap-growing-percent=200";

/**
 * The Node and V8 flags this process runs with that change how it performs (`--max-semi-space-size=8`
 * and the like; the tsx loader flags are left out), for the report: "none" when there are none.
 *
 * @example
 * ```ts
 * notes.push(`server node flags: ${serverNodeFlags()}`);
 * ```
 */
export function serverNodeFlags(): string {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--import" || a === "--require" || a === "-r" || a === "--loader") i++;
    else if (
      !a.startsWith("--import=") &&
      !a.startsWith("--require=") &&
      !a.startsWith("--loader=")
    )
      flags.push(a);
  }
  return flags.length > 0 ? flags.join(" ") : "none";
}

/**
 * What the shared frame VAD did between two of its `stats` readings: frames evaluated, model
 * runs (`session.run` calls: batches), and the worker's time in the model.
 *
 * @example
 * ```ts
 * const before = getFrameVad().stats;
 * await sleep(8000);
 * const { frames, runs } = vadDelta(before, getFrameVad().stats); // frames / runs = batch size
 * ```
 */
export function vadDelta(
  before: FrameVadStats,
  after: FrameVadStats,
): { frames: number; runs: number; computeMs: number } {
  return {
    frames: after.frames - before.frames,
    runs: after.runs - before.runs,
    computeMs: after.computeMs - before.computeMs,
  };
}

/** What the server used over one measured window of a capacity step (see {@link startWindow}). */
export interface WindowUsage {
  /** Length of the window, ms. */
  wall: number;
  /** Process CPU time (all threads) / wall time, %. */
  cpuPct: number;
  /** The process's CPU split by thread, or null where /proc is missing. */
  threads: ReturnType<typeof threadSplit>;
  /** The whole machine's busy and steal time, % of one core, or null where /proc is missing. */
  machine: { busyPct: number; stealPct: number } | null;
  /** The shared frame VAD's batches in the window. */
  vad: { frames: number; runs: number; computeMs: number };
  /** {@link probeDuring}'s fastest samples in the window. */
  speedDuring: { speedMs: number; memoryMs: number };
}

/**
 * Starts measuring a window: process and per-thread CPU, the machine's ticks, the shared frame
 * VAD's counters and the in-window hardware probes. The returned function ends it.
 *
 * @example
 * ```ts
 * const end = startWindow();
 * await sleep(8000);
 * const { cpuPct, threads, vad } = end();
 * ```
 */
export function startWindow(): () => WindowUsage {
  const cpu0 = cpuMs();
  const machine0 = machineTicks();
  const threads0 = threadTicks();
  const vad0 = getFrameVad().stats;
  const t0 = performance.now();
  const stopProbe = probeDuring();
  return () => {
    const speedDuring = stopProbe();
    const wall = performance.now() - t0;
    const cpuPct = ((cpuMs() - cpu0) / wall) * 100;
    const machine1 = machineTicks();
    return {
      wall,
      cpuPct,
      threads: threadSplit(threads0, threadTicks(), wall),
      machine:
        machine0 && machine1
          ? {
              busyPct: ((machine1.busy - machine0.busy) * 10 * 100) / wall,
              stealPct: ((machine1.steal - machine0.steal) * 10 * 100) / wall,
            }
          : null,
      vad: vadDelta(vad0, getFrameVad().stats),
      speedDuring,
    };
  };
}

/**
 * The report columns of a {@link WindowUsage} shared by B4 and B9 (B4 calls the busiest other
 * thread by that name; B9 knows it is the VAD worker).
 *
 * @example
 * ```ts
 * const row = { N: n, ...usageColumns(usage, "VAD worker %") };
 * ```
 */
export function usageColumns(u: WindowUsage, busiestName: string): Record<string, number | null> {
  return {
    "server CPU %": round(u.cpuPct, 1),
    "main thread %": u.threads ? round(u.threads.main, 1) : null,
    [busiestName]: u.threads ? round(u.threads.busiestOther, 1) : null,
    "other threads %": u.threads ? round(u.threads.rest, 1) : null,
    "VAD frames/run": u.vad.runs > 0 ? round(u.vad.frames / u.vad.runs, 1) : null,
    "VAD model µs/frame":
      u.vad.frames > 0 ? round((u.vad.computeMs * 1000) / u.vad.frames, 1) : null,
  };
}
