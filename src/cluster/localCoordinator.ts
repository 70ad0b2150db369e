import { randomUUID } from "node:crypto";
import type { Coordinator, OutputMessage, RoutedCall, SlotClaim } from "./coordinatorTypes.js";
import { SlotTable } from "./slotTable.js";

/**
 * The default coordinator: one process, state in memory, answers synchronously (today's
 * single-process behaviour). Calls can only be routed to this process itself.
 *
 * @example
 * ```ts
 * const c = new LocalCoordinator();
 * c.claim("abc", 10); // { ok: true }
 * ```
 * @internal
 */
export class LocalCoordinator implements Coordinator {
  readonly nodeId = `local-${randomUUID()}`;
  readonly kind = "local" as const;
  readonly available = true;
  readonly #slots = new SlotTable();
  #serve: ((call: RoutedCall) => Promise<unknown>) | null = null;

  claim(id: string, limit: number): SlotClaim {
    return this.#slots.claim(id, this.nodeId, limit);
  }

  async start(): Promise<void> {}

  release(id: string): void {
    this.#slots.release(id, this.nodeId);
  }

  owner(id: string): string | null {
    return this.#slots.owner(id);
  }

  count(): number {
    return this.#slots.size;
  }

  async call(node: string, call: RoutedCall): Promise<unknown> {
    if (node !== this.nodeId || !this.#serve) throw new Error(`No process ${node}`);
    return this.#serve(call);
  }

  serve(handler: (call: RoutedCall) => Promise<unknown>): void {
    this.#serve = handler;
  }

  publish(_id: string, _message: OutputMessage): void {}

  subscribe(_id: string, _listener: (message: OutputMessage) => void): () => void {
    return () => {};
  }

  onResync(_liveIds: () => string[]): void {}

  async close(): Promise<void> {}
}
