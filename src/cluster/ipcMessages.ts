import type { OutputMessage, RoutedCall } from "./coordinatorTypes.js";

/**
 * Environment variable naming a worker process of `launch({ workers })`: its node id.
 *
 * @internal
 */
export const WORKER_NODE_ENV = "FASTRTC_CLUSTER_NODE";

/** A reply: the value, or why there is none. @internal */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Messages from a worker to the primary of `launch({ workers })`. Every message carries
 * `fastrtc` (its kind), so an app's own IPC messages pass by untouched.
 *
 * @internal
 */
export type ToPrimary =
  | { fastrtc: "claim"; rid: number; id: string; limit: number }
  | { fastrtc: "release"; id: string }
  | { fastrtc: "owner"; rid: number; id: string }
  | { fastrtc: "count"; rid: number }
  | { fastrtc: "call"; rid: number; to: string; call: RoutedCall }
  | ({ fastrtc: "reply"; rid: number } & IpcReply)
  | { fastrtc: "publish"; id: string; message: OutputMessage }
  | { fastrtc: "subscribe"; id: string }
  | { fastrtc: "unsubscribe"; id: string }
  | { fastrtc: "ready" }
  /** `open`: connections the worker serves now; `received`: sockets it got since it started. */
  | { fastrtc: "load"; open: number; received: number }
  | { fastrtc: "failed"; error: string };

/**
 * Messages from the primary to a worker.
 *
 * @internal
 */
export type ToWorker =
  | ({ fastrtc: "answer"; rid: number } & IpcReply)
  | { fastrtc: "call"; rid: number; call: RoutedCall }
  | { fastrtc: "out"; id: string; message: OutputMessage }
  | { fastrtc: "drain"; timeoutMs: number }
  /** Sent with a TCP socket handle: serve this connection. */
  | { fastrtc: "socket" };

/**
 * True for a message of this protocol (and not one of the app's own).
 *
 * @internal
 */
export function isClusterMessage(value: unknown): value is { fastrtc: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { fastrtc?: unknown }).fastrtc === "string"
  );
}
