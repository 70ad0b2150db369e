import { AsyncResource } from "node:async_hooks";
import { type Clock, RealClock } from "../utils/clock.js";

/**
 * Something a {@link WakeScheduler} wakes at a time: one per waiting loop (a session's idle poll,
 * its next frame), reused for every wait, so a wait costs a field update, not a timer, an
 * `AbortController` and its listeners.
 * @internal
 */
export class WakeEntry {
  /** When it wants to be woken (`Infinity`: not scheduled). */
  due = Number.POSITIVE_INFINITY;
  /** Time of its earliest node in the scheduler's heap (`Infinity`: none). */
  queuedAt = Number.POSITIVE_INFINITY;
  readonly fire: () => void;

  constructor(fire: () => void) {
    this.fire = fire;
  }
}

interface Node {
  at: number;
  seq: number;
  entry: WakeEntry;
}

/**
 * Work started here runs outside any caller's async context: the one clock sleep that serves
 * every session must not count as a wait of whichever handler call happened to arm it (a
 * `VirtualClock` would then take that call for blocked and move time on while it still runs).
 */
const root = new AsyncResource("fastrtc.wakeScheduler");

/**
 * One clock sleep for every session of a clock: entries are kept in a min-heap by due time and
 * the clock sleeps only until the earliest. Moving an entry later (an idle poll re-armed after
 * every input frame) only updates it: the node already queued finds the new time when it comes
 * up and is queued again. Moving it earlier queues a new node (the old one is skipped when it
 * comes up) and re-arms the clock only if it is now the earliest.
 * @internal
 */
export class WakeScheduler {
  readonly #clock: Clock;
  /** Entries due this close to now fire with the earliest (real time: timers have 1 ms steps). */
  readonly #slack: number;
  readonly #heap: Node[] = [];
  #seq = 0;
  /** Entries with a finite `due`. */
  #live = 0;
  #armedAt = Number.POSITIVE_INFINITY;
  #armed: AbortController | null = null;
  readonly #onFire = () => this.#fire();

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#slack = clock instanceof RealClock ? 1 : 0;
  }

  /** Wakes `entry` (calls its `fire`) at `time` on the clock, replacing its earlier schedule. */
  schedule(entry: WakeEntry, time: number): void {
    if (entry.due === Number.POSITIVE_INFINITY) this.#live++;
    entry.due = time;
    if (time < entry.queuedAt) {
      entry.queuedAt = time;
      this.#push({ at: time, seq: this.#seq++, entry });
      if (time < this.#armedAt) this.#arm();
    }
  }

  /** Forgets `entry`'s schedule (it will not fire). */
  cancel(entry: WakeEntry): void {
    if (entry.due === Number.POSITIVE_INFINITY) return;
    entry.due = Number.POSITIVE_INFINITY;
    if (--this.#live === 0) {
      // Nothing left to wake: no sleep may linger on the clock.
      for (const n of this.#heap) n.entry.queuedAt = Number.POSITIVE_INFINITY;
      this.#heap.length = 0;
      this.#disarm();
    }
  }

  #arm(): void {
    this.#disarm();
    const top = this.#heap[0];
    if (top === undefined) return;
    const ac = new AbortController();
    this.#armed = ac;
    this.#armedAt = top.at;
    const delay = Math.max(0, top.at - this.#clock.now());
    root.runInAsyncScope(() => {
      this.#clock.sleep(delay, ac.signal).then(this.#onFire, () => {});
    });
  }

  #disarm(): void {
    this.#armed?.abort();
    this.#armed = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  #fire(): void {
    this.#armed = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now() + this.#slack;
    const due: WakeEntry[] = [];
    for (let top = this.#heap[0]; top !== undefined && top.at <= now; top = this.#heap[0]) {
      this.#pop();
      const e = top.entry;
      if (top.at !== e.queuedAt) continue; // superseded by an earlier node
      e.queuedAt = Number.POSITIVE_INFINITY;
      if (e.due <= now) {
        e.due = Number.POSITIVE_INFINITY;
        this.#live--;
        due.push(e);
      } else if (e.due !== Number.POSITIVE_INFINITY) {
        e.queuedAt = e.due;
        this.#push({ at: e.due, seq: this.#seq++, entry: e });
      }
    }
    if (this.#live === 0) {
      for (const n of this.#heap) n.entry.queuedAt = Number.POSITIVE_INFINITY;
      this.#heap.length = 0;
    } else {
      this.#arm();
    }
    for (const e of due) e.fire();
  }

  #push(node: Node): void {
    const h = this.#heap;
    let i = h.length;
    h.push(node);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Node;
      if (!before(node, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = node;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop() as Node;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r] as Node, h[l] as Node) ? r : l;
      if (!before(h[c] as Node, last)) break;
      h[i] = h[c] as Node;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: Node, b: Node): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const schedulers = new WeakMap<Clock, WakeScheduler>();

/**
 * The scheduler shared by every session on `clock` (one per clock, so a test's `VirtualClock`
 * has its own).
 * @internal
 */
export function wakeSchedulerFor(clock: Clock): WakeScheduler {
  let s = schedulers.get(clock);
  if (s === undefined) {
    s = new WakeScheduler(clock);
    schedulers.set(clock, s);
  }
  return s;
}
