import cluster from "node:cluster";
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

/**
 * Tells the primary that this worker listens at `url` (or could not start), and calls `drain`
 * when the primary asks the worker to drain (shutdown).
 *
 * @example
 * ```ts
 * reportWorkerStarted({ port: 7860, url: "http://127.0.0.1:7860" }, (ms) => stream.drain(ms));
 * ```
 * @internal
 */
export function reportWorkerStarted(
  started: { port: number; url: string } | { error: string },
  drain: (timeoutMs: number) => void,
): void {
  if ("error" in started) {
    toPrimary({ fastrtc: "failed", error: started.error });
    return;
  }
  process.on("message", (message: unknown) => {
    if (isClusterMessage(message) && (message as ToWorker).fastrtc === "drain") {
      drain((message as Extract<ToWorker, { fastrtc: "drain" }>).timeoutMs);
    }
  });
  toPrimary({ fastrtc: "listening", port: started.port, url: started.url });
}
