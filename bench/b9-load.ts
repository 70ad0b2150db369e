/**
 * B9 load generator (child process, started by b9-phone-capacity.ts with `child_process.fork`):
 * runs N `TwilioCallSimulator` calls against the server's `/telephone/handler`. Each call sends
 * `connected` and `start`, then one 160-byte µ-law `media` message every 20 ms (drift-corrected,
 * one timer loop per call, offsets spread over the 20 ms tick and over the audio loop): the
 * fixture followed by silence, in a loop. The simulator buffers the server's media in real time
 * and answers its marks, as Twilio does.
 *
 * Besides its own CPU use and send-tick lateness (to tell when the load generator is the limit),
 * the child reports what a caller would hear: from the arrival times of the server's media
 * messages it replays Twilio's buffer (each 20 ms payload plays after the previous one, or on
 * arrival when the buffer is empty) and counts the times the buffer ran dry inside a reply.
 *
 * Protocol (IPC messages):
 *   parent → child  { type: "start", url, n, fixture, silenceMs }  connect n calls, start talking
 *   child → parent  { type: "started", connected, failed, connectMs }
 *   parent → child  { type: "mark" }                               start of the measured window
 *   parent → child  { type: "stop" }                               hang up every call
 *   child → parent  { type: "stopped", ...LoadStats }
 *   parent → child  { type: "exit" }
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { muLawEncode } from "../src/audio/g711.js";
import { readWavAsChunk } from "../src/audio/wav.js";
import {
  TWILIO_FRAME_BYTES,
  TwilioCallSimulator,
} from "../src/transports/telephone/testing/twilioSimulator.js";
import { percentile } from "./report.js";

export type ToChild =
  | { type: "start"; url: string; n: number; fixture: string; silenceMs: number }
  | { type: "mark" }
  | { type: "stop" }
  | { type: "exit" };

export interface LoadStats {
  /** Client process CPU over the measured window, % of one core. */
  cpuPct: number;
  /** Client event-loop delay over the measured window (p99, ms). */
  loopP99: number;
  /** How late the 20 ms send ticks ran over the window (p99, ms). */
  tickLateP99: number;
  /** `media` messages sent / received over the window, all calls. */
  mediaSent: number;
  mediaReceived: number;
  /** Marks the simulators answered over the window; `clear`s received. */
  marksEchoed: number;
  clears: number;
  /** Server messages Twilio would reject (whole step). */
  protocolErrors: number;
  /** Times a call's playback buffer ran dry inside a reply, and the silence they made (ms). */
  underruns: number;
  underrunMs: number;
  /** Calls whose socket closed before `stop`. */
  closedEarly: number;
}

export type FromChild =
  | { type: "started"; connected: number; failed: number; connectMs: number }
  | ({ type: "stopped" } & LoadStats)
  | { type: "error"; message: string };

const send = (m: FromChild) => process.send?.(m);

/** Connects at most this many calls at once. */
const CONNECT_BATCH = 16;
/** Media arriving this long after the previous one starts a new reply (the session's re-anchor). */
const REPLY_GAP_MS = 200;
const MULAW_SILENCE = 0xff;

let calls: TwilioCallSimulator[] = [];
let stopPlaying: AbortController | null = null;
let playing: Promise<void>[] = [];
let markCpu: NodeJS.CpuUsage | null = null;
let markAt = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let tickLate: number[] = [];
let measuring = false;
let sentInWindow = 0;

/** The fixture (8 kHz) plus `silenceMs` of silence as µ-law, padded to whole 20 ms frames. */
async function loopAudio(fixture: string, silenceMs: number): Promise<Uint8Array> {
  const [rate, samples] = await readWavAsChunk(fixture);
  if (rate !== 8000) throw new Error(`${fixture}: need 8 kHz, got ${rate}`);
  const speech = muLawEncode(samples as Int16Array);
  const total = speech.length + Math.round((silenceMs * rate) / 1000);
  const out = new Uint8Array(Math.ceil(total / TWILIO_FRAME_BYTES) * TWILIO_FRAME_BYTES);
  out.fill(MULAW_SILENCE);
  out.set(speech);
  return out;
}

/** Sends `audio` in a loop from frame `offset`, one `media` message per 20 ms, until aborted. */
async function talk(
  call: TwilioCallSimulator,
  audio: Uint8Array,
  offset: number,
  signal: AbortSignal,
): Promise<void> {
  const frames = audio.length / TWILIO_FRAME_BYTES;
  let k = 0;
  const start = performance.now();
  while (!signal.aborted && call.isOpen) {
    if (measuring) tickLate.push(performance.now() - (start + k * 20));
    const f = (offset + k) % frames;
    const mulaw = audio.subarray(f * TWILIO_FRAME_BYTES, (f + 1) * TWILIO_FRAME_BYTES);
    // "fast" = send now: the pacing is this loop's (the simulator's own real-time pacing would
    // work too, but then the send ticks could not be timed here).
    void call.sendAudio({ mulaw }, { pace: "fast" }).catch(() => {});
    if (measuring) sentInWindow++;
    k++;
    const wait = start + k * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (k % 8 === 0) await new Promise((r) => setImmediate(r));
  }
}

/**
 * Replays Twilio's playback buffer from the media arrival times: each payload plays after the
 * previous one, or on arrival when the buffer is empty. An empty buffer counts as an underrun
 * (from the mark on) when the payload came less than {@link REPLY_GAP_MS} after the previous one
 * (a longer silence is the server's own gap between replies: it re-anchors after 200 ms) and no
 * `clear` came in between.
 */
function underruns(call: TwilioCallSimulator): { count: number; ms: number } {
  let end = Number.NEGATIVE_INFINITY;
  let prev = Number.NEGATIVE_INFINITY;
  let count = 0;
  let ms = 0;
  const clears = call.clears.filter((c) => c.accepted).map((c) => c.at);
  let c = 0;
  for (const m of call.receivedMedia) {
    while (c < clears.length && (clears[c] ?? 0) <= m.at) {
      c++;
      prev = Number.NEGATIVE_INFINITY;
    }
    if (!m.accepted) continue;
    const gap = m.at - end;
    if (gap > 0.5) {
      if (m.at - prev <= REPLY_GAP_MS && m.at >= markAt) {
        count++;
        ms += gap;
      }
      end = m.at;
    }
    end += (m.samples / 8000) * 1000;
    prev = m.at;
  }
  return { count, ms };
}

/**
 * Drops what the simulators recorded so far (they keep every message), except the media of the
 * reply playing now: the playback replay needs the buffer level at the start of the window.
 */
function forget(call: TwilioCallSimulator): void {
  const media = call.receivedMedia;
  let from = media.length - 1;
  while (from > 0 && (media[from]?.at ?? 0) - (media[from - 1]?.at ?? 0) <= REPLY_GAP_MS) from--;
  const since = media[from]?.at ?? performance.now();
  media.splice(0, Math.max(0, from));
  const clears = call.clears.filter((c) => c.at >= since);
  call.clears.length = 0;
  call.clears.push(...clears);
  call.sent.length = 0;
  call.received.length = 0;
  call.marksEchoed.length = 0;
}

async function start(url: string, n: number, fixture: string, silenceMs: number): Promise<void> {
  const audio = await loopAudio(fixture, silenceMs);
  const frames = audio.length / TWILIO_FRAME_BYTES;
  const t0 = performance.now();
  let failed = 0;
  const connected: TwilioCallSimulator[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    const batch = Array.from(
      { length: Math.min(CONNECT_BATCH, n - i) },
      () => new TwilioCallSimulator({ url }),
    );
    calls.push(...batch);
    const results = await Promise.allSettled(batch.map((c) => c.connect()));
    results.forEach((r, j) => {
      if (r.status === "fulfilled") connected.push(batch[j] as TwilioCallSimulator);
      else failed++;
    });
  }
  const connectMs = performance.now() - t0;
  stopPlaying = new AbortController();
  const signal = stopPlaying.signal;
  playing = connected.map(async (c, i) => {
    await new Promise((r) => setTimeout(r, (20 * i) / connected.length));
    await talk(c, audio, Math.floor((i * frames) / connected.length), signal);
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
  const gaps = calls.map(underruns);
  const stats: LoadStats = {
    cpuPct: wall > 0 ? ((cpu.user + cpu.system) / 1000 / wall) * 100 : 0,
    loopP99: loopDelay.percentile(99) / 1e6,
    tickLateP99: percentile(tickLate, 99) ?? 0,
    mediaSent: sentInWindow,
    mediaReceived: calls.reduce(
      (s, c) => s + c.receivedMedia.filter((m) => m.at >= markAt).length,
      0,
    ),
    marksEchoed: calls.reduce((s, c) => s + c.marksEchoed.filter((m) => m.at >= markAt).length, 0),
    clears: calls.reduce((s, c) => s + c.clears.filter((m) => m.at >= markAt).length, 0),
    protocolErrors: calls.reduce(
      (s, c) => s + c.protocolErrors.filter((e) => e.kind !== "extra-field").length,
      0,
    ),
    underruns: gaps.reduce((s, g) => s + g.count, 0),
    underrunMs: gaps.reduce((s, g) => s + g.ms, 0),
    closedEarly: calls.filter((c) => c.closedAt !== undefined).length,
  };
  await Promise.allSettled(calls.map((c) => c.stop()));
  calls = [];
  playing = [];
  tickLate = [];
  sentInWindow = 0;
  send({ type: "stopped", ...stats });
}

process.on("message", (m: ToChild) => {
  const fail = (err: unknown) =>
    send({ type: "error", message: err instanceof Error ? err.message : String(err) });
  switch (m.type) {
    case "start":
      start(m.url, m.n, m.fixture, m.silenceMs).catch(fail);
      break;
    case "mark":
      for (const c of calls) forget(c);
      markCpu = process.cpuUsage();
      markAt = performance.now();
      loopDelay.reset();
      loopDelay.enable();
      tickLate = [];
      sentInWindow = 0;
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

// The parent went away: hang up and leave.
process.on("disconnect", () => {
  void Promise.allSettled(calls.map((c) => c.close())).then(() => process.exit(0));
});
