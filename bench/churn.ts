/**
 * Churn — connect/disconnect cycles against one launched stream (issue 12): `CHURN_WS`
 * (default 1,000) WebSocket cycles (open, `start`, media until the echo comes back, `stop`) and
 * `CHURN_RTC` (default 100) WebRTC cycles with the Node client (connect, audio until the echo
 * comes back, `stop()`), each waiting for its slot to be free before the next. Reports slots
 * still held, handler copies left, and the memory drift between a baseline (after a warm-up)
 * and the end, both measured after forced garbage collections. Clients and server share the
 * process: the figures include both.
 * The server's memory alone (clients in a child process), with `ReplyOnPause` and the Silero
 * frame VAD, over 1,000 cycles of each of WebRTC, WebSocket and Twilio, is B5's drift part
 * (bench/b5-drift.ts, `npm run bench -- b5`).
 *
 * `npm run bench -- churn` (GC is exposed at run time through `v8.setFlagsFromString`, so no
 * `--expose-gc` flag is needed).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { WebSocket } from "ws";
import { NodeAudioClient } from "../src/client/node.js";
import { Stream } from "../src/server/Stream.js";
import { FrameEcho } from "../src/server/testing/frameEcho.js";
import type { BenchReport } from "./report.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settleMemory(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 6; i++) {
    gc();
    await sleep(100);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(2);
  }
}

/** One WebSocket cycle; resolves once the socket closed and the slot is free. */
async function wsCycle(stream: Stream, url: string, id: string): Promise<void> {
  const socket = new WebSocket(url);
  let echoed = false;
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("message", (data) => {
    if (data.toString().includes('"media"')) echoed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ event: "start", websocket_id: id }));
  const payload = Buffer.alloc(480, 0xff).toString("base64");
  for (let i = 0; i < 200 && !echoed; i++) {
    socket.send(JSON.stringify({ event: "media", media: { payload } }));
    await sleep(5);
  }
  if (!echoed) throw new Error(`no echo on ${id}`);
  socket.send(JSON.stringify({ event: "stop" }));
  await closed;
  await waitFor(() => !stream.isLive(id), 5000, `slot of ${id}`);
}

/** One WebRTC cycle with the Node client. */
async function rtcCycle(stream: Stream, url: string, id: string): Promise<void> {
  const client = new NodeAudioClient({ url, webrtcId: id });
  let heard = 0;
  client.on("audio", () => heard++);
  await client.connect();
  const frame = new Int16Array(480);
  for (let i = 0; i < 500 && heard === 0; i++) {
    client.sendAudio([24000, frame]);
    await sleep(20);
  }
  if (heard === 0) throw new Error(`no echo on ${id}`);
  await client.stop();
  await waitFor(() => !stream.isLive(id), 10_000, `slot of ${id}`);
}

export async function run(): Promise<BenchReport> {
  const wsCycles = Number(process.env.CHURN_WS ?? 1000);
  const rtcCycles = Number(process.env.CHURN_RTC ?? 100);
  const stream = new Stream({ handler: new FrameEcho(), concurrencyLimit: 2 });
  const server = await stream.launch({ port: 0 });
  const wsUrl = `${server.url.replace(/^http/, "ws")}/websocket/offer`;
  let disconnects = 0;
  stream.on("disconnect", () => disconnects++);
  try {
    // Warm-up: code paths compiled, pools and caches filled.
    for (let i = 0; i < 50; i++) await wsCycle(stream, wsUrl, `warm-ws-${i}`);
    for (let i = 0; i < 10; i++) await rtcCycle(stream, server.url, `warm-rtc-${i}`);
    const before = await settleMemory();
    const disconnectsBefore = disconnects;

    const t0 = Date.now();
    for (let i = 0; i < wsCycles; i++) {
      await wsCycle(stream, wsUrl, `ws-${i}`);
      if ((i + 1) % 250 === 0) console.log(`  websocket cycles: ${i + 1}/${wsCycles}`);
    }
    const wsMs = Date.now() - t0;
    const t1 = Date.now();
    for (let i = 0; i < rtcCycles; i++) {
      await rtcCycle(stream, server.url, `rtc-${i}`);
      if ((i + 1) % 25 === 0) console.log(`  webrtc cycles: ${i + 1}/${rtcCycles}`);
    }
    const rtcMs = Date.now() - t1;
    await sleep(500);
    const leaked = stream.liveConnections;
    const handlersLeft = stream.handlers.size;
    const after = await settleMemory();
    const rssDrift = (after.rss - before.rss) / MiB;
    const heapDrift = (after.heap - before.heap) / MiB;
    return {
      id: "Churn",
      title: `connect/disconnect churn: ${wsCycles} WebSocket + ${rtcCycles} WebRTC cycles on one stream`,
      columns: ["measure", "value"],
      rows: [
        { measure: "cycles (websocket / webrtc)", value: `${wsCycles} / ${rtcCycles}` },
        { measure: "disconnect events", value: disconnects - disconnectsBefore },
        { measure: "slots held at the end (leaked)", value: leaked },
        { measure: "handler copies left", value: handlersLeft },
        { measure: "RSS after GC, before (MiB)", value: before.rss / MiB },
        { measure: "RSS after GC, after (MiB)", value: after.rss / MiB },
        { measure: "RSS drift (MiB)", value: rssDrift },
        { measure: "heap used drift (MiB)", value: heapDrift },
        { measure: "websocket cycle, mean (ms)", value: wsMs / wsCycles },
        { measure: "webrtc cycle, mean (ms)", value: rtcMs / rtcCycles },
      ],
      notes: [
        `pass: ${leaked === 0 && handlersLeft === 0 && rssDrift < 10 ? "yes" : "NO"} (0 leaked slots, RSS drift < 10 MiB)`,
        "baseline after 50 WebSocket + 10 WebRTC warm-up cycles; memory after 6 forced GCs",
        "clients and server run in the same process",
      ],
    };
  } finally {
    await server.close();
  }
}
