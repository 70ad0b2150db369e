/**
 * B4 load generator (child process, started by b4-capacity.ts with `child_process.fork`; the
 * protocol and the measuring are loadChild.ts's): runs N werift NodeAudioClients against the
 * server, each playing a speech loop in real time. Over the window it also records, per client,
 * the gap between the arrival of consecutive reply packets (the arrival time werift reports,
 * before the jitter buffer), what a listener's jitter buffer has to bridge.
 */
import { readWavFile } from "../src/audio/wav.js";
import { NodeAudioClient, type ReceivedAudio } from "../src/client/node.js";
import {
  type LoadChildStats,
  type LoadFromChild,
  type LoadToChild,
  runLoadChild,
} from "./loadChild.js";
import { percentile } from "./report.js";

/** Arrivals further apart than this belong to different replies (the session's re-anchor rule). */
const REPLY_GAP_MS = 200;

export type ToChild = LoadToChild<{ fixture: string }>;

interface ClientStats {
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  /** Gaps between consecutive reply packets at the clients over the window (ms), or null. */
  gapP50: number | null;
  gapP99: number | null;
  gapMax: number | null;
  gapCount: number;
}

export type LoadStats = LoadChildStats & ClientStats;

export type FromChild = LoadFromChild<ClientStats>;

/** The fixture's rate and its frame `f` (set by `prepare`). */
let sampleRate = 0;
let frameOf: (f: number) => Int16Array = () => new Int16Array(0);
/** Arrival gaps inside replies, all clients, since the mark. */
let gaps: number[] = [];
let measuringGaps = false;

/** A client that notes the arrival gaps of its reply packets while the window is open. */
function gapRecordingClient(url: string): NodeAudioClient {
  const client = new NodeAudioClient({ url, trickle: false, connectTimeoutMs: 20_000 });
  let last: number | null = null;
  client.on("audio", (a: ReceivedAudio) => {
    if (a.concealed) return;
    const gap = last === null ? null : a.receivedAt - last;
    last = a.receivedAt;
    if (measuringGaps && gap !== null && gap < REPLY_GAP_MS) gaps.push(gap);
  });
  return client;
}

runLoadChild<NodeAudioClient, { fixture: string }, ClientStats>({
  connectBatch: 8,
  async prepare({ url, fixture }) {
    const wav = await readWavFile(fixture);
    const audio = wav.samples as Int16Array;
    const rate = wav.sampleRate;
    const frame = rate / 50;
    frameOf = (f) => audio.subarray(f * frame, (f + 1) * frame);
    sampleRate = rate;
    return {
      frames: Math.floor(audio.length / frame),
      create: () => gapRecordingClient(url),
    };
  },
  connect: (c) => c.connect(),
  isOpen: (c) => c.state === "connected",
  sendFrame(c, f, k) {
    try {
      c.sendAudio([sampleRate, frameOf(f)], { discontinuity: k === 0 });
      return true;
    } catch {
      return false;
    }
  },
  onMark: () => {
    gaps = [];
    measuringGaps = true;
  },
  stats: (clients) => {
    measuringGaps = false;
    const window = gaps;
    gaps = [];
    return {
      packetsSent: clients.reduce((s, c) => s + c.packetsSent, 0),
      packetsReceived: clients.reduce((s, c) => s + c.packetsReceived, 0),
      packetsLost: clients.reduce((s, c) => s + c.packetsLost, 0),
      gapP50: percentile(window, 50),
      gapP99: percentile(window, 99),
      gapMax: window.length > 0 ? Math.max(...window) : null,
      gapCount: window.length,
    };
  },
  stop: (c) => c.stop(),
});
