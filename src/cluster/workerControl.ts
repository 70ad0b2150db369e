import cluster from "node:cluster";
import type { Socket } from "node:net";
import { isClusterMessage, type ToPrimary, type ToWorker, WORKER_NODE_ENV } from "./ipcMessages.js";

/**
 * The node id of this process when it is a worker forked by `launch({ workers })`, else `null`.
 *
 * @example
 * ```ts
 * if (workerNodeId() !== null) console.log("I am one of several workers");
 * ```
 * @internal
 */
export function workerNodeId(): string | null {
  const node = process.env[WORKER_NODE_ENV];
  return cluster.isWorker && typeof node === "string" && node !== "" ? node : null;
}

function toPrimary(message: ToPrimary): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(message);
  } catch {
    // The primary is gone: nothing to tell.
  }
}

/** Open sockets of this worker (`null` outside a worker that serves). */
let openSockets: number | null = null;

/**
 * How many TCP connections this worker holds open (sessions, page requests, idle keep-alive),
 * as it reports them to the primary; `null` when this process is not a serving worker.
 *
 * @example
 * ```ts
 * const n = workerSocketCount(); // e.g. in a health answer
 * ```
 * @internal
 */
export function workerSocketCount(): number | null {
  return openSockets;
}

/**
 * What a worker of `launch({ workers })` does once its server is ready: it serves the
 * connections the primary hands it (`serve`) and drains when asked. Meanwhile it reports how many
 * of them are open, at most once per event-loop turn and as soon as the number changes, so the
 * primary hands new ones to the least loaded worker from a current count.
 *
 * @internal
 */
export interface WorkerRole {
  serve(socket: Socket): void;
  drain(timeoutMs: number): void;
}

/**
 * Tells the primary that this worker is ready (or could not start), and plays `role` from then
 * on.
 *
 * @example
 * ```ts
 * reportWorkerStarted({ serve: (s) => server.emit("connection", s), live: () => n, drain: (ms) => stream.drain(ms) });
 * ```
 * @internal
 */
export function reportWorkerStarted(role: WorkerRole | { error: string }): void {
  if ("error" in role) {
    toPrimary({ fastrtc: "failed", error: role.error });
    return;
  }
  let open = 0;
  let received = 0;
  openSockets = 0;
  let reported = "";
  let queued = false;
  const report = () => {
    queued = false;
    const key = `${open}/${received}`;
    if (key === reported) return;
    reported = key;
    toPrimary({ fastrtc: "load", open, received });
  };
  // One report per turn of the event loop, sent before any message the new socket leads to
  // (a slot claim), so the primary's count is never older than the claims it answers.
  const changed = () => {
    openSockets = open;
    if (queued) return;
    queued = true;
    setImmediate(report);
  };
  process.on("message", (message: unknown, handle: unknown) => {
    if (!isClusterMessage(message)) return;
    const m = message as ToWorker;
    if (m.fastrtc === "drain") role.drain(m.timeoutMs);
    else if (m.fastrtc === "socket" && handle) {
      const socket = handle as Socket;
      received++;
      open++;
      socket.once("close", () => {
        open--;
        changed();
      });
      changed();
      role.serve(socket);
    }
  });
  toPrimary({ fastrtc: "ready" });
}
