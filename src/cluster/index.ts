import type { ClusterOptions, Coordinator } from "./coordinatorTypes.js";
import { IpcCoordinator } from "./ipcCoordinator.js";
import { LocalCoordinator } from "./localCoordinator.js";
import { RedisCoordinator } from "./redisCoordinator.js";
import { workerNodeId } from "./workerControl.js";

export {
  type ClusterOptions,
  ClusterUnavailableError,
  type Coordinator,
  type OutputMessage,
  type RoutedCall,
  type SlotClaim,
} from "./coordinatorTypes.js";
export { reportWorkerStarted, workerNodeId, workerSocketCount } from "./workerControl.js";
export { startWorkers, type WorkerHub } from "./workerHub.js";

/**
 * The resolved settings of {@link ClusterOptions}.
 *
 * @internal
 */
export interface ResolvedCluster {
  redisUrl: string | null;
  name: string;
  leaseMs: number;
  callTimeoutMs: number;
}

/**
 * Checks `StreamOptions.cluster` and fills in the defaults.
 *
 * @throws TypeError / RangeError naming the bad field.
 * @example
 * ```ts
 * resolveCluster({ redisUrl: "redis://localhost:6379" }).leaseMs; // 10000
 * ```
 * @internal
 */
export function resolveCluster(options: ClusterOptions | null | undefined): ResolvedCluster {
  const o = options ?? {};
  if (typeof o !== "object") throw new TypeError("cluster must be an object, e.g. { redisUrl }");
  const url = o.redisUrl ?? null;
  if (url !== null) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")) {
      throw new TypeError(
        `cluster.redisUrl must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`,
      );
    }
  }
  const name = o.name ?? "default";
  if (typeof name !== "string" || !/^[\w.-]{1,64}$/.test(name)) {
    throw new TypeError("cluster.name must be 1-64 letters, digits, '_', '.' or '-'");
  }
  const lease = o.leaseSeconds ?? 10;
  if (typeof lease !== "number" || !(lease > 0) || lease > 3600) {
    throw new RangeError(`cluster.leaseSeconds must be in (0, 3600], got ${String(lease)}`);
  }
  const callTimeoutMs = o.callTimeoutMs ?? 5000;
  if (typeof callTimeoutMs !== "number" || !(callTimeoutMs > 0)) {
    throw new RangeError(`cluster.callTimeoutMs must be > 0, got ${String(callTimeoutMs)}`);
  }
  return { redisUrl: url, name, leaseMs: Math.round(lease * 1000), callTimeoutMs };
}

/**
 * The coordinator of a stream: Redis when `redisUrl` is set, the primary of
 * `launch({ workers })` in one of its workers, else this process alone.
 *
 * @example
 * ```ts
 * const c = createCoordinator(resolveCluster({}));
 * c.kind; // "local"
 * ```
 * @internal
 */
export function createCoordinator(cluster: ResolvedCluster): Coordinator {
  if (cluster.redisUrl !== null) {
    return new RedisCoordinator({
      url: cluster.redisUrl,
      name: cluster.name,
      leaseMs: cluster.leaseMs,
      callTimeoutMs: cluster.callTimeoutMs,
    });
  }
  const node = workerNodeId();
  if (node !== null) return new IpcCoordinator(node, cluster.callTimeoutMs);
  return new LocalCoordinator();
}
