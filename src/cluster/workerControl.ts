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

/** How often a worker tells the primary how many connections it serves (when it changed). */
const LOAD_REPORT_MS = 250;

/**
 * What a worker of `launch({ workers })` does once its server is ready: it serves the
 * connections the primary hands it (`serve`) and drains when asked. Meanwhile it reports how many
 * of them are open, so the primary hands new ones to the least loaded worker.
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
  process.on("message", (message: unknown, handle: unknown) => {
    if (!isClusterMessage(message)) return;
    const m = message as ToWorker;
    if (m.fastrtc === "drain") role.drain(m.timeoutMs);
    else if (m.fastrtc === "socket" && handle) {
      const socket = handle as Socket;
      received++;
      open++;
      socket.once("close", () => open--);
      role.serve(socket);
    }
  });
  let reported = "";
  const report = setInterval(() => {
    const key = `${open}/${received}`;
    if (key === reported) return;
    reported = key;
    toPrimary({ fastrtc: "load", open, received });
  }, LOAD_REPORT_MS);
  report.unref();
  toPrimary({ fastrtc: "ready" });
}
