/**
 * B6 — connect: 20 sequential connections of a werift NodeAudioClient (same process) to a
 * launched Stream, each with a full-ICE offer (`trickle: false`: the POST carries every
 * candidate, as FastRTC's non-trickle clients do). Measured per connection, on one clock:
 *
 * - offer → answer: the HTTP round trip of `POST /webrtc/offer` (request issued → answer body
 *   read), which includes the server's ICE gathering;
 * - offer → connected: until the client is connected with its data channel open;
 * - offer → first inbound audio frame on the server: the handler's first `receive()` call. The
 *   client starts sending 20 ms Opus frames in real time as soon as `connect()` resolves.
 * - ICE gathering on the client (connect() → offer issued) is reported separately: it is not
 *   part of "offer →" times.
 */

import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { readWavFile } from "../src/audio/wav.js";
import type { FetchLike } from "../src/client/clientTypes.js";
import { NodeAudioClient } from "../src/client/node.js";
import { getCurrentContext } from "../src/handlers/context.js";
import type { EmitType } from "../src/handlers/emit.js";
import { AsyncStreamHandler } from "../src/handlers/StreamHandler.js";
import { Stream } from "../src/server/Stream.js";
import { type BenchReport, percentile } from "./report.js";
import { round } from "./rtc-probe.js";

const CONNECTIONS = 20;
/** Give up on a connection's first frame after this long. */
const FIRST_FRAME_TIMEOUT_MS = 5000;

type FirstFrameListener = (webrtcId: string, at: number) => void;

/** Records the time of the first inbound frame of each connection; never replies. */
class FirstFrameHandler extends AsyncStreamHandler {
  readonly #onFirst: FirstFrameListener;
  #seen = false;

  constructor(onFirst: FirstFrameListener) {
    super();
    this.#onFirst = onFirst;
  }

  override async receive(_frame: AudioChunk): Promise<void> {
    if (this.#seen) return;
    this.#seen = true;
    this.#onFirst(getCurrentContext().webrtcId, performance.now());
  }

  override async emit(): Promise<EmitType> {
    return null;
  }

  override copy(): FirstFrameHandler {
    return new FirstFrameHandler(this.#onFirst);
  }
}

interface Sample {
  gatherMs: number;
  answerMs: number;
  connectedMs: number;
  firstFrameMs: number | null;
  /** offer → client peer connection "connected" (ICE + DTLS); NaN when not seen. */
  peerMs: number;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function run(): Promise<BenchReport> {
  const wav = await readWavFile(fixturePath("synthetic/48k/two_turns.wav"));
  const speech: AudioChunk = [wav.sampleRate, wav.samples as Int16Array];
  const firstFrames = new Map<string, number>();
  const stream = new Stream({
    handler: new FirstFrameHandler((id, at) => {
      if (!firstFrames.has(id)) firstFrames.set(id, at);
    }),
    modality: "audio",
    concurrencyLimit: 1,
  });
  const server = await stream.launch({ port: 0 });
  const samples: Sample[] = [];
  let failures = 0;
  let leftOpen = 0;
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      const webrtcId = `b6-${i}-${Math.random().toString(36).slice(2)}`;
      let offerAt = Number.NaN;
      let answerAt = Number.NaN;
      const timedFetch: FetchLike = async (url, init) => {
        const isOffer = init.body.includes('"type":"offer"');
        const t0 = performance.now();
        const res = await fetch(url, init);
        const text = await res.text();
        if (isOffer) {
          offerAt = t0;
          answerAt = performance.now();
        }
        return { status: res.status, text: async () => text };
      };
      const client = new NodeAudioClient({
        url: server.url,
        webrtcId,
        trickle: false,
        fetch: timedFetch,
        connectTimeoutMs: 10_000,
      });
      const ac = new AbortController();
      try {
        const start = performance.now();
        const connecting = client.connect();
        let peerAt = Number.NaN;
        const pc = client.peerConnection;
        pc?.connectionStateChange.subscribe((st) => {
          if (st === "connected" && Number.isNaN(peerAt)) peerAt = performance.now();
        });
        await connecting;
        const connectedAt = performance.now();
        const playing = client.playAudio(speech, { realtime: true, signal: ac.signal });
        const deadline = connectedAt + FIRST_FRAME_TIMEOUT_MS;
        while (!firstFrames.has(webrtcId) && performance.now() < deadline) await sleep(1);
        ac.abort();
        await playing;
        const first = firstFrames.get(webrtcId);
        samples.push({
          gatherMs: offerAt - start,
          answerMs: answerAt - offerAt,
          connectedMs: connectedAt - offerAt,
          firstFrameMs: first === undefined ? null : first - offerAt,
          peerMs: peerAt - offerAt,
        });
      } catch (err) {
        failures++;
        console.error(`B6: connection ${i} failed:`, err);
      } finally {
        ac.abort();
        await client.stop();
      }
      // the server notices the client left (DTLS close / data channel close)
      const until = performance.now() + 3000;
      while (stream.liveConnections > 0 && performance.now() < until) await sleep(5);
      if (stream.liveConnections > 0) {
        leftOpen++;
        for (const id of stream.handlers.keys()) await stream.closeConnection(id);
      }
    }
  } finally {
    await server.close();
  }

  const col = (pick: (s: Sample) => number | null) =>
    samples.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
  const row = (measure: string, values: number[]) => ({
    measure,
    n: values.length,
    "p50 ms": round(percentile(values, 50)),
    "p99 ms": round(percentile(values, 99)),
    "max ms": values.length ? round(Math.max(...values)) : null,
    "min ms": values.length ? round(Math.min(...values)) : null,
  });
  const firstFrame = col((s) => s.firstFrameMs);
  const firstAfterConnected = (s: Sample) =>
    s.firstFrameMs === null ? null : s.firstFrameMs - s.connectedMs;
  const noFrame = samples.length - firstFrame.length;
  return {
    id: "B6",
    title: "connect: offer → answer and offer → first inbound audio frame (20 sequential)",
    columns: ["measure", "n", "p50 ms", "p99 ms", "max ms", "min ms"],
    rows: [
      row(
        "offer → answer (HTTP round trip)",
        col((s) => s.answerMs),
      ),
      row(
        "offer → connected (client, data channel open)",
        col((s) => s.connectedMs),
      ),
      row(
        "  answer → peer connected (ICE + DTLS)",
        col((s) => s.peerMs - s.answerMs),
      ),
      row(
        "  peer connected → data channel open",
        col((s) => s.connectedMs - s.peerMs),
      ),
      row("offer → first inbound audio frame (server receive)", firstFrame),
      row(
        "  connected → first inbound audio frame",
        col((s) => firstAfterConnected(s)),
      ),
      row(
        "client ICE gathering before the offer (not included)",
        col((s) => s.gatherMs),
      ),
      row("first connection only: offer → first frame", firstFrame.slice(0, 1)),
    ],
    notes: [
      `${CONNECTIONS} sequential connections, full-ICE offers (trickle: false), werift client in the same process, loopback`,
      "answer → peer connected includes a fixed 100 ms sleep in werift 0.24 (RTCDtlsTransport.start waits 100 ms before the DTLS client sends its ClientHello); the server answers a=setup:active, so it is the DTLS client for every client, browsers included",
      `failed connections: ${failures}; connections without an inbound frame within ${FIRST_FRAME_TIMEOUT_MS} ms: ${noFrame}; server entries still open 3 s after client stop (closed by the bench): ${leftOpen}`,
    ],
  };
}
