/**
 * An unbounded FIFO queue with an awaitable `get()`, the TypeScript stand-in for Python's
 * `asyncio.Queue` in handler code.
 *
 * @example
 * ```ts
 * const q = new AsyncQueue<string>();
 * q.put("hi");
 * await q.get(); // "hi"
 * ```
 */
export class AsyncQueue<T> {
  #items: T[] = [];
  #head = 0;
  #waiters: Array<(item: T) => void> = [];

  /** Adds an item, handing it straight to the oldest waiting `get()` if any. */
  put(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  /** Number of queued items. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  getNowait(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
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
    this.#items = [];
    this.#head = 0;
  }
}
