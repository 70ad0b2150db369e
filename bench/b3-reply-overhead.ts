/**
 * B3 — server reply overhead: from `pause_detected` to the first RTP packet of the reply, for a
 * handler that answers at once (ReplyOnPause echo, real Silero v4 in its worker).
 *
 * One NodeAudioClient (werift, same process) plays 20 turns in real time over WebRTC: each turn
 * is "Hello can you hear me" (segment 1 of synthetic/48k/two_turns.wav) between 0.2 s and 1.3 s
 * of silence. Measured per turn:
 *
 * - client: arrival of the `log` `pause_detected` message (data channel) → arrival of the
 *   reply's first RTP packet (marker bit, `audio` event `receivedAt`);
 * - server: `pause_detected` handed to the data channel → the reply's first 20 ms frame released
 *   by the session → its first RTP packet handed to werift (see rtc-probe.ts).
 *
 * Client and server share `performance.now()`, so the one-way delays of the data channel and of
 * RTP over loopback are reported too. A second, shorter run with `outputSampleRate: 48000`
 * (the echo's input rate: no resampling on the way out) shows what the output resampling costs.
 */

import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { readWavFile } from "../src/audio/wav.js";
import type { ReceivedAudio } from "../src/client/node.js";
import { NodeAudioClient } from "../src/client/node.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { Stream } from "../src/server/Stream.js";
import type { MediaPeer } from "../src/transports/webrtc/webrtcTypes.js";
import { getSileroModel } from "../src/vad/silero.js";
import { type BenchReport, percentile } from "./report.js";
import { installConnectionProbe, isLog, round } from "./rtc-probe.js";

/** Turns of the main run; the 48 kHz-out diagnostic run plays fewer. */
const TURNS = 20;
const DIAGNOSTIC_TURNS = 10;
const RATE = 48_000;
/** Segment 1 of two_turns.wav (segments.tsv), in samples at 48 kHz. */
const SPEECH: [number, number] = [24_000, 85_294];
const LEAD_S = 0.2;
const TAIL_S = 1.3;

/** `turns` copies of [lead silence, speech, tail silence]. */
export async function turnLoop(turns: number): Promise<Int16Array> {
  const wav = await readWavFile(fixturePath("synthetic/48k/two_turns.wav"));
  if (wav.sampleRate !== RATE) throw new Error("expected a 48 kHz fixture");
  const speech = (wav.samples as Int16Array).subarray(SPEECH[0], SPEECH[1]);
  const lead = Math.round(LEAD_S * RATE);
  const turnLen = lead + speech.length + Math.round(TAIL_S * RATE);
  const out = new Int16Array(turns * turnLen);
  for (let t = 0; t < turns; t++) out.set(speech, t * turnLen + lead);
  return out;
}

async function* echo(audio: AudioChunk) {
  yield audio;
}

interface ServerTurn {
  pause: number;
  responseStarting: number | null;
  firstFrame: number | null;
  firstPacket: number | null;
  framesBeforePacket: number;
}

function stats(name: string, values: number[]): Record<string, string | number | null> {
  return {
    measure: name,
    n: values.length,
    "p50 ms": round(percentile(values, 50)),
    "p99 ms": round(percentile(values, 99)),
    "max ms": values.length ? round(Math.max(...values)) : null,
    "min ms": values.length ? round(Math.min(...values)) : null,
  };
}

interface Variant {
  name: string;
  turns: number;
  outputSampleRate: number;
}

interface Outcome {
  serverTurns: ServerTurn[];
  clientPauses: number[];
  clientStarts: number[];
  replyStarts: number[];
  packets: string;
}

async function measure(v: Variant, model: ReturnType<typeof getSileroModel>): Promise<Outcome> {
  const loop = await turnLoop(v.turns);
  // --- server-side probe -------------------------------------------------------------------
  const serverTurns: ServerTurn[] = [];
  let current: ServerTurn | null = null;
  let serverConn: MediaPeer | null = null;
  const uninstall = installConnectionProbe({
    onMessage(conn, text, at) {
      serverConn = conn;
      if (isLog(text, "pause_detected")) {
        current = {
          pause: at,
          responseStarting: null,
          firstFrame: null,
          firstPacket: null,
          framesBeforePacket: 0,
        };
        serverTurns.push(current);
      } else if (isLog(text, "response_starting") && current && current.responseStarting === null) {
        current.responseStarting = at;
      }
    },
    onFrame(_conn, f) {
      const turn = current;
      if (!turn) return;
      turn.firstFrame ??= f.releasedAt;
      if (f.packets === 0) {
        turn.framesBeforePacket++;
        return;
      }
      turn.firstPacket = f.sentAt;
      current = null;
    },
  });

  let stream: Stream | null = null;
  let server: Awaited<ReturnType<Stream["launch"]>> | null = null;
  let client: NodeAudioClient | null = null;
  const clientPauses: number[] = [];
  const clientStarts: number[] = [];
  const replyStarts: number[] = [];
  let packets = "";
  try {
    stream = new Stream({
      handler: new ReplyOnPause(echo, { model, outputSampleRate: v.outputSampleRate }),
      modality: "audio",
      concurrencyLimit: 1,
    });
    server = await stream.launch({ port: 0 });
    const c = new NodeAudioClient({ url: server.url });
    client = c;
    // --- client-side timing ----------------------------------------------------------------
    c.on("log", (m) => {
      if (m.data === "pause_detected") clientPauses.push(performance.now());
      if (m.data === "response_starting") clientStarts.push(performance.now());
    });
    c.on("audio", (a: ReceivedAudio) => {
      if (a.rtp.marker && !a.concealed) replyStarts.push(a.receivedAt);
    });
    await c.connect();
    await c.playAudio([RATE, loop], { realtime: true });
    // the last turn's reply
    const deadline = performance.now() + 4000;
    while (replyStarts.length < clientPauses.length && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const received = (serverConn as MediaPeer | null)?.packetsReceived ?? 0;
    packets = `client sent ${c.packetsSent}, server received ${received}; client received ${c.packetsReceived}, lost ${c.packetsLost}, dropped ${c.packetsDropped}`;
  } finally {
    await client?.stop();
    if (server) await server.close();
    else await stream?.close();
    uninstall();
  }
  return { serverTurns, clientPauses, clientStarts, replyStarts, packets };
}

function rowsFor(v: Variant, o: Outcome): { rows: BenchReport["rows"]; notes: string[] } {
  const { serverTurns, clientPauses, clientStarts, replyStarts } = o;
  // k-th pause_detected <-> k-th reply start (one reply per turn; echo never yields twice)
  const clientOverhead: number[] = [];
  const clientResponseStarting: number[] = [];
  const matched = Math.min(clientPauses.length, replyStarts.length);
  for (let k = 0; k < matched; k++) {
    clientOverhead.push((replyStarts[k] as number) - (clientPauses[k] as number));
    const rs = clientStarts[k];
    if (rs !== undefined) clientResponseStarting.push(rs - (clientPauses[k] as number));
  }
  const complete = serverTurns.filter((t) => t.firstPacket !== null && t.firstFrame !== null);
  const srvTotal = complete.map((t) => (t.firstPacket as number) - t.pause);
  const srvToStarting = complete
    .filter((t) => t.responseStarting !== null)
    .map((t) => (t.responseStarting as number) - t.pause);
  const srvToFrame = complete.map((t) => (t.firstFrame as number) - t.pause);
  const srvFrameToPacket = complete.map(
    (t) => (t.firstPacket as number) - (t.firstFrame as number),
  );
  const held = complete.filter((t) => t.framesBeforePacket > 0).length;
  // Client and server share performance.now(): one-way delays over loopback.
  const dcDelay: number[] = [];
  const rtpDelay: number[] = [];
  if (serverTurns.length === clientPauses.length) {
    serverTurns.forEach((t, k) => {
      dcDelay.push((clientPauses[k] as number) - t.pause);
      const r = replyStarts[k];
      if (t.firstPacket !== null && r !== undefined) rtpDelay.push(r - t.firstPacket);
    });
  }
  const rows = [
    stats("server: pause_detected sent → first RTP sent", srvTotal),
    stats("server:   pause_detected → response_starting", srvToStarting),
    stats("server:   pause_detected → first frame released", srvToFrame),
    stats("server:   first frame released → first RTP sent", srvFrameToPacket),
    stats("client: pause_detected msg → first reply RTP arrives", clientOverhead),
    stats("client: pause_detected msg → response_starting msg", clientResponseStarting),
    stats("one-way: pause_detected, server send → client (data channel)", dcDelay),
    stats("one-way: first reply RTP, server send → client", rtpDelay),
  ].map((r) => ({ variant: v.name, ...r }));
  const notes = [
    `${v.name}: ${v.turns} turns; pause_detected seen by client ${clientPauses.length}, by server ${serverTurns.length}; reply starts (marker packets) at client ${replyStarts.length}; first released frame held back by the packetizer in ${held} turns`,
    `${v.name}: packets: ${o.packets}`,
  ];
  return { rows, notes };
}

export async function run(): Promise<BenchReport> {
  const model = getSileroModel();
  await model.warmup();
  const variants: Variant[] = [
    { name: "echo, 24 kHz out (default)", turns: TURNS, outputSampleRate: 24_000 },
    { name: "echo, 48 kHz out (no resampling)", turns: DIAGNOSTIC_TURNS, outputSampleRate: 48_000 },
  ];
  const rows: BenchReport["rows"] = [];
  const notes: string[] = [];
  try {
    for (const v of variants) {
      const r = rowsFor(v, await measure(v, model));
      rows.push(...r.rows);
      notes.push(...r.notes);
    }
  } finally {
    await model.close();
  }
  return {
    id: "B3",
    title: "server reply overhead: pause_detected → first reply RTP packet (echo ReplyOnPause)",
    columns: ["variant", "measure", "n", "p50 ms", "p99 ms", "max ms", "min ms"],
    rows,
    notes: [
      ...notes,
      "client and server share one process and event loop (werift on both sides, loopback UDP); the headline is the server row (probe on the connection)",
      "server times come from a probe wrapping WebRtcConnection.prototype.sendAudio/sendMessage (bench/rtc-probe.ts)",
    ],
  };
}
