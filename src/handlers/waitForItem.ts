import type { AsyncQueue } from "../utils/asyncQueue.js";
import { currentClock } from "./context.js";

/**
 * Waits up to `timeoutS` seconds for the next item of `queue`; resolves `null` when none came.
 * The way to keep an `AsyncStreamHandler.emit()` from blocking (FastRTC's `wait_for_item`).
 * Inside handler code the wait runs on the session's clock.
 *
 * @param timeoutS - Default `0.1`.
 * @example
 * ```ts
 * class Echo extends AsyncStreamHandler {
 *   queue = new AsyncQueue<AudioChunk>();
 *   async receive(frame: AudioChunk) { this.queue.put(frame); }
 *   async emit() { return waitForItem(this.queue); }
 *   copy() { return new Echo(); }
 * }
 * ```
 */
export async function waitForItem<T>(queue: AsyncQueue<T>, timeoutS = 0.1): Promise<T | null> {
  if (!(typeof timeoutS === "number" && timeoutS >= 0)) {
    throw new RangeError(`waitForItem timeout must be a number >= 0, got ${String(timeoutS)}`);
  }
  const ready = queue.getNowait();
  if (ready !== undefined || queue.size > 0) return ready as T;
  const clock = currentClock();
  const ac = new AbortController();
  const timeout = clock.sleep(timeoutS * 1000, ac.signal).then(() => null);
  const item = queue.get(ac.signal).then((v) => ({ v }));
  try {
    const got = await clock.blocked(Promise.race([item, timeout]));
    return got === null ? null : got.v;
  } finally {
    ac.abort();
    timeout.catch(() => {});
    item.catch(() => {});
  }
}
