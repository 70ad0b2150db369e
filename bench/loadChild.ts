/**
 * The common part of the load-generator child processes (b4-load.ts: werift clients; b9-load.ts:
 * Twilio call simulators), started by their capacity benchmarks with `child_process.fork`: the
 * IPC protocol, connecting in batches, one drift-corrected 20 ms send loop per client (spread
 * over the tick and over the audio loop, from the moment each is connected), and the child's own CPU use, event-loop delay and
 * send-tick lateness, so the parent can tell when the load generator, not the server, is the
 * limit. A driver says how to make, connect, feed and count its clients.
 *
 * Protocol (IPC messages):
 *   parent → child  { type: "start", url, n, ...driver fields }  connect n clients, start sending
 *   child → parent  { type: "started", connected, failed, connectMs }
 *   parent → child  { type: "mark" }                             start of the measured window
 *   parent → child  { type: "stop" }                             stop sending, close every client
 *   child → parent  { type: "stopped", ...LoadStats }
 *   parent → child  { type: "exit" }
 */
import { type ChildProcess, fork } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { percentile } from "./report.js";

/** Parent → child messages; `S` is what a driver's `start` carries beyond `url` and `n`. */
export type LoadToChild<S> =
  | ({ type: "start"; url: string; n: number } & S)
  | { type: "mark" }
  | { type: "stop" }
  | { type: "exit" };

/** What every child measures over the window. */
export interface LoadChildStats {
  /** Client process CPU over the measured window, % of one core. */
  cpuPct: number;
  /** Client event-loop delay over the measured window (p99, ms). */
  loopP99: number;
  /** How late the 20 ms send ticks ran over the window (p99, ms): > 20 means bursts. */
  tickLateP99: number;
}

/** Child → parent messages; `X` is what a driver adds to the stats. */
export type LoadFromChild<X> =
  | { type: "started"; connected: number; failed: number; connectMs: number }
  | ({ type: "stopped" } & LoadChildStats & X)
  | { type: "error"; message: string };

/** How a child makes, connects, feeds and counts its clients. */
export interface LoadDriver<C, S, X> {
  /** Clients connected at once. */
  connectBatch: number;
  /** Loads what the clients send; `frames` is the length of the loop in 20 ms frames. */
  prepare(start: S & { url: string }): Promise<{ frames: number; create(): C }>;
  connect(client: C): Promise<unknown>;
  isOpen(client: C): boolean;
  /** Sends frame `frame` of the loop (`k` frames sent before); false when it cannot send. */
  sendFrame(client: C, frame: number, k: number): boolean;
  /** At the mark (e.g. drop what was recorded before the window). */
  onMark?(clients: C[]): void;
  /** The driver's stats over the window (`framesSent`: frames sent in it, all clients). */
  stats(clients: C[], window: { markAt: number; framesSent: number }): X;
  stop(client: C): Promise<unknown>;
  /** Ends a client when the parent went away. Default {@link stop}. */
  close?(client: C): Promise<unknown>;
}

/** Runs the child's side of the protocol with `driver`. */
export function runLoadChild<C, S, X>(driver: LoadDriver<C, S, X>): void {
  const send = (m: LoadFromChild<X>) => process.send?.(m);
  let clients: C[] = [];
  let stopPlaying: AbortController | null = null;
  let playing: Promise<void>[] = [];
  let markCpu: NodeJS.CpuUsage | null = null;
  let markAt = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let tickLate: number[] = [];
  let measuring = false;
  let framesSent = 0;

  /** Sends the loop from frame `offset`, one frame per 20 ms, drift-corrected, until aborted. */
  async function play(client: C, frames: number, offset: number, signal: AbortSignal) {
    let k = 0;
    const start = performance.now();
    while (!signal.aborted && driver.isOpen(client)) {
      if (measuring) tickLate.push(performance.now() - (start + k * 20));
      if (!driver.sendFrame(client, (offset + k) % frames, k)) return;
      if (measuring) framesSent++;
      k++;
      const wait = start + k * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else if (k % 8 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  async function start(m: S & { url: string; n: number }): Promise<void> {
    const { frames, create } = await driver.prepare(m);
    const t0 = performance.now();
    let failed = 0;
    let connected = 0;
    stopPlaying = new AbortController();
    const signal = stopPlaying.signal;
    // Each client starts sending as soon as it is connected, as a microphone would: a client
    // that stays silent for the server's inactivityTimeout (5 s) is taken for dead, which is
    // what happened to the first batches while 40 or more clients connected. The clients are
    // spread over the 20 ms tick (packets do not arrive in bursts) and over the loop (turns and
    // VAD chunks do not line up).
    for (let i = 0; i < m.n; i += driver.connectBatch) {
      const batch = Array.from({ length: Math.min(driver.connectBatch, m.n - i) }, create);
      clients.push(...batch);
      const results = await Promise.allSettled(batch.map((c) => driver.connect(c)));
      results.forEach((r, j) => {
        if (r.status === "rejected") {
          failed++;
          return;
        }
        connected++;
        const c = batch[j] as C;
        const k = i + j;
        playing.push(
          (async () => {
            await new Promise((r) => setTimeout(r, (20 * k) / m.n));
            await play(c, frames, Math.floor((k * frames) / m.n), signal);
          })(),
        );
      });
    }
    const connectMs = performance.now() - t0;
    send({ type: "started", connected, failed, connectMs });
  }

  async function stop(): Promise<void> {
    measuring = false;
    const cpu = markCpu ? process.cpuUsage(markCpu) : { user: 0, system: 0 };
    const wall = performance.now() - markAt;
    loopDelay.disable();
    stopPlaying?.abort();
    await Promise.allSettled(playing);
    const stats = {
      cpuPct: wall > 0 ? ((cpu.user + cpu.system) / 1000 / wall) * 100 : 0,
      loopP99: loopDelay.percentile(99) / 1e6,
      tickLateP99: percentile(tickLate, 99) ?? 0,
      ...driver.stats(clients, { markAt, framesSent }),
    };
    await Promise.allSettled(clients.map((c) => driver.stop(c)));
    clients = [];
    playing = [];
    tickLate = [];
    framesSent = 0;
    send({ type: "stopped", ...stats });
  }

  process.on("message", (m: LoadToChild<S>) => {
    const fail = (err: unknown) =>
      send({ type: "error", message: err instanceof Error ? err.message : String(err) });
    switch (m.type) {
      case "start":
        start(m as S & { url: string; n: number }).catch(fail);
        break;
      case "mark":
        driver.onMark?.(clients);
        markCpu = process.cpuUsage();
        markAt = performance.now();
        loopDelay.reset();
        loopDelay.enable();
        tickLate = [];
        framesSent = 0;
        measuring = true;
        break;
      case "stop":
        stop().catch(fail);
        break;
      case "exit":
        process.disconnect?.();
        break;
    }
  });

  // The parent went away: end every client and leave (open sockets would keep the process alive).
  process.on("disconnect", () => {
    const end = driver.close ?? driver.stop;
    void Promise.allSettled(clients.map((c) => end.call(driver, c))).then(() => process.exit(0));
  });
}

/** The parent's handle on a load child: its process, one-way messages and request/answer. */
export interface LoadChildHandle<To, From extends { type: string }> {
  proc: ChildProcess;
  send(m: To): void;
  /** Sends `m` and waits for the first answer of type `reply` (an `error` answer rejects). */
  request<T extends From["type"]>(m: To, reply: T, ms: number): Promise<Extract<From, { type: T }>>;
  /** Calls `fn` for every message from the child; returns the unsubscribe. */
  listen(fn: (m: From) => void): () => void;
  /** Asks the child to exit, and kills it if it has not after 5 s. */
  close(): Promise<void>;
}

/**
 * Starts a load child (`script`: b4-load.ts, b9-load.ts, the B5 children) with `child_process.fork`, inheriting
 * `execArgv` (under tsx it carries the loader that runs .ts files), and returns its handle.
 */
export function forkLoadChild<To, From extends { type: string }>(
  script: URL,
): LoadChildHandle<To, From> {
  const proc = fork(fileURLToPath(script), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const send = (m: To) => proc.send(m as object);
  return {
    proc,
    send,
    request: (m, reply, ms) =>
      new Promise((resolve, reject) => {
        const done = (err: Error | null, got?: From) => {
          clearTimeout(timer);
          proc.off("message", onMessage);
          proc.off("exit", onExit);
          if (err) reject(err);
          else resolve(got as Extract<From, { type: typeof reply }>);
        };
        const onMessage = (got: From) => {
          if (got.type === "error") {
            done(new Error(`load child: ${(got as { message?: string }).message ?? "error"}`));
          } else if (got.type === reply) done(null, got);
        };
        const onExit = (code: number | null, signal: string | null) =>
          done(new Error(`load child exited (code ${code}, signal ${signal})`));
        const timer = setTimeout(() => done(new Error(`load child: no ${reply} in ${ms} ms`)), ms);
        proc.on("message", onMessage);
        proc.once("exit", onExit);
        send(m);
      }),
    listen(fn) {
      proc.on("message", fn);
      return () => proc.off("message", fn);
    },
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (proc.connected) proc.send({ type: "exit" });
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
