/**
 * B4 load generator (child process, started by b4-capacity.ts with `child_process.fork`; the
 * protocol and the measuring are loadChild.ts's): runs N werift NodeAudioClients against the
 * server, each playing a speech loop in real time.
 */
import { readWavFile } from "../src/audio/wav.js";
import { NodeAudioClient } from "../src/client/node.js";
import {
  type LoadChildStats,
  type LoadFromChild,
  type LoadToChild,
  runLoadChild,
} from "./loadChild.js";

export type ToChild = LoadToChild<{ fixture: string }>;

interface ClientStats {
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
}

export type LoadStats = LoadChildStats & ClientStats;

export type FromChild = LoadFromChild<ClientStats>;

/** The fixture's rate and its frame `f` (set by `prepare`). */
let sampleRate = 0;
let frameOf: (f: number) => Int16Array = () => new Int16Array(0);

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
      create: () => new NodeAudioClient({ url, trickle: false, connectTimeoutMs: 20_000 }),
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
  stats: (clients) => ({
    packetsSent: clients.reduce((s, c) => s + c.packetsSent, 0),
    packetsReceived: clients.reduce((s, c) => s + c.packetsReceived, 0),
    packetsLost: clients.reduce((s, c) => s + c.packetsLost, 0),
  }),
  stop: (c) => c.stop(),
});
