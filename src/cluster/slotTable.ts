import type { SlotClaim } from "./coordinatorTypes.js";

/**
 * Connection slots held in memory, by connection id, each owned by one process (node). The
 * state behind the in-process coordinator and the primary of `launch({ workers })`.
 *
 * @example
 * ```ts
 * const slots = new SlotTable();
 * slots.claim("abc", "node-1", 10); // { ok: true }
 * slots.owner("abc"); // "node-1"
 * slots.releaseNode("node-1"); // the process died: its slots are free
 * ```
 * @internal
 */
export class SlotTable {
  readonly #owners = new Map<string, string>();

  /** Slots held. */
  get size(): number {
    return this.#owners.size;
  }

  /** Claims `id` for `node` when it is free and fewer than `limit` slots are held. */
  claim(id: string, node: string, limit: number): SlotClaim {
    if (this.#owners.has(id)) return { ok: false, reason: "taken" };
    if (this.#owners.size >= limit) return { ok: false, reason: "full" };
    this.#owners.set(id, node);
    return { ok: true };
  }

  /** Frees `id` if `node` holds it. */
  release(id: string, node: string): void {
    if (this.#owners.get(id) === node) this.#owners.delete(id);
  }

  /** Frees every slot of `node` (it exited); returns how many. */
  releaseNode(node: string): number {
    let n = 0;
    for (const [id, owner] of this.#owners) {
      if (owner === node) {
        this.#owners.delete(id);
        n++;
      }
    }
    return n;
  }

  /** The node holding `id`, or `null`. */
  owner(id: string): string | null {
    return this.#owners.get(id) ?? null;
  }
}
