import { AsyncLocalStorage } from "node:async_hooks";
import { getLogger } from "../logger.js";

const log = getLogger("clock");

/**
 * The time source behind every timing-sensitive part of the library (output pacing, idle polling,
 * `waitForItem`, timeouts). Tests swap in a {@link VirtualClock} to run an hour of audio in seconds.
 *
 * Times are milliseconds.
 * @example
 * ```ts
 * const clock: Clock = new VirtualClock();
 * new Session(handler, { id, clock });
 * ```
 */
export interface Clock {
  /** Current time in ms (monotonic for {@link RealClock}). */
  now(): number;
  /** Resolves after `ms`, or rejects with an `AbortError` when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Awaits `promise` and tells the clock the current piece of work is blocked meanwhile (waiting
   * for input, not computing). Virtual time may advance while it waits. A no-op for real time.
   */
  blocked<T>(promise: Promise<T>): Promise<T>;
  /**
   * Runs `work` as a unit the clock waits for before it moves virtual time on (a handler call, a
   * model call). A no-op wrapper for real time.
   */
  track<T>(work: () => T | Promise<T>, label?: string): Promise<T>;
}

/**
 * A cancellable one-shot timer on a clock: runs `fn` after `ms` unless cancelled first.
 *
 * @example
 * ```ts
 * const timer = startTimer(clock, 30_000, () => void entry.cleanup());
 * // connected in time:
 * timer.cancel();
 * ```
 */
export function startTimer(clock: Clock, ms: number, fn: () => void): { cancel(): void } {
  const run = () => {
    try {
      fn();
    } catch (err) {
      log.warn("timer callback failed", { err });
    }
  };
  if (clock instanceof RealClock) {
    // Real time: a plain timer (no AbortController, promise and listener per timer; the frame
    // VAD starts one per batch).
    const timer = setTimeout(run, Math.max(0, ms));
    return { cancel: () => clearTimeout(timer) };
  }
  const ac = new AbortController();
  clock
    .sleep(ms, ac.signal)
    .then(() => {
      if (!ac.signal.aborted) run();
    })
    .catch(() => {}); // aborted: cancelled
  return { cancel: () => ac.abort() };
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as unknown;
  if (reason instanceof Error) return reason;
  const err = new Error("The operation was aborted");
  err.name = "AbortError";
  return err;
}

/**
 * Wall-clock time from `performance.now()`.
 *
 * @example
 * ```ts
 * const clock = new RealClock();
 * await clock.sleep(20);
 * ```
 */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const timer = setTimeout(done, Math.max(0, ms));
      function onAbort() {
        clearTimeout(timer);
        reject(abortError(signal as AbortSignal));
      }
      function done() {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
  blocked<T>(promise: Promise<T>): Promise<T> {
    return promise;
  }
  track<T>(work: () => T | Promise<T>): Promise<T> {
    const result = work();
    return result instanceof Promise ? result : Promise.resolve(result);
  }
}

/**
 * The process-wide real clock.
 *
 * @internal
 */
export const realClock: Clock = new RealClock();

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

interface Unit {
  blocked: number;
  label: string;
}

/**
 * Deterministic time for tests and simulations: time stands still until {@link VirtualClock.advance}
 * moves it, and before each step the clock waits until every tracked piece of work has finished or
 * is blocked (sleeping on this clock or waiting for input). Work that awaits real I/O (a model in a
 * worker thread) is simply waited for, so results do not depend on the machine's speed.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const p = clock.sleep(1000);
 * await clock.advance(1000); // resolves p without waiting a second
 * ```
 */
export class VirtualClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];
  #units = new Set<Unit>();
  readonly #als = new AsyncLocalStorage<Unit>();

  /** @param start - initial virtual time in ms. Default `0`. */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
    });
    return this.blocked(p);
  }

  async blocked<T>(promise: Promise<T>): Promise<T> {
    const unit = this.#als.getStore();
    if (!unit) return promise;
    unit.blocked++;
    try {
      return await promise;
    } finally {
      unit.blocked--;
    }
  }

  async track<T>(work: () => T | Promise<T>, label = "work"): Promise<T> {
    const unit: Unit = { blocked: 0, label };
    // Nested work: the outer unit waits on the inner one, which is tracked on its own.
    const parent = this.#als.getStore();
    if (parent) parent.blocked++;
    this.#units.add(unit);
    try {
      return await this.#als.run(unit, work);
    } finally {
      this.#units.delete(unit);
      if (parent) parent.blocked--;
    }
  }

  /** Labels of tracked work that is running (not blocked): what `advance()` is waiting for. */
  get busy(): string[] {
    return [...this.#units].filter((u) => u.blocked === 0).map((u) => u.label);
  }

  /** True when no tracked work is running (all finished or blocked). */
  get idle(): boolean {
    for (const u of this.#units) if (u.blocked === 0) return false;
    return true;
  }

  /** Resolves once all tracked work is finished or blocked. */
  async settle(): Promise<void> {
    // Let promise chains run, then wait out work that awaits real I/O (worker threads).
    for (let quiet = 0; quiet < 3; ) {
      await new Promise<void>((r) => setImmediate(r));
      quiet = this.idle ? quiet + 1 : 0;
    }
  }

  /** Moves time forward by `ms`, firing every timer due on the way in order. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance() needs a duration >= 0, got ${ms}`);
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const next = this.#nextTimer();
      if (!next || next.at > target) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.fire();
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
