import { Fifo } from "./fifo.js";

/**
 * Options of an {@link AsyncQueue}.
 *
 * @example
 * ```ts
 * const q = new AsyncQueue<string>({ maxSize: 100 } satisfies AsyncQueueOptions);
 * ```
 */
export interface AsyncQueueOptions {
  /** Most items kept; a `put()` on a full queue drops the oldest. Default: unbounded. */
  maxSize?: number;
}

/**
 * A FIFO queue with an awaitable `get()`, the TypeScript stand-in for Python's `asyncio.Queue`
 * in handler code. Unbounded unless `maxSize` is given (then the oldest items are dropped).
 *
 * @example
 * ```ts
 * const q = new AsyncQueue<string>();
 * q.put("hi");
 * await q.get(); // "hi"
 * ```
 */
export class AsyncQueue<T> {
  readonly #items = new Fifo<T>();
  #waiters: Array<(item: T) => void> = [];
  readonly #maxSize: number;
  /** Items dropped because the queue was full. */
  dropped = 0;

  constructor(options: AsyncQueueOptions = {}) {
    this.#maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
  }

  /** Adds an item, handing it straight to the oldest waiting `get()` if any. */
  put(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter(item);
      return;
    }
    this.#items.push(item);
    if (this.#items.length > this.#maxSize) {
      this.#items.shift();
      this.dropped++;
    }
  }

  /** Number of queued items. */
  get size(): number {
    return this.#items.length;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  getNowait(): T | undefined {
    return this.#items.shift();
  }

  /**
   * Resolves with the oldest item, waiting for one if needed. An aborted `signal` rejects the
   * call and guarantees no item is lost to it.
   */
  get(signal?: AbortSignal): Promise<T> {
    if (this.size > 0) return Promise.resolve(this.getNowait() as T);
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter = (item: T) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(item);
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Drops every queued item. */
  clear(): void {
    this.#items.clear();
  }
}
