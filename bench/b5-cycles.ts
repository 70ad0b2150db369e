/**
 * B5 drift load child (started by b5-drift.ts with `child_process.fork`): runs connect/disconnect
 * cycles against the server, `parallel` at a time. One cycle: connect (WebRTC: werift
 * `NodeAudioClient`; WebSocket: `NodeWebSocketClient`, FastRTC's WebSocket protocol; Twilio:
 * `TwilioCallSimulator` against `/telephone/handler`), send "Hello can you hear me" (1.4 s of
 * synthetic/48k/two_turns.wav; µ-law at 8 kHz for Twilio) in real time, 20 ms frames, then
 * silence until the first reply frame louder than {@link REPLY_DB} arrives (or
 * `replyTimeoutMs`), stop, then ask the parent to wait until the server freed the slot.
 *
 * Protocol (IPC messages):
 *   parent → child  { type: "cycles", transport, url, from, count, parallel, replyTimeoutMs }
 *   child → parent  { type: "ended", id }          the client stopped; wait for the slot
 *   parent → child  { type: "freed", id, ok }      the server freed it (ok: false = timed out)
 *   child → parent  { type: "cycled", ...CycleSummary }
 *   parent → child  { type: "exit" }
 */
import { muLawDecode, muLawEncode } from "../src/audio/g711.js";
import { levelDb } from "../src/audio/level.js";
import { resampleInt16 } from "../src/audio/resample.js";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import { readWavFile } from "../src/audio/wav.js";
import { NodeAudioClient, NodeWebSocketClient } from "../src/client/node.js";
import { TwilioCallSimulator } from "../src/transports/telephone/testing/twilioSimulator.js";
import { emptySummary } from "./b5-common.js";

export type Transport = "webrtc" | "websocket" | "twilio";

export interface CyclesRequest {
  type: "cycles";
  transport: Transport;
  /** WebRTC and WebSocket: the server's base URL; Twilio: the `/telephone/handler` ws URL. */
  url: string;
  /** Index of the first cycle (ids are `b5-<transport>-<index>`). */
  from: number;
  count: number;
  parallel: number;
  replyTimeoutMs: number;
}

/** What a batch of cycles did. */
export interface CycleSummary {
  cycles: number;
  /** Cycles that got reply audio (louder than {@link REPLY_DB}) back. */
  replied: number;
  /** Cycles that received some audio from the server (media flowing). */
  mediaFlowing: number;
  /** Cycles whose connect failed or threw. */
  failed: number;
  /** Cycles whose slot was still held when the parent gave up waiting. */
  slotTimeouts: number;
  /** Sums over the cycles, ms (divide by `cycles` or `replied`). */
  connectMsSum: number;
  replyMsSum: number;
  cycleMsSum: number;
  firstError: string | null;
}

/** A reply frame counts as reply audio above this level (the speech clip is around −20 dBFS). */
const REPLY_DB = -45;
const FRAME_MS = 20;
const FIXTURE = "synthetic/48k/two_turns.wav";
/**
 * "Hello can you hear me" is at 0.5–1.777 s of the fixture. (Tried: "hey" alone took ~0.9 s
 * more to be answered, so no shorter cycle.)
 */
const CLIP_S = [0.4, 1.8] as const;

interface Clip {
  /** 20 ms frames at 48 kHz. */
  pcm48: Int16Array[];
  /** 20 ms µ-law frames at 8 kHz. */
  mulaw8: Uint8Array[];
}

async function loadClip(): Promise<Clip> {
  const wav = await readWavFile(fixturePath(FIXTURE));
  if (wav.sampleRate !== 48000) throw new Error(`${FIXTURE}: need 48 kHz`);
  const all = wav.samples as Int16Array;
  const clip = all.slice(Math.round(CLIP_S[0] * 48000), Math.round(CLIP_S[1] * 48000));
  const frames = Math.floor(clip.length / 960);
  const pcm48 = Array.from({ length: frames }, (_, i) => clip.slice(i * 960, (i + 1) * 960));
  const ulaw = muLawEncode(resampleInt16(clip, 48000, 8000));
  const mulaw8 = Array.from({ length: frames }, (_, i) => ulaw.slice(i * 160, (i + 1) * 160));
  return { pcm48, mulaw8 };
}

/** One client of a cycle, whatever the transport. */
interface CycleClient {
  readonly id: string;
  connect(): Promise<void>;
  /** Sends speech frame `k`, or silence when `k` is past the clip. */
  send(k: number): void;
  readonly replied: boolean;
  readonly heard: number;
  stop(): Promise<void>;
}

const SILENCE_48 = new Int16Array(960);
const SILENCE_ULAW = new Uint8Array(160).fill(0xff);

function makeClient(t: Transport, url: string, id: string, clip: Clip): CycleClient {
  let replied = false;
  let heard = 0;
  const onAudio = (samples: Int16Array) => {
    heard++;
    if (!replied && levelDb(samples) > REPLY_DB) replied = true;
  };
  if (t === "webrtc") {
    const c = new NodeAudioClient({ url, webrtcId: id, trickle: false, connectTimeoutMs: 20_000 });
    c.on("audio", (a) => {
      if (!a.concealed) onAudio(a.samples);
    });
    return {
      id,
      connect: () => c.connect(),
      send(k) {
        if (c.state === "connected") {
          c.sendAudio([48000, clip.pcm48[k] ?? SILENCE_48], { discontinuity: k === 0 });
        }
      },
      get replied() {
        return replied;
      },
      get heard() {
        return heard;
      },
      stop: () => c.stop(),
    };
  }
  if (t === "websocket") {
    const c = new NodeWebSocketClient({ url, websocketId: id, collectAudio: false });
    c.on("audio", (a) => onAudio(a.samples));
    return {
      id,
      connect: () => c.connect(),
      send(k) {
        if (c.state === "connected") c.sendAudio(clip.pcm48[k] ?? SILENCE_48, 48000);
      },
      get replied() {
        return replied;
      },
      get heard() {
        return heard;
      },
      stop: () => c.stop(),
    };
  }
  const sim = new TwilioCallSimulator({ url, streamSid: id });
  let seen = 0;
  const poll = () => {
    const media = sim.receivedMedia;
    for (; seen < media.length; seen++)
      onAudio(muLawDecode((media[seen] as { bytes: Uint8Array }).bytes));
  };
  return {
    id,
    connect: () => sim.connect(),
    send(k) {
      poll();
      if (sim.isOpen) {
        void sim
          .sendAudio({ mulaw: clip.mulaw8[k] ?? SILENCE_ULAW }, { pace: "fast" })
          .catch(() => {});
      }
    },
    get replied() {
      poll();
      return replied;
    },
    get heard() {
      poll();
      return heard;
    },
    stop: () => sim.stop(),
  };
}

const send = (m: object) => process.send?.(m);

/** Resolvers of the parent's `freed` answers, by id. */
const freedWaiters = new Map<string, (ok: boolean) => void>();

function waitFreed(id: string): Promise<boolean> {
  return new Promise((resolve) => {
    freedWaiters.set(id, resolve);
    send({ type: "ended", id });
  });
}

async function runCycles(r: CyclesRequest, clip: Clip): Promise<CycleSummary> {
  const s = emptySummary();
  const speechFrames = clip.pcm48.length;
  const maxFrames = speechFrames + Math.ceil(r.replyTimeoutMs / FRAME_MS);
  let next = r.from;
  const end = r.from + r.count;
  // Twilio stream sids look like Twilio's (MZ + 32 hex digits); the others are readable.
  const idOf = (i: number) =>
    r.transport === "twilio"
      ? `MZ${i.toString(16).padStart(32, "0")}`
      : `b5-${r.transport}-${String(i)}`;

  async function cycle(i: number): Promise<void> {
    const t0 = performance.now();
    const c = makeClient(r.transport, r.url, idOf(i), clip);
    try {
      await c.connect();
      const t1 = performance.now();
      s.connectMsSum += t1 - t0;
      const start = performance.now();
      let k = 0;
      for (; k < maxFrames; k++) {
        if (k >= speechFrames && c.replied) break;
        c.send(k);
        const wait = start + (k + 1) * FRAME_MS - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      }
      if (c.replied) {
        s.replied++;
        s.replyMsSum += performance.now() - (start + speechFrames * FRAME_MS);
      }
      if (c.heard > 0) s.mediaFlowing++;
    } catch (err) {
      s.failed++;
      s.firstError ??= err instanceof Error ? err.message : String(err);
    }
    await c.stop().catch(() => {});
    if (!(await waitFreed(c.id))) s.slotTimeouts++;
    s.cycles++;
    s.cycleMsSum += performance.now() - t0;
  }

  async function worker(): Promise<void> {
    while (next < end) await cycle(next++);
  }
  await Promise.all(Array.from({ length: Math.max(1, r.parallel) }, worker));
  return s;
}

let clipP: Promise<Clip> | null = null;

process.on("message", (m: { type: string; id?: string; ok?: boolean }) => {
  if (m.type === "cycles") {
    clipP ??= loadClip();
    clipP
      .then((clip) => runCycles(m as unknown as CyclesRequest, clip))
      .then((summary) => send({ type: "cycled", ...summary }))
      .catch((err: unknown) =>
        send({ type: "error", message: err instanceof Error ? err.message : String(err) }),
      );
  } else if (m.type === "freed") {
    const id = String(m.id);
    const resolve = freedWaiters.get(id);
    freedWaiters.delete(id);
    resolve?.(m.ok === true);
  } else if (m.type === "exit") {
    process.disconnect?.();
  }
});

// The parent went away: leave (open sockets would keep the process alive).
process.on("disconnect", () => process.exit(0));
