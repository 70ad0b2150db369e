/**
 * B10 — barge-in at speech onset, measured at the client, over the three transports:
 * WebSocket (`/websocket/offer`, `NodeWebSocketClient`), Twilio (`TwilioCallSimulator` on
 * `/telephone/handler`) and WebRTC (werift `NodeAudioClient`).
 *
 * One server: `new ReplyOnPause(reply)` with its defaults (streaming end-of-turn policy, real
 * Silero v6.2 frame VAD, onset barge-in). The reply is 8 s of audio yielded at once in 0.5 s
 * chunks: a 440 Hz tone (the interruption and noise phases: every received frame is either
 * clearly reply or clearly not, so "the frames stopped" is exact) or real speech (the echo
 * phase: Silero has to hear the echo as speech for the echo guard to matter).
 *
 * The client is a microphone that sends a 20 ms frame every 20 ms, always (silence when the
 * person says nothing), into which the bench mixes what the person says and, in the echo phase,
 * the received reply audio 100 ms later at −25 dB (a loudspeaker next to the microphone, no echo
 * cancellation; on WebSocket and Twilio the audio received ahead is laid out end to end like a
 * player would, and what a `clear` throws away is taken out of the echo too).
 *
 * Phases, per transport, on one connection:
 *
 * 1. **Interruptions**: the person says something (a turn); once the reply has played for
 *    0.4–0.7 s they speak over it (1.5 s of real speech: excerpts of three recordings). The
 *    onset is the first 10 ms of the excerpt above −30 dBFS, at the instant the microphone
 *    "hears" it (the frame carrying it leaves up to 20 ms later, like a real capture). Measured:
 *    onset → the last reply frame received before the reply stops (a gap ≥ 150 ms) and, on
 *    WebSocket and Twilio, onset → `clear` (the client drops what it buffered: the person stops
 *    hearing the reply there). The interruption is itself the next turn: its reply is the next
 *    trial's.
 * 2. **Noise bursts**: during a tone reply (the last interruption's), 150 ms bursts every 1.2 s (white noise at −20 dBFS
 *    and a cough-like burst: noise shaped by a fast attack and a decay, band-limited). Counted:
 *    bursts after which the reply was dropped (server `interrupted`), pauses (server
 *    `playback_paused` → `playback_resumed`, and client-side, the longest hole in the reply).
 * 3. **Echo**: one speech reply played in full with its own echo in the microphone.
 *
 * Server events (`stream.on("turn")`) are recorded for the cross-check column (server
 * `playback_paused` − onset).
 */

import { muLawDecode } from "../src/audio/g711.js";
import { resampleInt16 } from "../src/audio/resample.js";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { readWavAsChunk } from "../src/audio/wav.js";
import { NodeAudioClient, NodeWebSocketClient } from "../src/client/node.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { Stream } from "../src/server/Stream.js";
import type { TurnEvent } from "../src/server/streamEvents.js";
import type { LaunchedServer } from "../src/server/streamTypes.js";
import { seeded } from "../src/testing/prng.js";
import { TwilioCallSimulator } from "../src/transports/telephone/testing/twilioSimulator.js";
import { type BenchReport, percentile } from "./report.js";

const RATE = 16_000;
const FRAME = RATE / 50; // 20 ms
const REPLY_S = 8;
const TRIALS = 10;
const BURSTS = 6;
const ECHO_REPLIES = 1;
const ECHO_GAIN = 10 ** (-25 / 20);
const ECHO_DELAY_MS = 100;
/** A received frame is reply audio above this RMS (the tone is ~5,700). */
const LOUD_RMS = 1500;
/** A hole this long in the received reply frames counts as "stopped". */
const STOP_GAP_MS = 150;

type Transport = "websocket" | "twilio" | "webrtc";
const SERVER_KIND: Record<Transport, TurnEvent["transport"]> = {
  websocket: "websocket",
  twilio: "telephone",
  webrtc: "webrtc",
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return x.length === 0 ? 0 : Math.sqrt(s / x.length);
}

function mono16k([rate, samples]: AudioChunk): Int16Array {
  const pcm = samples instanceof Int16Array ? samples : Int16Array.from(samples, (v) => v * 32767);
  return rate === RATE ? pcm : resampleInt16(pcm, rate, RATE);
}

/** First 10 ms frame above −30 dBFS, in samples. */
function onsetOf(x: Int16Array): number {
  const win = RATE / 100;
  const thr = 32768 * 10 ** (-30 / 20);
  for (let i = 0; i + win <= x.length; i += win) if (rms(x.subarray(i, i + win)) > thr) return i;
  return 0;
}

/** A clip that starts 200 ms before its speech onset; `onset` is where the speech starts. */
interface Clip {
  name: string;
  samples: Int16Array;
  onset: number;
}

function excerpt(name: string, x: Int16Array, seconds: number): Clip {
  const on = onsetOf(x);
  const from = Math.max(0, on - RATE / 5);
  const samples = x.slice(from, Math.min(x.length, on + seconds * RATE));
  return { name, samples, onset: on - from };
}

/** 150 ms bursts: white noise at −20 dBFS, or cough-like (attack 10 ms, decay, low-passed). */
function noiseBurst(kind: "white" | "cough", seed: number): Clip {
  const n = Math.round(0.15 * RATE);
  const rand = seeded(seed);
  const out = new Int16Array(n);
  let lp = 0;
  for (let i = 0; i < n; i++) {
    const white = rand() * 2 - 1;
    if (kind === "white") {
      out[i] = Math.round(white * 32767 * 0.1 * Math.sqrt(3));
    } else {
      lp += 0.25 * (white - lp); // one-pole low-pass: a breathy, dull burst
      const t = i / RATE;
      const env = Math.min(1, t / 0.01) * Math.exp(-t / 0.05);
      out[i] = Math.round(Math.max(-1, Math.min(1, lp * 4 * env)) * 32767 * 0.5);
    }
  }
  return { name: kind, samples: out, onset: 0 };
}

/** What a transport gives the microphone: send one 20 ms frame; received audio as it comes. */
interface Link {
  send(frame: Int16Array): void;
  /** Called by the transport with received audio at 16 kHz. */
  onAudio: (at: number, samples: Int16Array) => void;
  /** Called by the transport when a `clear` arrives. */
  onClear: (at: number) => void;
  /** Polled every tick (Twilio's simulator has no events). */
  poll(): void;
  close(): Promise<void>;
}

interface RxFrame {
  at: number;
  rms: number;
}

/**
 * A microphone on a 20 ms drift-corrected timer: each tick sends what the person says (if
 * anything) plus the echo of the received reply.
 */
class Mic {
  readonly rx: RxFrame[] = [];
  readonly clears: number[] = [];
  readonly #link: Link;
  readonly #start = performance.now();
  #k = 0;
  #running = true;
  #loop: Promise<void>;
  /** Scheduled speech: absolute sample index → clip. */
  #clips: Array<{ from: number; samples: Int16Array }> = [];
  /** Echo timeline: absolute mic sample index → echo sample (Float32 at gain). */
  #echo = new Map<number, Float32Array>();
  #echoEnd = 0;
  echoOn = false;

  constructor(link: Link) {
    this.#link = link;
    link.onAudio = (at, samples) => this.#received(at, samples);
    link.onClear = (at) => this.#cleared(at);
    this.#loop = this.#run();
  }

  #received(at: number, samples: Int16Array): void {
    // Received audio arrives in 20 ms frames (or at once, sent ahead); score it per 20 ms.
    for (let i = 0; i < samples.length; i += FRAME) {
      this.rx.push({ at, rms: rms(samples.subarray(i, i + FRAME)) });
    }
    if (!this.echoOn) return;
    const due = Math.round(((at + ECHO_DELAY_MS - this.#start) * RATE) / 1000);
    const from = Math.max(due, this.#echoEnd);
    const block = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) block[i] = (samples[i] ?? 0) * ECHO_GAIN;
    this.#echo.set(from, block);
    this.#echoEnd = from + samples.length;
  }

  #cleared(at: number): void {
    this.clears.push(at);
    // The player drops what it had not played: that audio never reaches the speaker.
    const cut = Math.round(((at + ECHO_DELAY_MS - this.#start) * RATE) / 1000);
    for (const [from, block] of this.#echo) {
      if (from >= cut) this.#echo.delete(from);
      else if (from + block.length > cut) this.#echo.set(from, block.subarray(0, cut - from));
    }
    this.#echoEnd = Math.min(this.#echoEnd, cut);
  }

  /** Mic time (performance.now) of absolute sample `i`. */
  timeOf(i: number): number {
    return this.#start + (i * 1000) / RATE;
  }

  /**
   * Schedules `clip` at the next frame boundary. Resolves with the onset instant once the
   * whole clip has been sent.
   */
  say(clip: Clip): { onsetAt: number; endAt: number; done: Promise<void> } {
    const from = (this.#k + 1) * FRAME;
    this.#clips.push({ from, samples: clip.samples });
    const endAt = this.timeOf(from + clip.samples.length);
    return {
      onsetAt: this.timeOf(from + clip.onset),
      endAt,
      done: sleep(endAt - performance.now() + 25),
    };
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const k = this.#k;
      const from = k * FRAME;
      const mix = new Float32Array(FRAME);
      for (const c of this.#clips) {
        const a = Math.max(from, c.from);
        const b = Math.min(from + FRAME, c.from + c.samples.length);
        for (let i = a; i < b; i++)
          mix[i - from] = (mix[i - from] ?? 0) + (c.samples[i - c.from] ?? 0);
      }
      this.#clips = this.#clips.filter((c) => c.from + c.samples.length > from + FRAME);
      for (const [start, block] of this.#echo) {
        const a = Math.max(from, start);
        const b = Math.min(from + FRAME, start + block.length);
        for (let i = a; i < b; i++) mix[i - from] = (mix[i - from] ?? 0) + (block[i - start] ?? 0);
        if (start + block.length <= from + FRAME) this.#echo.delete(start);
      }
      const frame = new Int16Array(FRAME);
      for (let i = 0; i < FRAME; i++)
        frame[i] = Math.max(-32768, Math.min(32767, Math.round(mix[i] ?? 0)));
      // Frame k is "captured" over [k·20, (k+1)·20) ms and leaves at its end.
      await sleep(this.timeOf(from + FRAME) - performance.now());
      if (!this.#running) break;
      try {
        this.#link.poll();
        this.#link.send(frame);
      } catch {
        // the connection went away; the phase will notice
      }
      this.#k++;
    }
  }

  /** Loud received frames (reply audio) in [from, to). */
  loud(from: number, to = Number.POSITIVE_INFINITY): RxFrame[] {
    return this.rx.filter((f) => f.rms > LOUD_RMS && f.at >= from && f.at < to);
  }

  async waitLoud(after: number, timeoutMs: number): Promise<number> {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      const f = this.rx.find((x) => x.rms > LOUD_RMS && x.at > after);
      if (f) return f.at;
      await sleep(20);
    }
    throw new Error("no reply audio");
  }

  async close(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#link.close();
  }
}

// ---- transports ---------------------------------------------------------------------------

async function wsLink(server: LaunchedServer): Promise<Link> {
  const client = new NodeWebSocketClient({ url: server.url, collectAudio: false });
  const link: Link = {
    send: (f) => client.sendAudio(f, RATE),
    onAudio: () => {},
    onClear: () => {},
    poll: () => {},
    close: () => client.stop(),
  };
  client.on("audio", (a) =>
    link.onAudio(a.receivedAt, resampleInt16(a.samples, a.sampleRate, RATE)),
  );
  client.on("clear", (c) => link.onClear(c.receivedAt));
  await client.connect();
  return link;
}

async function twilioLink(server: LaunchedServer): Promise<Link> {
  const sim = new TwilioCallSimulator({
    url: `${server.url.replace(/^http/, "ws")}/telephone/handler`,
  });
  await sim.connect();
  let media = 0;
  let clears = 0;
  const link: Link = {
    send: (f) => void sim.sendAudio(resampleInt16(f, RATE, 8000), { pace: "fast" }),
    onAudio: () => {},
    onClear: () => {},
    poll: () => {
      for (; media < sim.receivedMedia.length; media++) {
        const m = sim.receivedMedia[media];
        if (m?.accepted) link.onAudio(m.at, resampleInt16(muLawDecode(m.bytes), 8000, RATE));
      }
      for (; clears < sim.clears.length; clears++) link.onClear(sim.clears[clears]?.at ?? 0);
    },
    close: () => sim.close(),
  };
  return link;
}

async function webrtcLink(server: LaunchedServer): Promise<Link> {
  const client = new NodeAudioClient({ url: server.url, trickle: false, connectTimeoutMs: 15_000 });
  const link: Link = {
    send: (f) => void client.sendAudio([RATE, f]),
    onAudio: () => {},
    onClear: () => {},
    poll: () => {},
    close: () => client.stop(),
  };
  client.on("audio", (a) => {
    if (!a.concealed) link.onAudio(a.receivedAt, resampleInt16(a.samples, a.sampleRate, RATE));
  });
  await client.connect();
  return link;
}

// ---- phases -------------------------------------------------------------------------------

interface Interruption {
  onsetToStopMs: number | null;
  onsetToLastFrameMs: number | null;
  onsetToClearMs: number | null;
  serverPauseMs: number | null;
  committed: boolean;
}

interface Disturbance {
  dropped: boolean;
  pauses: number[];
  longestHoleMs: number;
  replyHeardS: number;
}

interface TransportResult {
  transport: Transport;
  interruptions: Interruption[];
  noise: Disturbance[];
  echo: Disturbance[];
  errors: string[];
}

/** The first hole ≥ STOP_GAP_MS in loud frames after `onset`: the last frame before it. */
function lastFrameBeforeStop(mic: Mic, onset: number, until: number): number | null {
  const loud = mic.loud(onset - 40, until);
  for (let i = 0; i < loud.length; i++) {
    const cur = loud[i] as RxFrame;
    const next = loud[i + 1];
    if (next === undefined || next.at - cur.at >= STOP_GAP_MS) return cur.at;
  }
  return null;
}

function serverEvents(
  events: TurnEvent[],
  transport: Transport,
  from: number,
  to: number,
  type: TurnEvent["type"],
): TurnEvent[] {
  return events.filter(
    (e) => e.transport === SERVER_KIND[transport] && e.type === type && e.at >= from && e.at < to,
  );
}

async function runTransport(
  transport: Transport,
  server: LaunchedServer,
  events: TurnEvent[],
  setReply: (kind: "tone" | "speech") => void,
  clips: { turn: Clip; interruptions: Clip[] },
): Promise<TransportResult> {
  const res: TransportResult = { transport, interruptions: [], noise: [], echo: [], errors: [] };
  const link =
    transport === "websocket"
      ? await wsLink(server)
      : transport === "twilio"
        ? await twilioLink(server)
        : await webrtcLink(server);
  const mic = new Mic(link);
  const jitter = seeded(transport.length * 7919);
  try {
    await sleep(500);
    // 1. interruptions
    setReply("tone");
    let said = mic.say(clips.turn);
    await said.done;
    for (let t = 0; t < TRIALS; t++) {
      const replyAt = await mic.waitLoud(said.endAt, 10_000);
      await sleep(replyAt + 400 + jitter() * 300 - performance.now());
      const clip = clips.interruptions[t % clips.interruptions.length] as Clip;
      said = mic.say(clip);
      const onset = said.onsetAt;
      await said.done;
      await sleep(200);
      const clear = mic.clears.find((c) => c >= onset - 20) ?? null;
      const last = lastFrameBeforeStop(mic, onset, performance.now());
      const paused = serverEvents(
        events,
        transport,
        onset - 200,
        performance.now(),
        "playback_paused",
      );
      const committed =
        serverEvents(events, transport, onset - 200, performance.now(), "interrupted").length > 0;
      const stopAt = transport === "webrtc" ? last : clear;
      res.interruptions.push({
        onsetToStopMs: stopAt === null ? null : stopAt - onset,
        onsetToLastFrameMs: last === null ? null : last - onset,
        onsetToClearMs: clear === null ? null : clear - onset,
        serverPauseMs: paused[0] ? paused[0].at - onset : null,
        committed,
      });
    }
    // 2. noise bursts over a tone reply: the last interruption's reply, BURSTS bursts
    {
      const start = await mic.waitLoud(said.endAt, 10_000);
      const bursts: number[] = [];
      for (let b = 0; b < BURSTS; b++) {
        await sleep(start + 600 + b * 1200 - performance.now());
        const n = noiseBurst(b % 2 === 0 ? "white" : "cough", b + 1);
        bursts.push(mic.say(n).onsetAt);
      }
      const end = await waitQuiet(mic, start, REPLY_S * 1000 + 6000);
      for (let b = 0; b < bursts.length; b++) {
        const from = bursts[b] as number;
        const to = bursts[b + 1] ?? end;
        res.noise.push(disturbance(mic, events, transport, from, to, b === 0 ? start : from));
      }
      const first = res.noise[0];
      if (first) first.replyHeardS = (mic.loud(start, end).length * 20) / 1000;
    }

    // 3. echo: a speech reply with its own echo at −25 dB, 100 ms late
    setReply("speech");
    for (let r = 0; r < ECHO_REPLIES; r++) {
      said = mic.say(clips.turn);
      await said.done;
      mic.echoOn = true;
      const start = await mic.waitLoud(said.endAt, 10_000);
      const end = await waitQuiet(mic, start, REPLY_S * 1000 + 6000, 1200);
      mic.echoOn = false;
      const d = disturbance(mic, events, transport, start, end, start);
      d.replyHeardS = heardSpeechS(mic, start, end);
      res.echo.push(d);
      await sleep(300);
    }
  } catch (err) {
    res.errors.push(String(err));
  } finally {
    await mic.close().catch(() => {});
  }
  return res;
}

/** Seconds of reply (any frame above silence) received in [from, to). */
function heardSpeechS(mic: Mic, from: number, to: number): number {
  return mic.rx.filter((f) => f.at >= from && f.at < to && f.rms > 30).length * 0.02;
}

/** Waits until no loud frame arrived for `quietMs` (the reply is over); returns that moment. */
async function waitQuiet(
  mic: Mic,
  from: number,
  timeoutMs: number,
  quietMs = 800,
): Promise<number> {
  const end = performance.now() + timeoutMs;
  const level = (f: RxFrame) => f.rms > (mic.echoOn ? 30 : LOUD_RMS);
  while (performance.now() < end) {
    const last = [...mic.rx].reverse().find((f) => f.at >= from && level(f));
    if (last && performance.now() - last.at > quietMs) return last.at + 20;
    await sleep(50);
  }
  return performance.now();
}

function disturbance(
  mic: Mic,
  events: TurnEvent[],
  transport: Transport,
  from: number,
  to: number,
  holesFrom: number,
): Disturbance {
  const paused = serverEvents(events, transport, from - 50, to, "playback_paused");
  const resumed = serverEvents(events, transport, from - 50, to + 1000, "playback_resumed");
  const pauses = paused.map((p) => {
    const r = resumed.find((x) => x.at >= p.at);
    return r ? r.at - p.at : Number.POSITIVE_INFINITY;
  });
  const loud = mic.loud(holesFrom, to);
  let hole = 0;
  for (let i = 1; i < loud.length; i++)
    hole = Math.max(hole, (loud[i]?.at ?? 0) - (loud[i - 1]?.at ?? 0) - 20);
  return {
    dropped: serverEvents(events, transport, from - 50, to, "interrupted").length > 0,
    pauses,
    longestHoleMs: hole,
    replyHeardS: 0,
  };
}

// ---- report -------------------------------------------------------------------------------

const r1 = (v: number | null) => (v === null ? null : Math.round(v));

export async function run(): Promise<BenchReport[]> {
  const leopard = mono16k(await readWavAsChunk(fixturePath("leopard__test.wav")));
  const fastrtc = mono16k(await readWavAsChunk(fixturePath("fastrtc__test_file.wav")));
  const cheetah = mono16k(await readWavAsChunk(fixturePath("cheetah__test_fr.wav")));
  const speechbrain = mono16k(await readWavAsChunk(fixturePath("speechbrain__vad_train.wav")));
  const clips = {
    turn: excerpt("leopard 2 s", leopard, 2),
    interruptions: [
      excerpt("fastrtc 1.5 s", fastrtc, 1.5),
      excerpt("cheetah 1.5 s", cheetah, 1.5),
      excerpt("leopard@3s 1.5 s", leopard.subarray(Math.round(2.9 * RATE)), 1.5),
    ],
  };
  // The speech reply: the recordings end to end, cut to 8 s.
  const speechReply = new Int16Array(REPLY_S * RATE);
  {
    let at = 0;
    for (const src of [fastrtc.subarray(onsetOf(fastrtc)), speechbrain, cheetah]) {
      const n = Math.min(src.length, speechReply.length - at);
      speechReply.set(src.subarray(0, n), at);
      at += n;
      if (at >= speechReply.length) break;
    }
  }
  const toneReply = new Int16Array(REPLY_S * RATE);
  for (let i = 0; i < toneReply.length; i++)
    toneReply[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / RATE));

  let replyKind: "tone" | "speech" = "tone";
  const handler = new ReplyOnPause(async function* () {
    const pcm = replyKind === "tone" ? toneReply : speechReply;
    for (let i = 0; i < pcm.length; i += RATE / 2)
      yield [RATE, pcm.slice(i, i + RATE / 2)] as AudioChunk;
  });
  const stream = new Stream({
    handler,
    modality: "audio",
    mode: "send-receive",
    telephone: { authToken: null, greeting: null },
  });
  const events: TurnEvent[] = [];
  stream.on("turn", (e) => events.push(e));
  const server = await stream.launch({ port: 0 });
  const started = performance.now();
  const results: TransportResult[] = [];
  try {
    for (const t of ["websocket", "twilio", "webrtc"] as const) {
      results.push(
        await runTransport(
          t,
          server,
          events,
          (k) => {
            replyKind = k;
          },
          clips,
        ),
      );
    }
  } finally {
    await server.close();
  }
  const wallS = (performance.now() - started) / 1000;

  const rows = results.map((r) => {
    const stops = r.interruptions.flatMap((i) =>
      i.onsetToStopMs === null ? [] : [i.onsetToStopMs],
    );
    const lasts = r.interruptions.flatMap((i) =>
      i.onsetToLastFrameMs === null ? [] : [i.onsetToLastFrameMs],
    );
    const serverP = r.interruptions.flatMap((i) =>
      i.serverPauseMs === null ? [] : [i.serverPauseMs],
    );
    return {
      transport: r.transport,
      trials: r.interruptions.length,
      stopped: stops.length,
      committed: r.interruptions.filter((i) => i.committed).length,
      "stop p50 ms": r1(percentile(stops, 50)),
      "stop p90 ms": r1(percentile(stops, 90)),
      "last frame p50 ms": r1(percentile(lasts, 50)),
      "last frame p90 ms": r1(percentile(lasts, 90)),
      "server pause p50 ms": r1(percentile(serverP, 50)),
    };
  });
  const dRows = results.flatMap((r) =>
    (["noise", "echo"] as const).map((kind) => {
      const ds = r[kind];
      const pauses = ds.flatMap((d) => d.pauses);
      return {
        transport: r.transport,
        disturbance: kind === "noise" ? `${BURSTS} bursts of 150 ms` : "echo −25 dB, 100 ms",
        trials: ds.length,
        "reply dropped": ds.filter((d) => d.dropped).length,
        pauses: pauses.length,
        "pause p50 ms": r1(percentile(pauses, 50)),
        "pause max ms": r1(pauses.length ? Math.max(...pauses) : null),
        "longest hole ms": r1(ds.length ? Math.max(...ds.map((d) => d.longestHoleMs)) : null),
        "reply heard s": ds
          .filter((d) => d.replyHeardS > 0)
          .map((d) => d.replyHeardS.toFixed(1))
          .join(" / "),
      };
    }),
  );
  const errors = results.flatMap((r) => r.errors.map((e) => `${r.transport}: ${e}`));
  return [
    {
      id: "B10",
      title: `barge-in: speech onset → reply frames stop, measured at the client (${TRIALS} interruptions per transport)`,
      columns: Object.keys(rows[0] ?? {}),
      rows,
      notes: [
        "stop = the client-side end of the reply: WebSocket and Twilio the `clear` message (the client drops its buffer), WebRTC the last reply frame received before a hole ≥ 150 ms",
        "last frame = the last reply frame received before the hole (WebSocket and Twilio send ~100 ms ahead, so it comes before the clear)",
        "server pause = the server's playback_paused event − the onset (same process, same clock)",
        "onset = first 10 ms above −30 dBFS in the interrupting speech, when the microphone hears it (the frame leaves ≤ 20 ms later)",
        `ReplyOnPause defaults: streaming policy, Silero v6.2 frames, barge-in pause 96 ms / commit 480 ms / resume 320 ms; reply ${REPLY_S} s tone`,
        `wall ${wallS.toFixed(0)} s`,
        ...results.map(
          (r) =>
            `${r.transport} per trial (stop/last frame/clear/server pause ms, committed): ${r.interruptions
              .map(
                (i) =>
                  `${r1(i.onsetToStopMs)}/${r1(i.onsetToLastFrameMs)}/${r1(i.onsetToClearMs)}/${r1(i.serverPauseMs)}${i.committed ? "" : " (not committed)"}`,
              )
              .join(", ")}`,
        ),
        ...errors,
      ],
    },
    {
      id: "B10n",
      title: "barge-in: noise bursts and the reply's own echo must not stop a reply for good",
      columns: Object.keys(dRows[0] ?? {}),
      rows: dRows,
      notes: [
        `noise: one ${REPLY_S} s tone reply (the last interruption's), ${BURSTS} bursts (white −20 dBFS / cough-like alternately), 1.2 s apart from 0.6 s; trials = bursts`,
        `echo: ${ECHO_REPLIES} ${REPLY_S} s speech reply (real recordings) fed back into the microphone at −25 dB, ${ECHO_DELAY_MS} ms late; trials = replies`,
        "reply dropped = the server reported `interrupted`; pauses = server playback_paused → playback_resumed",
        "longest hole = the longest gap in the received reply audio (client side); reply heard = seconds of reply received (more than 8 s when a pause re-sent what the client dropped)",
      ],
    },
  ];
}
