/**
 * Resolves after the current turn of the event loop (`setImmediate`), so I/O and timers that
 * are due get their turn: long work split with it never holds the loop for long.
 *
 * @example
 * ```ts
 * for (const part of parts) {
 *   work(part);
 *   await macrotask();
 * }
 * ```
 * @internal
 */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
