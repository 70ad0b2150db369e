/**
 * Tells the reply's own voice coming back into the microphone (echo) from the person talking
 * over it, by comparing what is heard with what was sent: an echo's level follows the level
 * contour of the sent audio, some fixed time later and some fixed number of dB lower; a person's
 * voice does not. Pure; levels in dBFS per input frame, times in ms on one clock.
 *
 * For each input frame the guard looks at the frames just before it and searches for a delay
 * (0–500 ms) at which "heard minus sent" is nearly constant (spread ≤ 4 dB) and negative (the
 * heard audio is quieter). If it finds one, the current frame is echo unless it rises more than
 * `excessDb` above that line; if it finds none, the input does not follow the reply and is not
 * echo. Only while too little has been heard or sent to fit (the first ~240 ms of a reply) does
 * it fall back to a level rule: the frame counts only when it is louder than the loudest recent
 * sent frame minus `marginDb`.
 *
 * @example
 * ```ts
 * const guard = new EchoGuard();
 * const echo = guard.isEcho(now, inputDb, sentFrames); // sentFrames: { at, db }[], oldest first
 * ```
 */
export class EchoGuard {
  readonly #marginDb: number;
  readonly #excessDb: number;
  /** Recent input frames: time and level. */
  #heard: Array<{ at: number; db: number }> = [];

  /**
   * @param marginDb - fallback level rule: an input frame this many dB below the loudest sent
   *   frame of the last 500 ms is taken as echo. Default `15`.
   * @param excessDb - how far above the fitted echo line a frame must rise to be the person.
   *   Default `6`.
   */
  constructor(marginDb = 15, excessDb = 6) {
    this.#marginDb = marginDb;
    this.#excessDb = excessDb;
  }

  /** Forgets the heard history (a new reply). */
  reset(): void {
    this.#heard = [];
  }

  /**
   * Whether the input frame heard at `at` with level `inputDb` is the reply's echo.
   *
   * @param sent - frames sent (released) recently, oldest first, with their release times.
   */
  isEcho(at: number, inputDb: number, sent: ReadonlyArray<{ at: number; db: number }>): boolean {
    const db = clampDb(inputDb);
    const history = this.#heard;
    let result: boolean | null = null;
    if (history.length >= WINDOW && sent.length > 0) {
      // The best fit (smallest spread) over the delays; no objects per delay (hot path).
      let bestSpread = Number.POSITIVE_INFINITY;
      let bestMean = 0;
      let bestLag = -1;
      for (let lag = 0; lag <= MAX_LAG_MS; lag += LAG_STEP_MS) {
        if (!fitAt(history, sent, lag)) continue;
        const spread = FIT[1] as number;
        if (spread < bestSpread) {
          bestSpread = spread;
          bestMean = FIT[0] as number;
          bestLag = lag;
        }
      }
      if (bestLag >= 0 && bestSpread <= MAX_SPREAD_DB && bestMean <= -MIN_LOSS_DB) {
        const now = sentLevelAt(sent, at - bestLag);
        result = now === null ? null : db - now <= bestMean + this.#excessDb;
      } else if (bestLag >= 0) {
        result = false;
      }
    }
    if (result === null) {
      let loudest = Number.NEGATIVE_INFINITY;
      for (let i = sent.length - 1; i >= 0; i--) {
        const s = sent[i] as { at: number; db: number };
        if (at - s.at > LEVEL_WINDOW_MS) break;
        if (s.db > loudest) loudest = s.db;
      }
      result = Number.isFinite(loudest) && db <= loudest - this.#marginDb;
    }
    if (history.length >= WINDOW) {
      // Reuse the oldest entry (one object per window, not per frame).
      const oldest = history.shift() as { at: number; db: number };
      oldest.at = at;
      oldest.db = db;
      history.push(oldest);
    } else {
      history.push({ at, db });
    }
    return result;
  }
}

/** Input frames a fit is made on (≈ 240 ms of 20 ms frames). */
const WINDOW = 12;
const MAX_LAG_MS = 500;
const LAG_STEP_MS = 20;
const MAX_SPREAD_DB = 4;
/** An echo is at least this much quieter than what was sent. */
const MIN_LOSS_DB = 3;
const LEVEL_WINDOW_MS = 500;
/** Frames with sound in what was sent that a fit needs. */
const MIN_FIT_FRAMES = 6;
const FLOOR_DB = -70;

function clampDb(db: number): number {
  return Number.isFinite(db) ? Math.max(FLOOR_DB, db) : FLOOR_DB;
}

/** Level of the frame that was playing at `t` (the last one released at or before it). */
function sentLevelAt(sent: ReadonlyArray<{ at: number; db: number }>, t: number): number | null {
  const k = sentIndexAt(sent, t);
  return k < 0 ? null : clampDb((sent[k] as { db: number }).db);
}

/**
 * Index of the frame that was playing at `t`, or −1 (before the first, or more than two frames
 * after the last at or before it). An integer, so the hot loop boxes no numbers.
 */
function sentIndexAt(sent: ReadonlyArray<{ at: number; db: number }>, t: number): number {
  let lo = 0;
  let hi = sent.length - 1;
  if (hi < 0 || (sent[0] as { at: number }).at > t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((sent[mid] as { at: number }).at <= t) lo = mid;
    else hi = mid - 1;
  }
  return t - (sent[lo] as { at: number }).at > 2 * LAG_STEP_MS ? -1 : lo;
}

/** Result of the last {@link fitAt} that found data: mean, spread (a typed array: no boxing). */
const FIT = new Float64Array(2);

/**
 * Mean and spread (standard deviation) of heard − sent at one delay, left in `FIT`; false
 * without data.
 */
function fitAt(
  heard: ReadonlyArray<{ at: number; db: number }>,
  sent: ReadonlyArray<{ at: number; db: number }>,
  lag: number,
): boolean {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  // Both lists are in time order: the frame playing at each heard time is found by walking on
  // from the last one (as sentIndexAt finds it, without a search per frame).
  let last = -1;
  for (let i = 0; i < heard.length; i++) {
    const h = heard[i] as { at: number; db: number };
    const t = h.at - lag;
    while (last + 1 < sent.length && (sent[last + 1] as { at: number }).at <= t) last++;
    if (last < 0 || t - (sent[last] as { at: number }).at > 2 * LAG_STEP_MS) continue;
    const k = last;
    const sdb = (sent[k] as { db: number }).db;
    const s = Number.isFinite(sdb) ? Math.max(FLOOR_DB, sdb) : FLOOR_DB;
    // Before the reply started, or silence in what was sent: says nothing about the echo path.
    if (s <= FLOOR_DB + 20) continue;
    const r = h.db - s;
    sum += r;
    sumSq += r * r;
    n++;
  }
  if (n < MIN_FIT_FRAMES) return false;
  const mean = sum / n;
  FIT[0] = mean;
  FIT[1] = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  return true;
}
