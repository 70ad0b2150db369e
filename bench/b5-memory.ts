/**
 * B5 — memory per session (issue 15): the server's RSS, after forced garbage collections, with
 * 0, 10, 20 and 40 live sessions (`B5_LEVELS=0,10,20,40`), for WebRTC, WebSocket and Twilio.
 *
 * One launched Stream with `ReplyOnPause(echo)` (the default turn-taking: frame VAD, echo guard)
 * serves all three transports in this process; the clients run in a child process, as in B4/B9:
 * b4-load.ts (werift clients playing synthetic/48k/two_turns.wav) for WebRTC, b9-load.ts
 * (`TwilioCallSimulator`s playing an 8 kHz µ-law loop) against `/telephone/handler` for Twilio
 * and against `/websocket/offer` for WebSocket (FastRTC's WebSocket protocol has Twilio's
 * message shapes; the `start` carries the stream id). Each level holds its sessions, talking
 * and being answered, for `B5_HOLD_MS` (default 5 s), then measures memory after 6 forced GCs
 * (the sessions stay live), then stops them and waits until the slots are free. A warm-up level
 * (4 sessions) runs first on each transport so that compiled code, pools and the VAD worker are
 * in the baseline. MB per session = least-squares slope of RSS over the session count.
 *
 * Before that, on the same Stream, the drift part (bench/b5-drift.ts, report `B5-drift`): RSS and
 * heap over 1,000 connect/disconnect cycles per transport (`B5_CYCLES`, `B5_PARALLEL`, ...).
 * `B5_PARTS=drift` or `B5_PARTS=sessions` runs one part only.
 *
 * `npm run bench -- b5` (GC is exposed at run time through `v8.setFlagsFromString`).
 */
import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { Stream } from "../src/server/Stream.js";
import { loadChild, type Memory, settleMemory, sleep, slope } from "./b5-common.js";
import { runDrift } from "./b5-drift.js";
import type { BenchReport } from "./report.js";
import { round } from "./rtc-probe.js";

const LEVELS = (process.env.B5_LEVELS ?? "0,10,20,40").split(",").map(Number);
const HOLD_MS = Number(process.env.B5_HOLD_MS ?? 5000);
const PARTS = (process.env.B5_PARTS ?? "drift,sessions").split(",").map((s) => s.trim());
const WARMUP_SESSIONS = 4;
/** `B5_TRANSPORTS` (default all): the transports both parts run, e.g. `twilio`. */
const TRANSPORTS = (process.env.B5_TRANSPORTS ?? "webrtc,websocket,twilio")
  .toLowerCase()
  .split(",")
  .map((s) => s.trim());

async function* echo(audio: AudioChunk) {
  yield audio;
}

export async function run(): Promise<BenchReport[]> {
  const stream = new Stream({
    handler: new ReplyOnPause(echo),
    modality: "audio",
    concurrencyLimit: null,
    connectTimeout: 60,
  });
  const server = await stream.launch({ port: 0 });
  const wsBase = server.url.replace(/^http/, "ws");
  const transports = [
    {
      name: "WebRTC",
      script: "./b4-load.ts",
      start: { url: server.url, fixture: fixturePath("synthetic/48k/two_turns.wav") },
    },
    {
      name: "WebSocket",
      script: "./b9-load.ts",
      start: {
        url: `${wsBase}/websocket/offer`,
        fixture: fixturePath("leopard__test__8k_mulaw.wav"),
        silenceMs: 2000,
      },
    },
    {
      name: "Twilio",
      script: "./b9-load.ts",
      start: {
        url: `${wsBase}/telephone/handler`,
        fixture: fixturePath("leopard__test__8k_mulaw.wav"),
        silenceMs: 2000,
      },
    },
  ];
  const rows: BenchReport["rows"] = [];
  const notes: string[] = [];
  const reports: BenchReport[] = [];
  try {
    // Drift first: its RSS readings then start below the per-session levels' high-water mark.
    if (PARTS.includes("drift")) reports.push(await runDrift(stream, server.url));
    const wanted = transports.filter((t) => TRANSPORTS.includes(t.name.toLowerCase()));
    for (const t of PARTS.includes("sessions") ? wanted : []) {
      const child = loadChild(t.script);
      const level = async (n: number): Promise<{ connected: number; mem: Memory }> => {
        let connected = 0;
        if (n > 0) {
          const started = await child.request({ type: "start", n, ...t.start }, "started", 120_000);
          connected = Number(started.connected);
        }
        await sleep(HOLD_MS);
        const live = stream.liveConnections;
        const mem = await settleMemory();
        if (n > 0) await child.request({ type: "stop" }, "stopped", 60_000);
        const until = performance.now() + 15_000;
        while (stream.liveConnections > 0 && performance.now() < until) await sleep(20);
        for (const id of stream.handlers.keys()) await stream.closeConnection(id);
        return { connected: Math.min(connected, live), mem };
      };
      try {
        await level(WARMUP_SESSIONS);
        const xs: number[] = [];
        const ys: number[] = [];
        let base: Memory | null = null;
        for (const n of LEVELS) {
          const { connected, mem } = await level(n);
          base ??= mem;
          xs.push(connected);
          ys.push(mem.rss);
          console.error(
            `B5: ${t.name} ${n} sessions (${connected} live): RSS ${mem.rss.toFixed(1)} MiB, heap ${mem.heap.toFixed(1)} MiB`,
          );
          rows.push({
            transport: t.name,
            sessions: n,
            live: connected,
            "RSS MiB": round(mem.rss, 1),
            "heap used MiB": round(mem.heap, 1),
            "external MiB": round(mem.external, 1),
            "RSS per session MiB":
              connected > 0 && base ? round((mem.rss - base.rss) / connected, 2) : null,
            "heap per session MiB":
              connected > 0 && base ? round((mem.heap - base.heap) / connected, 2) : null,
          });
        }
        const s = slope(xs, ys);
        notes.push(
          `${t.name}: ${s === null ? "n/a" : s.toFixed(2)} MiB RSS per session (least-squares slope over ${xs.join(", ")} live sessions)`,
        );
      } finally {
        await child.close();
      }
    }
  } finally {
    await server.close();
  }
  notes.push(
    `server: one Stream, ReplyOnPause(echo) with the default turn-taking (frame VAD, echo guard), serving all three transports; clients in a child process (b4-load.ts for WebRTC, b9-load.ts for WebSocket and Twilio); each level held ${HOLD_MS / 1000} s with every session talking, memory read after 6 forced GCs with the sessions live; a ${WARMUP_SESSIONS}-session warm-up level first on each transport`,
    "RSS per session = (RSS at N − RSS at 0) / N live sessions; goal (issue 15): ≤ 5 MB per session",
    "RSS drift over connect/disconnect cycles: report B5-drift (bench/b5-drift.ts), run first on the same Stream",
  );
  if (!PARTS.includes("sessions")) return reports;
  reports.push({
    id: "B5",
    title: "memory: server RSS per live session (WebRTC, WebSocket, Twilio)",
    columns: [
      "transport",
      "sessions",
      "live",
      "RSS MiB",
      "heap used MiB",
      "external MiB",
      "RSS per session MiB",
      "heap per session MiB",
    ],
    rows,
    notes,
  });
  return reports;
}
