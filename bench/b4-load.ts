/**
 * B4 load generator (child process, started by b4-capacity.ts with `child_process.fork`; the
 * protocol and the measuring are loadChild.ts's): runs N werift NodeAudioClients against the
 * server, each playing a speech loop in real time. Over the window it also records, per client,
 * the gap between the arrival of consecutive reply packets (the arrival time werift reports,
 * before the jitter buffer), what a listener's jitter buffer has to bridge.
 *
 * The loop is encoded to Opus once, before the clients connect, and every client sends those
 * packets (its own sequence numbers and timestamps, from its own offset in the loop): encoding
 * 20 ms per client in real time cost the load generator about 150 µs per client-frame, which
 * put its core near saturation from 40 clients, and a busy load generator delays the arrival
 * times it measures. Received audio is still decoded, as a listener would.
 */
import { readWavFile } from "../src/audio/wav.js";
import { NodeAudioClient, type ReceivedAudio } from "../src/client/node.js";
import { OpusPacketizer, toRtpPacket } from "../src/transports/webrtc/opusPacketizer.js";
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

/** One client and the RTP state of what it sends. */
interface LoadClient {
  client: NodeAudioClient;
  seq: number;
  timestamp: number;
  sent: number;
}

/** The loop as Opus packets, one per 20 ms (set by `prepare`). */
let packets: Uint8Array[] = [];
/** Arrival gaps inside replies, all clients, since the mark. */
let gaps: number[] = [];
let measuringGaps = false;

/** A client that notes the arrival gaps of its reply packets while the window is open. */
function gapRecordingClient(url: string): LoadClient {
  const client = new NodeAudioClient({ url, trickle: false, connectTimeoutMs: 20_000 });
  let last: number | null = null;
  client.on("audio", (a: ReceivedAudio) => {
    if (a.concealed) return;
    const gap = last === null ? null : a.receivedAt - last;
    last = a.receivedAt;
    if (measuringGaps && gap !== null && gap < REPLY_GAP_MS) gaps.push(gap);
  });
  const random16 = Math.floor(Math.random() * 0x10000);
  return { client, seq: random16, timestamp: random16 * 0x10000, sent: 0 };
}

/** Sends packet `f` of the loop as the client's next RTP packet (marker on its first). */
function sendPacket(c: LoadClient, f: number, k: number): boolean {
  const sender = c.client.transceiver?.sender;
  const payload = packets[f];
  if (c.client.state !== "connected" || sender === undefined || payload === undefined) return false;
  const rtp = toRtpPacket(
    { sequenceNumber: c.seq, timestamp: c.timestamp, marker: k === 0, payload },
    sender.codec?.payloadType ?? 111,
  );
  c.seq = (c.seq + 1) & 0xffff;
  c.timestamp = (c.timestamp + 960) >>> 0;
  c.sent++;
  sender.sendRtp(rtp).catch(() => {});
  return true;
}

runLoadChild<LoadClient, { fixture: string }, ClientStats>({
  connectBatch: 8,
  async prepare({ url, fixture }) {
    const wav = await readWavFile(fixture);
    const audio = wav.samples as Int16Array;
    const frame = wav.sampleRate / 50;
    const frames = Math.floor(audio.length / frame);
    // The same encoder as a NodeAudioClient's (48 kHz, voip, complexity 9).
    packets = new OpusPacketizer()
      .push(audio.subarray(0, frames * frame), wav.sampleRate, true)
      .map((p) => p.payload);
    return { frames: packets.length, create: () => gapRecordingClient(url) };
  },
  connect: (c) => c.client.connect(),
  isOpen: (c) => c.client.state === "connected",
  sendFrame: sendPacket,
  onMark: () => {
    gaps = [];
    measuringGaps = true;
  },
  stats: (clients) => {
    measuringGaps = false;
    const window = gaps;
    gaps = [];
    return {
      packetsSent: clients.reduce((s, c) => s + c.sent, 0),
      packetsReceived: clients.reduce((s, c) => s + c.client.packetsReceived, 0),
      packetsLost: clients.reduce((s, c) => s + c.client.packetsLost, 0),
      gapP50: percentile(window, 50),
      gapP99: percentile(window, 99),
      gapMax: window.length > 0 ? Math.max(...window) : null,
      gapCount: window.length,
    };
  },
  stop: (c) => c.client.stop(),
});
