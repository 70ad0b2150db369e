import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { CycleSummary } from "./b5-cycles.js";
import { forkLoadChild } from "./loadChild.js";

setFlagsFromString("--expose-gc");
/** `global.gc`, exposed at run time (no `--expose-gc` flag needed on the command line). */
export const gc = runInNewContext("gc") as () => void;

export const MiB = 1024 * 1024;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Process memory in MiB. */
export interface Memory {
  rss: number;
  heap: number;
  /** V8 heap committed (`heapTotal`): pages V8 keeps after GC count in RSS but not in `heap`. */
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** `process.memoryUsage()` in MiB after 6 forced GCs, 100 ms apart. */
export async function settleMemory(): Promise<Memory> {
  for (let i = 0; i < 6; i++) {
    gc();
    await sleep(100);
  }
  const m = process.memoryUsage();
  return {
    rss: m.rss / MiB,
    heap: m.heapUsed / MiB,
    heapTotal: m.heapTotal / MiB,
    external: m.external / MiB,
    arrayBuffers: m.arrayBuffers / MiB,
  };
}

export type Msg = { type: string; [k: string]: unknown };

/** A forked load child and helpers over its IPC channel. */
export interface LoadChild {
  /** Sends `m` and resolves with the first message of type `reply` (rejects on `error`). */
  request(m: Msg, reply: string, ms: number): Promise<Msg>;
  /** Sends `m` without waiting. */
  send(m: Msg): void;
  /** Calls `fn` for every message from the child; returns the unsubscribe. */
  listen(fn: (m: Msg) => void): () => void;
  close(): Promise<void>;
}

/** Forks `script` (resolved against bench/) with an IPC channel; its stdout/stderr are ours. */
export function loadChild(script: string): LoadChild {
  const child = forkLoadChild<Msg, Msg>(new URL(script, import.meta.url));
  return {
    request: (m, reply, ms) => child.request(m, reply, ms) as Promise<Msg>,
    send: child.send,
    listen: child.listen,
    close: child.close,
  };
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number | null {
  if (xs.length < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** A {@link CycleSummary} with nothing counted yet. */
export const emptySummary = (): CycleSummary => ({
  cycles: 0,
  replied: 0,
  mediaFlowing: 0,
  failed: 0,
  slotTimeouts: 0,
  connectMsSum: 0,
  replyMsSum: 0,
  cycleMsSum: 0,
  firstError: null,
});
