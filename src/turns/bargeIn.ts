import { FRAME_VAD_MS } from "../vad/frameVadTypes.js";

/**
 * Knobs of barge-in while a reply plays ({@link BargeInPolicy}). Times are ms of audio.
 *
 * @example
 * ```ts
 * new ReplyOnPause(fn, { bargeIn: { commitAfterMs: 700 } });
 * ```
 */
export interface BargeInOptions {
  /**
   * Speech probability a frame needs to count while the reply plays: higher than the turn's
   * own threshold, so noise and echo pause less. Default `0.7`.
   */
  activationThreshold: number;
  /** A frame below this is silence. Default `0.35`. */
  deactivationThreshold: number;
  /** Consecutive speech that pauses the reply (≈ 3 frames). Default `96`. */
  pauseAfterMs: number;
  /**
   * Speech since the onset that commits the interruption: the reply is dropped and a new turn
   * starts with the audio from the onset. Default `480`.
   */
  commitAfterMs: number;
  /** Silence after a pause (before commit) that resumes the paused reply. Default `320`. */
  resumeAfterMs: number;
  /**
   * Echo guard (`EchoGuard`): input whose level follows the level contour of what was sent, a
   * fixed delay later and some dB lower, is the reply's own echo and never counts. In the first
   * ~240 ms of a reply, before such a fit is possible, a frame counts only when it is louder than
   * the loudest frame sent in the last 500 ms minus this many dB. Default `15`.
   */
  echoMarginDb: number;
}

/**
 * The defaults (see each field of {@link BargeInOptions}).
 *
 * @example
 * ```ts
 * const patient = { ...DEFAULT_BARGE_IN_OPTIONS, commitAfterMs: 800 };
 * ```
 */
export const DEFAULT_BARGE_IN_OPTIONS: Readonly<BargeInOptions> = Object.freeze({
  activationThreshold: 0.7,
  deactivationThreshold: 0.35,
  pauseAfterMs: 96,
  commitAfterMs: 480,
  resumeAfterMs: 320,
  echoMarginDb: 15,
});

/**
 * Checks and completes barge-in options.
 *
 * @throws TypeError / RangeError naming the bad field.
 * @example
 * ```ts
 * resolveBargeInOptions({ pauseAfterMs: 64 });
 * ```
 */
export function resolveBargeInOptions(partial: Partial<BargeInOptions> = {}): BargeInOptions {
  if (typeof partial !== "object" || partial === null) {
    throw new TypeError("bargeIn options must be an object or false");
  }
  const o = { ...DEFAULT_BARGE_IN_OPTIONS, ...partial };
  for (const [key, value] of Object.entries(o)) {
    if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
      throw new RangeError(`bargeIn.${key} must be a number >= 0, got ${String(value)}`);
    }
  }
  if (o.activationThreshold > 1 || o.deactivationThreshold > o.activationThreshold) {
    throw new RangeError("bargeIn needs 0 <= deactivationThreshold <= activationThreshold <= 1");
  }
  if (o.commitAfterMs < o.pauseAfterMs) {
    throw new RangeError("bargeIn.commitAfterMs must be >= pauseAfterMs");
  }
  return o;
}

/**
 * What a frame made the barge-in policy decide. `onsetMs` is the audio time where the
 * interrupting speech began; `atMs` the end of the deciding frame.
 *
 * @example
 * ```ts
 * if (signal.type === "pause") session.pausePlayback();
 * ```
 */
export type BargeInSignal =
  | { type: "pause"; atMs: number; onsetMs: number }
  | { type: "resume"; atMs: number; onsetMs: number }
  | { type: "commit"; atMs: number; onsetMs: number };

/**
 * Staged barge-in while a reply plays: **pause** the reply's audio after a short run of
 * confident speech, **commit** (drop the reply, start a new turn from the onset) once the person
 * has kept speaking, **resume** the paused reply when the sound stops before that (a cough, a
 * door, "mm-hm"). Pure and synchronous; time is audio time in 32 ms frames.
 *
 * The caller says for each frame whether it is loud enough compared with the reply's own output
 * (the echo guard, see {@link BargeInOptions.echoMarginDb}).
 *
 * @example
 * ```ts
 * const barge = new BargeInPolicy();
 * for (const s of barge.pushFrame(prob, true)) {
 *   if (s.type === "pause") pause();
 *   if (s.type === "resume") resume();
 *   if (s.type === "commit") interrupt(s.onsetMs);
 * }
 * ```
 */
export class BargeInPolicy {
  /** The resolved options. */
  readonly options: Readonly<BargeInOptions>;
  #frames = 0;
  #run = 0;
  #paused = false;
  #onsetMs = 0;
  #silence = 0;

  constructor(options: Partial<BargeInOptions> = {}) {
    this.options = Object.freeze(resolveBargeInOptions(options));
  }

  /** True between a `pause` and its `resume` or `commit`. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Audio time of the end of the last frame, in ms. */
  get nowMs(): number {
    return this.#frames * FRAME_VAD_MS;
  }

  /** Forgets a pending pause (the reply ended or was dropped some other way). */
  reset(): void {
    this.#run = 0;
    this.#paused = false;
    this.#silence = 0;
  }

  /**
   * Feeds one frame heard while a reply plays.
   *
   * @param probability - the frame's speech probability.
   * @param loudEnough - the frame passes the echo guard (louder than the reply's echo would be).
   */
  pushFrame(probability: number, loudEnough: boolean): BargeInSignal[] {
    const o = this.options;
    this.#frames++;
    const now = this.nowMs;
    const speech = loudEnough && probability >= o.activationThreshold;
    const silent = !loudEnough || probability < o.deactivationThreshold;
    if (!this.#paused) {
      this.#run = speech ? this.#run + 1 : 0;
      if (this.#run > 0 && this.#run * FRAME_VAD_MS >= o.pauseAfterMs) {
        this.#paused = true;
        this.#silence = 0;
        this.#onsetMs = now - this.#run * FRAME_VAD_MS;
        this.#run = 0;
        const out: BargeInSignal[] = [{ type: "pause", atMs: now, onsetMs: this.#onsetMs }];
        if (now - this.#onsetMs >= o.commitAfterMs) {
          this.reset();
          out.push({ type: "commit", atMs: now, onsetMs: this.#onsetMs });
        }
        return out;
      }
      return [];
    }
    this.#silence = silent ? this.#silence + 1 : 0;
    if (this.#silence * FRAME_VAD_MS >= o.resumeAfterMs) {
      this.reset();
      return [{ type: "resume", atMs: now, onsetMs: this.#onsetMs }];
    }
    if (now - this.#onsetMs >= o.commitAfterMs && this.#silence === 0) {
      this.reset();
      return [{ type: "commit", atMs: now, onsetMs: this.#onsetMs }];
    }
    return [];
  }
}
