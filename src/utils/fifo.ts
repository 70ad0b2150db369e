/**
 * A first-in first-out list with O(1) `shift()` (an array with a moving head), for queues that
 * can hold minutes of 20 ms frames.
 *
 * @internal
 */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Puts `items` back at the front, in their order (before the current first item). */
  unshiftAll(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items = [...items, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  /**
   * Keeps only the items that pass `keep`, in order.
   *
   * @returns how many items were removed.
   */
  retain(keep: (item: T) => boolean): number {
    const before = this.length;
    this.#items = this.#items.slice(this.#head).filter(keep);
    this.#head = 0;
    return before - this.#items.length;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
