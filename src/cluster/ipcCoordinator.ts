import { getLogger } from "../logger.js";
import {
  ClusterUnavailableError,
  type Coordinator,
  type OutputMessage,
  type RoutedCall,
  type SlotClaim,
} from "./coordinatorTypes.js";
import { type IpcReply, isClusterMessage, type ToPrimary, type ToWorker } from "./ipcMessages.js";

const log = getLogger("cluster");

/**
 * A worker of `launch({ workers })` without Redis: the slots, the routing of calls to the
 * worker that owns a connection and the output fan-out live in the primary, reached over the
 * cluster IPC channel. The primary frees a worker's slots the moment it exits.
 *
 * @example
 * ```ts
 * // inside a worker forked by launch({ workers: 2 })
 * const c = new IpcCoordinator(process.env.FASTRTC_CLUSTER_NODE ?? "w1");
 * await c.claim("abc", 10);
 * ```
 * @internal
 */
export class IpcCoordinator implements Coordinator {
  readonly kind = "workers" as const;
  readonly nodeId: string;
  readonly #callTimeoutMs: number;
  #rid = 0;
  readonly #pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  readonly #listeners = new Map<string, Set<(m: OutputMessage) => void>>();
  #serve: ((call: RoutedCall) => Promise<unknown>) | null = null;
  readonly #onMessage = (message: unknown) => {
    if (isClusterMessage(message)) this.#handle(message as ToWorker);
  };

  constructor(nodeId: string, callTimeoutMs = 5000) {
    this.nodeId = nodeId;
    this.#callTimeoutMs = callTimeoutMs;
    process.on("message", this.#onMessage);
  }

  get available(): boolean {
    return process.connected === true;
  }

  #send(message: ToPrimary): boolean {
    if (!process.connected || !process.send) return false;
    try {
      return process.send(message);
    } catch {
      return false;
    }
  }

  #request(message: ToPrimary & { rid: number }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(message.rid);
        reject(
          new ClusterUnavailableError(
            `The primary did not answer within ${this.#callTimeoutMs} ms`,
          ),
        );
      }, this.#callTimeoutMs);
      this.#pending.set(message.rid, { resolve, reject, timer });
      if (!this.#send(message)) {
        clearTimeout(timer);
        this.#pending.delete(message.rid);
        reject(new ClusterUnavailableError("The primary process is gone"));
      }
    });
  }

  async claim(id: string, limit: number): Promise<SlotClaim> {
    try {
      return (await this.#request({ fastrtc: "claim", rid: ++this.#rid, id, limit })) as SlotClaim;
    } catch {
      return { ok: false, reason: "unavailable" };
    }
  }

  async start(): Promise<void> {}

  release(id: string): void {
    this.#send({ fastrtc: "release", id });
  }

  async owner(id: string): Promise<string | null> {
    return (await this.#request({ fastrtc: "owner", rid: ++this.#rid, id })) as string | null;
  }

  async count(): Promise<number> {
    return (await this.#request({ fastrtc: "count", rid: ++this.#rid })) as number;
  }

  call(node: string, call: RoutedCall): Promise<unknown> {
    return this.#request({ fastrtc: "call", rid: ++this.#rid, to: node, call });
  }

  serve(handler: (call: RoutedCall) => Promise<unknown>): void {
    this.#serve = handler;
  }

  publish(id: string, message: OutputMessage): void {
    this.#send({ fastrtc: "publish", id, message });
  }

  subscribe(id: string, listener: (message: OutputMessage) => void): () => void {
    let set = this.#listeners.get(id);
    if (!set) {
      set = new Set();
      this.#listeners.set(id, set);
      this.#send({ fastrtc: "subscribe", id });
    }
    set.add(listener);
    return () => {
      const s = this.#listeners.get(id);
      if (!s?.delete(listener) || s.size > 0) return;
      this.#listeners.delete(id);
      this.#send({ fastrtc: "unsubscribe", id });
    };
  }

  onResync(_liveIds: () => string[]): void {}

  #handle(message: ToWorker): void {
    switch (message.fastrtc) {
      case "answer": {
        const p = this.#pending.get(message.rid);
        if (!p) return;
        this.#pending.delete(message.rid);
        clearTimeout(p.timer);
        if (message.ok) p.resolve(message.value);
        else p.reject(new ClusterUnavailableError(message.error));
        return;
      }
      case "call":
        void this.#answer(message.rid, message.call);
        return;
      case "out":
        for (const l of [...(this.#listeners.get(message.id) ?? [])]) l(message.message);
        return;
      case "drain":
        return;
    }
  }

  async #answer(rid: number, call: RoutedCall): Promise<void> {
    let reply: IpcReply;
    try {
      if (!this.#serve) throw new Error("This worker serves no stream");
      reply = { ok: true, value: (await this.#serve(call)) ?? null };
    } catch (err) {
      reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (!this.#send({ fastrtc: "reply", rid, ...reply })) {
      log.debug("routed call answered after the primary left", { rid });
    }
  }

  async close(): Promise<void> {
    process.off("message", this.#onMessage);
    for (const [rid, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new ClusterUnavailableError("closed"));
      this.#pending.delete(rid);
    }
  }
}
