/**
 * B4 load generator (child process, started by b4-capacity.ts with `child_process.fork`): runs
 * N werift NodeAudioClients against the server, each playing a speech loop in real time, and
 * reports its own CPU use so the parent can tell when the clients, not the server, are the limit.
 *
 * Protocol (IPC messages):
 *   parent → child  { type: "start", url, n, fixture }   connect n clients and start playing
 *   child → parent  { type: "started", connected, failed, connectMs }
 *   parent → child  { type: "mark" }                     start of the measured window
 *   parent → child  { type: "stop" }                     stop playing, close every client
 *   child → parent  { type: "stopped", ...LoadStats }
 *   parent → child  { type: "exit" }
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { readWavFile } from "../src/audio/wav.js";
import { NodeAudioClient } from "../src/client/node.js";

export type ToChild =
  | { type: "start"; url: string; n: number; fixture: string }
  | { type: "mark" }
  | { type: "stop" }
  | { type: "exit" };

export interface LoadStats {
  /** Client process CPU over the measured window, % of one core. */
  cpuPct: number;
  /** Client event-loop delay over the measured window, ms. */
  loopP99: number;
  /** How late the 20 ms send ticks ran over the window (p99, ms): > 20 means bursts. */
  tickLateP99: number;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
}

export type FromChild =
  | { type: "started"; connected: number; failed: number; connectMs: number }
  | ({ type: "stopped" } & LoadStats)
  | { type: "error"; message: string };

const send = (m: FromChild) => process.send?.(m);

/** Connects at most this many clients at once. */
const CONNECT_BATCH = 8;

let clients: NodeAudioClient[] = [];
let stopPlaying: AbortController | null = null;
let playing: Promise<void>[] = [];
let markCpu: NodeJS.CpuUsage | null = null;
let markAt = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let tickLate: number[] = [];
let measuring = false;

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.99 * (s.length - 1)))] ?? 0;
}

/** Plays `audio` in a loop from `offset`, 20 ms per frame, drift-corrected, until aborted. */
async function playLoop(
  client: NodeAudioClient,
  audio: Int16Array,
  rate: number,
  offset: number,
  signal: AbortSignal,
): Promise<void> {
  const frame = rate / 50;
  const frames = Math.floor(audio.length / frame);
  let k = 0;
  const start = performance.now();
  while (!signal.aborted && client.state === "connected") {
    const due = start + k * 20;
    const late = performance.now() - due;
    if (measuring) tickLate.push(late);
    const f = (offset + k) % frames;
    try {
      client.sendAudio([rate, audio.subarray(f * frame, (f + 1) * frame)], {
        discontinuity: k === 0,
      });
    } catch {
      return;
    }
    k++;
    const wait = start + k * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (k % 8 === 0) await new Promise((r) => setImmediate(r));
  }
}

async function start(url: string, n: number, fixture: string): Promise<void> {
  const wav = await readWavFile(fixture);
  const audio = wav.samples as Int16Array;
  const rate = wav.sampleRate;
  const frames = Math.floor(audio.length / (rate / 50));
  const t0 = performance.now();
  let failed = 0;
  const connected: NodeAudioClient[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    const batch = Array.from(
      { length: Math.min(CONNECT_BATCH, n - i) },
      () => new NodeAudioClient({ url, trickle: false, connectTimeoutMs: 20_000 }),
    );
    clients.push(...batch);
    const results = await Promise.allSettled(batch.map((c) => c.connect()));
    results.forEach((r, j) => {
      if (r.status === "fulfilled") connected.push(batch[j] as NodeAudioClient);
      else failed++;
    });
  }
  const connectMs = performance.now() - t0;
  stopPlaying = new AbortController();
  const signal = stopPlaying.signal;
  // Spread the clients over the loop (turns and VAD chunks do not line up) and over the 20 ms
  // tick (packets do not arrive in bursts).
  playing = connected.map(async (c, i) => {
    await new Promise((r) => setTimeout(r, (20 * i) / connected.length));
    await playLoop(c, audio, rate, Math.floor((i * frames) / connected.length), signal);
  });
  send({ type: "started", connected: connected.length, failed, connectMs });
}

async function stop(): Promise<void> {
  measuring = false;
  const cpu = markCpu ? process.cpuUsage(markCpu) : { user: 0, system: 0 };
  const wall = performance.now() - markAt;
  loopDelay.disable();
  stopPlaying?.abort();
  await Promise.allSettled(playing);
  const stats: LoadStats = {
    cpuPct: wall > 0 ? ((cpu.user + cpu.system) / 1000 / wall) * 100 : 0,
    loopP99: loopDelay.percentile(99) / 1e6,
    tickLateP99: p99(tickLate),
    packetsSent: clients.reduce((s, c) => s + c.packetsSent, 0),
    packetsReceived: clients.reduce((s, c) => s + c.packetsReceived, 0),
    packetsLost: clients.reduce((s, c) => s + c.packetsLost, 0),
  };
  await Promise.allSettled(clients.map((c) => c.stop()));
  clients = [];
  playing = [];
  tickLate = [];
  send({ type: "stopped", ...stats });
}

process.on("message", (m: ToChild) => {
  const fail = (err: unknown) =>
    send({ type: "error", message: err instanceof Error ? err.message : String(err) });
  switch (m.type) {
    case "start":
      start(m.url, m.n, m.fixture).catch(fail);
      break;
    case "mark":
      markCpu = process.cpuUsage();
      markAt = performance.now();
      loopDelay.reset();
      loopDelay.enable();
      tickLate = [];
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

// The parent went away: leave too (werift sockets would keep the process alive).
process.on("disconnect", () => {
  void Promise.allSettled(clients.map((c) => c.stop())).then(() => process.exit(0));
});
