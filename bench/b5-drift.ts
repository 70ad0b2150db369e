/**
 * B5 drift (issue 15): the server's memory over `B5_CYCLES` (default 1,000) connect/disconnect
 * cycles per transport (WebRTC, WebSocket, Twilio), `B5_PARALLEL` (default 8) at a time, against
 * the Stream b5-memory.ts launched (`ReplyOnPause(echo)`, default turn-taking: real Silero frame
 * VAD). The clients run in a child process (b5-cycles.ts), so the figures are the server's. One
 * cycle: connect, 1.4 s of speech in real time, silence until reply audio comes back, stop, and
 * wait (here, in the server process) until the connection's slot is free.
 *
 * Per transport: `B5_WARMUP_CYCLES` (default 2 × parallel) warm-up cycles, then the baseline
 * after 6 forced GCs; the same reading after each quarter of the cycles (250/500/750/1,000 by
 * default) with no cycle in flight. Reports slots still held and handler copies left (both must
 * be 0), and the RSS / heap / external drift from the baseline (goal: RSS < 10 MB).
 *
 * `B5_SNAPSHOT_DIR=<dir>` also writes a V8 heap snapshot at the baseline and at each reading
 * (`b5-<transport>-before.heapsnapshot`, `b5-<transport>-<cycles>.heapsnapshot`) to compare with
 * bench/b5-heapdiff.ts or in DevTools. Each snapshot adds tens of MiB of RSS: RSS figures of such
 * a run are not comparable.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import type { Stream } from "../src/server/Stream.js";
import {
  emptySummary,
  loadChild,
  type Memory,
  type Msg,
  settleMemory,
  sleep,
  slope,
} from "./b5-common.js";
import type { CycleSummary, CyclesRequest, Transport } from "./b5-cycles.js";
import type { BenchReport } from "./report.js";
import { round } from "./rtc-probe.js";

const CYCLES = Number(process.env.B5_CYCLES ?? 1000);
const PARALLEL = Number(process.env.B5_PARALLEL ?? 8);
const WARMUP = Number(process.env.B5_WARMUP_CYCLES ?? 2 * PARALLEL);
const REPLY_TIMEOUT_MS = Number(process.env.B5_REPLY_TIMEOUT_MS ?? 8000);
const SLOT_TIMEOUT_MS = 15_000;
const SNAPSHOT_DIR = process.env.B5_SNAPSHOT_DIR;
const TRANSPORTS = (process.env.B5_TRANSPORTS ?? "webrtc,websocket,twilio")
  .split(",")
  .map((s) => s.trim().toLowerCase())
  .filter((s): s is Transport => s === "webrtc" || s === "websocket" || s === "twilio");
const NAMES: Record<Transport, string> = {
  webrtc: "WebRTC",
  websocket: "WebSocket",
  twilio: "Twilio",
};

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await sleep(10);
  }
  return true;
}

function add(a: CycleSummary, b: CycleSummary): CycleSummary {
  return {
    cycles: a.cycles + b.cycles,
    replied: a.replied + b.replied,
    mediaFlowing: a.mediaFlowing + b.mediaFlowing,
    failed: a.failed + b.failed,
    slotTimeouts: a.slotTimeouts + b.slotTimeouts,
    connectMsSum: a.connectMsSum + b.connectMsSum,
    replyMsSum: a.replyMsSum + b.replyMsSum,
    cycleMsSum: a.cycleMsSum + b.cycleMsSum,
    firstError: a.firstError ?? b.firstError,
  };
}

/** The quarter marks of `n` cycles (250/500/750/1,000 for 1,000), without repeats. */
function checkpoints(n: number): number[] {
  const marks = [1, 2, 3, 4].map((q) => Math.round((n * q) / 4)).filter((m) => m > 0);
  return [...new Set(marks)];
}

/**
 * Runs the drift part against `stream` (launched at `baseUrl`, http://...). Every connection of
 * the stream must be closed when it is called.
 */
export async function runDrift(stream: Stream, baseUrl: string): Promise<BenchReport> {
  const wsBase = baseUrl.replace(/^http/, "ws");
  const urls: Record<Transport, string> = {
    webrtc: baseUrl,
    websocket: baseUrl,
    twilio: `${wsBase}/telephone/handler`,
  };
  const rows: BenchReport["rows"] = [];
  const notes: string[] = [];
  const verdicts: string[] = [];
  const tAll = performance.now();
  if (SNAPSHOT_DIR) mkdirSync(SNAPSHOT_DIR, { recursive: true });

  for (const t of TRANSPORTS) {
    const child = loadChild("./b5-cycles.ts");
    // The child stopped a client: answer once the server freed its slot.
    const unlisten = child.listen((m: Msg) => {
      if (m.type !== "ended") return;
      const id = String(m.id);
      void waitFor(() => !stream.isLive(id), SLOT_TIMEOUT_MS).then((ok) =>
        child.send({ type: "freed", id, ok }),
      );
    });
    const cycles = async (from: number, count: number): Promise<CycleSummary> => {
      const req: CyclesRequest = {
        type: "cycles",
        transport: t,
        url: urls[t],
        from,
        count,
        parallel: PARALLEL,
        replyTimeoutMs: REPLY_TIMEOUT_MS,
      };
      const got = await child.request({ ...req }, "cycled", count * 60_000);
      const { type: _type, ...summary } = got;
      return summary as unknown as CycleSummary;
    };
    const reading = async (): Promise<{ mem: Memory; live: number; handlers: number }> => {
      await waitFor(() => stream.liveConnections === 0, SLOT_TIMEOUT_MS);
      const mem = await settleMemory();
      return { mem, live: stream.liveConnections, handlers: stream.handlers.size };
    };
    try {
      const t0 = performance.now();
      const warm = await cycles(0, WARMUP);
      const base = await reading();
      if (SNAPSHOT_DIR) writeHeapSnapshot(join(SNAPSHOT_DIR, `b5-${t}-before.heapsnapshot`));
      const row = (n: number, r: typeof base, s: CycleSummary | null) => ({
        transport: NAMES[t],
        cycles: n,
        "RSS MiB": round(r.mem.rss, 1),
        "RSS drift MiB": n === 0 ? null : round(r.mem.rss - base.mem.rss, 1),
        "heap MiB": round(r.mem.heap, 1),
        "heap drift MiB": n === 0 ? null : round(r.mem.heap - base.mem.heap, 2),
        "heap total drift MiB": n === 0 ? null : round(r.mem.heapTotal - base.mem.heapTotal, 1),
        "external drift MiB": n === 0 ? null : round(r.mem.external - base.mem.external, 2),
        replied: s ? `${s.replied}/${s.cycles}` : null,
        "slots held": r.live,
        "handlers left": r.handlers,
      });
      rows.push(row(0, base, null));
      console.error(
        `B5 drift: ${NAMES[t]} baseline after ${warm.cycles} warm-up cycles (${warm.replied} replied): RSS ${base.mem.rss.toFixed(1)} MiB, heap ${base.mem.heap.toFixed(1)} MiB`,
      );
      let done = 0;
      let total = emptySummary();
      let last = base;
      const marks: number[] = [];
      const rss: number[] = [];
      const heap: number[] = [];
      const tc = performance.now();
      for (const mark of checkpoints(CYCLES)) {
        total = add(total, await cycles(WARMUP + done, mark - done));
        done = mark;
        last = await reading();
        rows.push(row(done, last, total));
        if (SNAPSHOT_DIR) writeHeapSnapshot(join(SNAPSHOT_DIR, `b5-${t}-${done}.heapsnapshot`));
        marks.push(done);
        rss.push(last.mem.rss);
        heap.push(last.mem.heap);
        console.error(
          `B5 drift: ${NAMES[t]} ${done} cycles (${total.replied} replied, ${total.failed} failed): RSS ${last.mem.rss.toFixed(1)} MiB (${(last.mem.rss - base.mem.rss).toFixed(1)}), heap ${last.mem.heap.toFixed(1)} MiB, slots ${last.live}, handlers ${last.handlers}`,
        );
      }
      const cyclesS = (performance.now() - tc) / 1000;
      const drift = last.mem.rss - base.mem.rss;
      // A slot freed late (slot wait timed out) is reported in the notes; "held" means at the reading.
      const pass = drift < 10 && last.live === 0 && last.handlers === 0;
      verdicts.push(`${NAMES[t]} ${pass ? "yes" : "NO"}`);
      const per = (sum: number, n: number) => (n > 0 ? (sum / n).toFixed(0) : "-");
      const trend = (ys: number[]) => {
        const k = slope(marks, ys);
        return k === null ? "n/a" : `${(k * 1000).toFixed(1)} MiB`;
      };
      notes.push(
        `${NAMES[t]}: ${total.cycles} cycles in ${cyclesS.toFixed(0)} s (${((performance.now() - t0) / 1000).toFixed(0)} s with warm-up and readings), ${total.replied} got reply audio back, ${total.mediaFlowing} received audio, ${total.failed} failed${total.firstError ? ` (first: ${total.firstError})` : ""}, ${total.slotTimeouts} slot waits timed out; mean connect ${per(total.connectMsSum, total.cycles)} ms, end of speech → first reply frame ${per(total.replyMsSum, total.replied)} ms, cycle ${per(total.cycleMsSum, total.cycles)} ms; trend over the readings ${marks.join("/")} (least-squares slope, per 1,000 cycles): RSS ${trend(rss)}, heap ${trend(heap)}`,
      );
    } finally {
      unlisten();
      await child.close();
    }
  }
  notes.unshift(
    `pass (RSS drift < 10 MiB, 0 slots held, 0 handler copies left): ${verdicts.join(", ")}`,
    `server: the B5 Stream (ReplyOnPause(echo), default turn-taking with the Silero frame VAD) in this process; clients in a child process (b5-cycles.ts), ${PARALLEL} cycles in parallel; each cycle: connect, 1.4 s of speech ("Hello can you hear me") in real time, silence until a reply frame louder than −45 dBFS arrives (at most ${REPLY_TIMEOUT_MS / 1000} s), stop, wait until the server freed the slot`,
    `baseline after ${WARMUP} warm-up cycles per transport; readings after 6 forced GCs with no cycle in flight; transports run one after the other (${TRANSPORTS.map((t) => NAMES[t]).join(" → ")}) on one process, so each starts from the previous one's RSS high-water mark; drift is against each transport's own baseline`,
    `total time ${((performance.now() - tAll) / 1000).toFixed(0)} s`,
  );
  return {
    id: "B5-drift",
    title: `memory: server RSS drift over ${CYCLES} connect/disconnect cycles per transport`,
    columns: [
      "transport",
      "cycles",
      "RSS MiB",
      "RSS drift MiB",
      "heap MiB",
      "heap drift MiB",
      "heap total drift MiB",
      "external drift MiB",
      "replied",
      "slots held",
      "handlers left",
    ],
    rows,
    notes,
  };
}
