/**
 * The shared state of a stream served by several processes or hosts: concurrency slots (who
 * holds which connection id), calls routed to a connection's owner, and the fan-out of a
 * connection's additional outputs. One interface, three implementations: in this process
 * (the default), the primary of `launch({ workers })` over IPC, and Redis.
 */

/**
 * Settings of a stream that runs as one service across processes and hosts.
 *
 * @example
 * ```ts
 * new Stream({ handler, cluster: { redisUrl: "redis://10.0.0.5:6379", leaseSeconds: 10 } });
 * ```
 */
export interface ClusterOptions {
  /**
   * Redis to coordinate through, e.g. `"redis://localhost:6379"` (`rediss://` for TLS). Every
   * process (and host) given the same URL and `name` counts its connections against one
   * `concurrencyLimit`, and requests about a connection (trickled candidates, `/input_hook`,
   * `/outputs`, `setInput`, ...) reach it whichever process receives them. Default: none (one
   * process, or the processes of `launch({ workers })` coordinated by their primary).
   */
  redisUrl?: string | null;
  /**
   * Name of the service in Redis (its keys start with `fastrtc:{name}:`), so several apps can
   * share one Redis. Default `"default"`.
   */
  name?: string;
  /**
   * Seconds after which the slots of a process that stopped heartbeating (killed, host gone,
   * cut off from Redis) are free again. Heartbeats go every third of it. Default `10`.
   */
  leaseSeconds?: number;
  /** Milliseconds a routed call waits for the owner's answer. Default `5000`. */
  callTimeoutMs?: number;
}

/**
 * The answer to a slot claim: taken, or why not (`"taken"`: the id is live somewhere;
 * `"full"`: the concurrency limit is reached; `"unavailable"`: the shared state cannot be
 * reached, e.g. Redis is down).
 *
 * @example
 * ```ts
 * const claim: SlotClaim = { ok: false, reason: "full" };
 * ```
 */
export type SlotClaim = { ok: true } | { ok: false; reason: "taken" | "full" | "unavailable" };

/**
 * A request about one connection, carried to the process that owns it (JSON-safe values only).
 *
 * @example
 * ```ts
 * const call: RoutedCall = { op: "setInput", id: "abc", args: ["formal", 0.7] };
 * ```
 */
export type RoutedCall =
  | { op: "candidate"; id: string; body: unknown }
  | { op: "inputHook"; id: string; values: unknown[]; token: string | null }
  | { op: "setInput"; id: string; args: unknown[] }
  | { op: "update"; id: string; state: "open" | "closed" }
  | { op: "close"; id: string }
  | { op: "outputValues"; id: string }
  | { op: "checkToken"; id: string; token: string | null };

/**
 * What a connection's owner publishes about its outputs: one `AdditionalOutputs` (its args and,
 * when outputs are declared, the merged current values), or the end of the connection.
 *
 * @example
 * ```ts
 * const msg: OutputMessage = { kind: "output", args: ["hi"], values: null };
 * ```
 */
export type OutputMessage =
  | { kind: "output"; args: unknown[]; values: unknown[] | null }
  | { kind: "end" };

/**
 * Thrown when the shared state cannot be reached (Redis down, the primary gone) or a routed
 * call finds no owner alive in time.
 *
 * @example
 * ```ts
 * try { await coordinator.owner(id); } catch (e) { if (e instanceof ClusterUnavailableError) ... }
 * ```
 */
export class ClusterUnavailableError extends Error {
  override name = "ClusterUnavailableError";
}

/**
 * The seam between a `Stream` and the state it shares with the other processes of its service.
 * Sync results on the in-process implementation keep the single-process path free of awaits.
 *
 * @internal
 */
export interface Coordinator {
  /** This process's id in the service (unique across hosts). */
  readonly nodeId: string;
  /** `"local"`, `"workers"` or `"redis"`. */
  readonly kind: "local" | "workers" | "redis";
  /** Connects to the shared state (idempotent; never throws: an outage shows as `available`). */
  start(): Promise<void>;
  /** False while the shared state cannot be reached. */
  readonly available: boolean;
  /** Claims the slot of `id` for this process if fewer than `limit` are held service-wide. */
  claim(id: string, limit: number): SlotClaim | Promise<SlotClaim>;
  /** Frees the slot of `id` held by this process (retried after an outage). */
  release(id: string): void;
  /** The process that holds `id`, or `null`. @throws ClusterUnavailableError */
  owner(id: string): string | null | Promise<string | null>;
  /** Slots held service-wide. @throws ClusterUnavailableError */
  count(): number | Promise<number>;
  /** Runs `call` on process `node` and returns its answer. @throws ClusterUnavailableError */
  call(node: string, call: RoutedCall): Promise<unknown>;
  /** Answers routed calls addressed to this process. */
  serve(handler: (call: RoutedCall) => Promise<unknown>): void;
  /** Tells the other processes about outputs of a connection this process owns. */
  publish(id: string, message: OutputMessage): void;
  /** Listens to the outputs of a connection owned elsewhere; returns the unsubscribe. */
  subscribe(id: string, listener: (message: OutputMessage) => void): () => void;
  /** Called with the ids this process holds whenever the shared state was lost and is back. */
  onResync(liveIds: () => string[]): void;
  /** Frees this process's slots and disconnects. */
  close(): Promise<void>;
}
