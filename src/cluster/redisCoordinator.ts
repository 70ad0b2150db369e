import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { getLogger } from "../logger.js";
import {
  ClusterUnavailableError,
  type Coordinator,
  type OutputMessage,
  type RoutedCall,
  type SlotClaim,
} from "./coordinatorTypes.js";

const log = getLogger("cluster");

/**
 * Lua: walks the slots hash (KEYS[1]) counting the live ones into `n`; entries of nodes whose
 * lease key (`nodePrefix` .. node) is gone are dropped as they are met, so a dead process's
 * slots come back within one lease. `onLive` runs for each live entry (`all[i]` is its id).
 */
function liveSlots(nodePrefix: string, onLive = ""): string {
  return `
local all = redis.call('HGETALL', KEYS[1])
local alive = {}
local n = 0
for i = 1, #all, 2 do
  local owner = all[i + 1]
  local live = alive[owner]
  if live == nil then
    live = redis.call('EXISTS', ${nodePrefix} .. owner) == 1
    alive[owner] = live
  end
  if live then
    ${onLive}
    n = n + 1
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end`;
}

/** Claims slot ARGV[1] for node ARGV[2] under limit ARGV[3] (ARGV[4]: lease key prefix). */
const CLAIM = `${liveSlots("ARGV[4]", "if all[i] == ARGV[1] then return 'taken' end")}
if n >= tonumber(ARGV[3]) then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'ok'`;

/** Counts live slots (ARGV[1]: lease key prefix). */
const COUNT = `${liveSlots("ARGV[1]")}
return n`;

/** The owner of a slot, if its lease is alive. */
const OWNER = `
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if not owner then return false end
if redis.call('EXISTS', ARGV[2] .. owner) == 1 then return owner end
redis.call('HDEL', KEYS[1], ARGV[1])
return false`;

const RELEASE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;

/** After an outage: this node's entries become exactly its live ids (ARGV[3..]). */
const RESYNC = `
local node = ARGV[1]
local live = {}
for i = 3, #ARGV do live[ARGV[i]] = true end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i + 1] == node and not live[all[i]] then redis.call('HDEL', KEYS[1], all[i]) end
end
for i = 3, #ARGV do
  local owner = redis.call('HGET', KEYS[1], ARGV[i])
  if not owner or owner == node or redis.call('EXISTS', ARGV[2] .. owner) == 0 then
    redis.call('HSET', KEYS[1], ARGV[i], node)
  end
end
return 1`;

const DROP_NODE = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[1], all[i]) end
end
redis.call('DEL', KEYS[2])
return 1`;

/**
 * Settings of a {@link RedisCoordinator}.
 *
 * @internal
 */
export interface RedisCoordinatorOptions {
  url: string;
  /** Service name (key prefix `fastrtc:{name}:`). */
  name: string;
  leaseMs: number;
  callTimeoutMs: number;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type Wire =
  | { t: "call"; rid: number; from: string; call: RoutedCall }
  | { t: "reply"; rid: number; ok: true; value: unknown }
  | { t: "reply"; rid: number; ok: false; error: string };

/**
 * Slots, routed calls and output fan-out through Redis (`cluster: { redisUrl }`). Two
 * connections: one for commands (no offline queue, so an outage fails fast with
 * {@link ClusterUnavailableError}) and one for pub/sub. Media never goes through Redis.
 *
 * @example
 * ```ts
 * const c = new RedisCoordinator({ url: "redis://127.0.0.1:6379", name: "app", leaseMs: 10_000, callTimeoutMs: 5000 });
 * await c.claim("abc", 10);
 * ```
 * @internal
 */
export class RedisCoordinator implements Coordinator {
  readonly kind = "redis" as const;
  readonly nodeId = `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  readonly #opts: RedisCoordinatorOptions;
  readonly #prefix: string;
  readonly #slotsKey: string;
  readonly #nodePrefix: string;
  #cmd: Redis | null = null;
  #sub: Redis | null = null;
  #starting: Promise<void> | null = null;
  #available = false;
  /** True once the lease was set at least once (a later lapse needs a resync). */
  #leased = false;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;
  #rid = 0;
  readonly #pending = new Map<number, PendingCall>();
  readonly #listeners = new Map<string, Set<(m: OutputMessage) => void>>();
  #serve: ((call: RoutedCall) => Promise<unknown>) | null = null;
  #liveIds: () => string[] = () => [];

  constructor(options: RedisCoordinatorOptions) {
    this.#opts = options;
    this.#prefix = `fastrtc:${options.name}:`;
    this.#slotsKey = `${this.#prefix}slots`;
    this.#nodePrefix = `${this.#prefix}node:`;
  }

  get available(): boolean {
    return this.#available;
  }

  /** Connects (once); later calls wait for the same start. Never throws. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { Redis } = await import("ioredis");
    const common = {
      lazyConnect: true,
      retryStrategy: (times: number) => Math.min(100 * times, 1000),
      connectTimeout: 2000,
    };
    const cmd = new Redis(this.#opts.url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const sub = new Redis(this.#opts.url, { ...common, maxRetriesPerRequest: null });
    this.#cmd = cmd;
    this.#sub = sub;
    for (const [name, client] of [
      ["commands", cmd],
      ["subscriber", sub],
    ] as const) {
      client.on("error", (err: Error) => log.debug("redis error", { connection: name, err }));
    }
    cmd.on("ready", () => void this.#onReady());
    cmd.on("close", () => {
      if (this.#available) log.warn("lost Redis; new connections are refused until it is back");
      this.#available = false;
    });
    sub.on("message", (channel: string, message: string) => this.#onMessage(channel, message));
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(50, this.#opts.leaseMs / 3));
    this.#heartbeat.unref();
    await Promise.all([
      cmd.connect().catch(() => {}),
      sub
        .connect()
        .then(() =>
          sub.subscribe(
            `${this.#prefix}call:${this.nodeId}`,
            `${this.#prefix}reply:${this.nodeId}`,
          ),
        )
        .catch(() => {}),
    ]);
    if (cmd.status === "ready") await this.#onReady();
  }

  async #onReady(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#beat();
    } catch {
      // #beat logs and marks the coordinator unavailable.
    }
  }

  /** Renews the lease; after a lapse (outage, long pause) puts this node's slots back. */
  async #beat(): Promise<void> {
    const cmd = this.#cmd;
    if (!cmd || this.#closed) return;
    try {
      const before = await cmd.set(
        `${this.#nodePrefix}${this.nodeId}`,
        "1",
        "PX",
        this.#opts.leaseMs,
        "GET",
      );
      if (before === null && this.#leased) {
        await cmd.eval(
          RESYNC,
          1,
          this.#slotsKey,
          this.nodeId,
          this.#nodePrefix,
          ...this.#liveIds(),
        );
        log.info("lease renewed after a lapse; slots resynchronised", { node: this.nodeId });
      }
      this.#leased = true;
      if (!this.#available) log.info("Redis reachable", { node: this.nodeId });
      this.#available = true;
    } catch (err) {
      if (this.#available) log.warn("Redis heartbeat failed", { err });
      this.#available = false;
    }
  }

  async #command<T>(run: (cmd: Redis) => Promise<T>): Promise<T> {
    await this.start();
    const cmd = this.#cmd;
    if (!cmd || !this.#available || cmd.status !== "ready") {
      throw new ClusterUnavailableError("Redis is not reachable");
    }
    try {
      return await run(cmd);
    } catch (err) {
      throw new ClusterUnavailableError(
        `Redis command failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async claim(id: string, limit: number): Promise<SlotClaim> {
    let answer: unknown;
    try {
      answer = await this.#command((cmd) =>
        cmd.eval(
          CLAIM,
          1,
          this.#slotsKey,
          id,
          this.nodeId,
          String(Number.isFinite(limit) ? limit : 1e15),
          this.#nodePrefix,
        ),
      );
    } catch {
      return { ok: false, reason: "unavailable" };
    }
    if (answer === "ok") return { ok: true };
    return { ok: false, reason: answer === "taken" ? "taken" : "full" };
  }

  release(id: string): void {
    // After an outage the resync drops whatever a failed release left behind.
    this.#command((cmd) => cmd.eval(RELEASE, 1, this.#slotsKey, id, this.nodeId)).catch(() => {});
  }

  async owner(id: string): Promise<string | null> {
    const owner = await this.#command((cmd) =>
      cmd.eval(OWNER, 1, this.#slotsKey, id, this.#nodePrefix),
    );
    return typeof owner === "string" ? owner : null;
  }

  async count(): Promise<number> {
    const n = await this.#command((cmd) => cmd.eval(COUNT, 1, this.#slotsKey, this.#nodePrefix));
    return Number(n);
  }

  async call(node: string, call: RoutedCall): Promise<unknown> {
    const rid = ++this.#rid;
    const message = JSON.stringify({ t: "call", rid, from: this.nodeId, call } satisfies Wire);
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(rid);
        reject(
          new ClusterUnavailableError(
            `No answer from ${node} within ${this.#opts.callTimeoutMs} ms`,
          ),
        );
      }, this.#opts.callTimeoutMs);
      this.#pending.set(rid, { resolve, reject, timer });
    });
    let receivers: number;
    try {
      receivers = await this.#command((cmd) => cmd.publish(`${this.#prefix}call:${node}`, message));
    } catch (err) {
      this.#settle(rid, { ok: false, error: (err as Error).message });
      return answer;
    }
    if (receivers === 0) this.#settle(rid, { ok: false, error: `${node} is not listening` });
    return answer;
  }

  serve(handler: (call: RoutedCall) => Promise<unknown>): void {
    this.#serve = handler;
    void this.start();
  }

  publish(id: string, message: OutputMessage): void {
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      log.debug("outputs not shared: not JSON", { id, err });
      return;
    }
    this.#command((cmd) => cmd.publish(`${this.#prefix}out:${id}`, text)).catch(() => {});
  }

  subscribe(id: string, listener: (message: OutputMessage) => void): () => void {
    const channel = `${this.#prefix}out:${id}`;
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      void this.start().then(() => this.#sub?.subscribe(channel).catch(() => {}));
    }
    set.add(listener);
    return () => {
      const s = this.#listeners.get(channel);
      if (!s?.delete(listener) || s.size > 0) return;
      this.#listeners.delete(channel);
      this.#sub?.unsubscribe(channel).catch(() => {});
    };
  }

  onResync(liveIds: () => string[]): void {
    this.#liveIds = liveIds;
  }

  #onMessage(channel: string, text: string): void {
    const listeners = this.#listeners.get(channel);
    if (listeners) {
      let message: OutputMessage;
      try {
        message = JSON.parse(text) as OutputMessage;
      } catch {
        return;
      }
      for (const l of [...listeners]) l(message);
      return;
    }
    let wire: Wire;
    try {
      wire = JSON.parse(text) as Wire;
    } catch {
      return;
    }
    if (wire.t === "reply") this.#settle(wire.rid, wire);
    else if (wire.t === "call") void this.#answer(wire);
  }

  async #answer(wire: Extract<Wire, { t: "call" }>): Promise<void> {
    let reply: Wire;
    try {
      if (!this.#serve) throw new Error("This process serves no stream");
      const value = await this.#serve(wire.call);
      reply = { t: "reply", rid: wire.rid, ok: true, value: value ?? null };
    } catch (err) {
      reply = {
        t: "reply",
        rid: wire.rid,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      };
    }
    this.#command((cmd) =>
      cmd.publish(`${this.#prefix}reply:${wire.from}`, JSON.stringify(reply)),
    ).catch(() => {});
  }

  #settle(rid: number, reply: { ok: true; value: unknown } | { ok: false; error: string }): void {
    const pending = this.#pending.get(rid);
    if (!pending) return;
    this.#pending.delete(rid);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new ClusterUnavailableError(reply.error));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const rid of [...this.#pending.keys()]) this.#settle(rid, { ok: false, error: "closed" });
    const cmd = this.#cmd;
    if (cmd?.status === "ready") {
      await cmd
        .eval(DROP_NODE, 2, this.#slotsKey, `${this.#nodePrefix}${this.nodeId}`, this.nodeId)
        .catch(() => {});
    }
    this.#available = false;
    await Promise.allSettled([cmd?.quit(), this.#sub?.quit()]);
    cmd?.disconnect();
    this.#sub?.disconnect();
  }
}
