/** One output frame waiting for its send time. */
export interface PacedFrame {
  /** Mono int16 samples. */
  samples: Int16Array;
  /** Their rate in Hz. */
  sampleRate: number;
  /** True when the frame starts after a gap (a new reply). */
  discontinuity: boolean;
}

/**
 * The time source and timer of a {@link FramePacer}; real time by default, a fake in tests.
 *
 * @example
 * ```ts
 * const timers: PacerTimers = { now: () => t, set: (fn, ms) => queue.push([t + ms, fn]), clear: () => {} };
 * ```
 */
export interface PacerTimers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` in `ms` milliseconds; returns a handle for {@link clear}. */
  set(fn: () => void, ms: number): unknown;
  /** Cancels a timer from {@link set}. */
  clear(handle: unknown): void;
}

/** How early a frame may go when its timer fires before its slot. */
const EARLY_MS = 1;

const realTimers: PacerTimers = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, Math.max(1, ms)),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Sends queued output frames one frame length apart, on its own thread's timers. The session
 * releases frames a little ahead of their play time (its `sendAheadMs`); the pacer sends the
 * first frame of a run at once and each next one a frame length after the one before, so a stall
 * of the thread that produced them (up to the send-ahead) does not reach the wire.
 *
 * A timer that fires late is caught up on the next frame (the schedule holds); when the queue ran
 * dry or the thread stalled for more than a frame, the schedule restarts from now (no burst).
 *
 * @example
 * ```ts
 * const pacer = new FramePacer((f) => conn.sendAudio(f.samples, f.sampleRate, f.discontinuity));
 * pacer.push({ samples, sampleRate: 24000, discontinuity: false });
 * pacer.drop(); // interruption
 * ```
 */
export class FramePacer {
  readonly #send: (frame: PacedFrame) => void;
  readonly #timers: PacerTimers;
  #queue: PacedFrame[] = [];
  #head = 0;
  /** When the next frame is due; -Infinity: at once. */
  #nextAt = Number.NEGATIVE_INFINITY;
  #timer: unknown = null;
  #closed = false;
  /** Frames sent so far. */
  sent = 0;

  constructor(send: (frame: PacedFrame) => void, timers: PacerTimers = realTimers) {
    this.#send = send;
    this.#timers = timers;
  }

  /** Frames queued and not yet sent. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues a frame; it is sent at once when the run is new, else one frame after the last. */
  push(frame: PacedFrame): void {
    if (this.#closed) return;
    this.#queue.push(frame);
    if (this.#timer === null) this.#pump();
  }

  /** Drops every queued frame (an interruption); the next frame pushed is sent at once. */
  drop(): number {
    const dropped = this.queued;
    this.#queue = [];
    this.#head = 0;
    this.#nextAt = Number.NEGATIVE_INFINITY;
    if (this.#timer !== null) {
      this.#timers.clear(this.#timer);
      this.#timer = null;
    }
    return dropped;
  }

  /** Drops the queue and sends nothing more. */
  close(): void {
    this.drop();
    this.#closed = true;
  }

  #pump(): void {
    this.#timer = null;
    const now = this.#timers.now();
    while (this.queued > 0) {
      const frame = this.#queue[this.#head] as PacedFrame;
      const lengthMs = (frame.samples.length * 1000) / frame.sampleRate;
      // More than a frame behind (the queue ran dry, or this thread stalled): restart from now.
      if (this.#nextAt < now - lengthMs) this.#nextAt = now;
      // Timers are whole milliseconds on a loop time that may be stale: a wake-up up to 1 ms
      // early sends now (a new timer would fire 1–2 ms late).
      if (this.#nextAt > now + EARLY_MS) break;
      this.#head++;
      this.#nextAt += lengthMs;
      this.sent++;
      this.#send(frame);
      if (this.#closed) return;
    }
    if (this.queued === 0) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 64) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.queued > 0) this.#timer = this.#timers.set(() => this.#pump(), this.#nextAt - now);
  }
}
