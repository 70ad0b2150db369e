import type { StreamHandlerBase } from "../handlers/StreamHandler.js";

/**
 * The transport a connection came in on.
 *
 * @example
 * ```ts
 * stream.on("connect", ({ id, transport }: { id: string; transport: TransportKind }) => log(id, transport));
 * ```
 */
export type TransportKind = "webrtc" | "websocket" | "telephone";

/**
 * What the stream's registry knows about a live connection, whatever its transport. Each entry
 * holds one concurrency slot from registration until `cleanup()`.
 *
 * @internal
 */
export interface ConnectionEntry {
  readonly id: string;
  readonly transport: TransportKind;
  /** The connection's own handler copy. */
  readonly handler: StreamHandlerBase;
  /** True once cleanup started. */
  readonly closed: boolean;
  /** Ends the connection and frees its slot. Idempotent. */
  cleanup(code?: number): Promise<void>;
  /** Sends a side-band JSON message; false when it cannot be delivered. */
  send(message: object): boolean;
}
