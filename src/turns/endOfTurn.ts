import { FRAME_VAD_MS } from "../vad/frameVadTypes.js";
import {
  DEFAULT_END_OF_TURN_OPTIONS,
  type EndOfTurnOptions,
  type EndOfTurnSignal,
} from "./endOfTurnTypes.js";

/** Pauses shorter than this (gaps between words) do not teach the adaptive window. */
const LEARN_MIN_PAUSE_MS = 200;

/**
 * Checks and completes end-of-turn options.
 *
 * @throws TypeError / RangeError naming the bad field.
 * @example
 * ```ts
 * const o = resolveEndOfTurnOptions({ endSilenceMs: 500 });
 * ```
 */
export function resolveEndOfTurnOptions(partial: Partial<EndOfTurnOptions> = {}): EndOfTurnOptions {
  if (typeof partial !== "object" || partial === null) {
    throw new TypeError("turnTaking options must be an object");
  }
  const o = { ...DEFAULT_END_OF_TURN_OPTIONS, ...partial };
  for (const [key, value] of Object.entries(o)) {
    if (key === "dynamic") {
      if (typeof value !== "boolean") throw new TypeError("turnTaking.dynamic must be a boolean");
    } else if (typeof value !== "number" || Number.isNaN(value)) {
      throw new TypeError(`turnTaking.${key} must be a number, got ${String(value)}`);
    }
  }
  const prob = (k: "activationThreshold" | "deactivationThreshold" | "dynamicAlpha") => {
    if (!(o[k] >= 0 && o[k] <= 1)) throw new RangeError(`turnTaking.${k} must be in [0, 1]`);
  };
  prob("activationThreshold");
  prob("deactivationThreshold");
  prob("dynamicAlpha");
  if (o.deactivationThreshold > o.activationThreshold) {
    throw new RangeError("turnTaking.deactivationThreshold must be <= activationThreshold");
  }
  for (const k of [
    "minSpeechMs",
    "prefixPaddingMs",
    "candidateSilenceMs",
    "minEndSilenceMs",
    "endSilenceMs",
    "maxEndSilenceMs",
    "dynamicMarginMs",
  ] as const) {
    if (!(o[k] >= 0 && Number.isFinite(o[k]))) {
      throw new RangeError(`turnTaking.${k} must be a finite number >= 0, got ${o[k]}`);
    }
  }
  if (!(o.maxTurnMs > 0)) throw new RangeError("turnTaking.maxTurnMs must be > 0");
  if (!(o.minEndSilenceMs <= o.endSilenceMs && o.endSilenceMs <= o.maxEndSilenceMs)) {
    throw new RangeError(
      "turnTaking needs minEndSilenceMs <= endSilenceMs <= maxEndSilenceMs, got " +
        `${o.minEndSilenceMs} / ${o.endSilenceMs} / ${o.maxEndSilenceMs}`,
    );
  }
  if (o.candidateSilenceMs > o.minEndSilenceMs) {
    throw new RangeError("turnTaking.candidateSilenceMs must be <= minEndSilenceMs");
  }
  return o;
}

/**
 * The silence that ends a turn, given the current window and a detector's answer: the window
 * itself for no answer or 0.5; towards `minEndSilenceMs` as the answer nears 1; towards
 * `maxEndSilenceMs` as it nears 0 (linear on each side). A detector that always answers 0.5
 * changes nothing.
 *
 * @example
 * ```ts
 * requiredSilence(640, 0.9, DEFAULT_END_OF_TURN_OPTIONS); // 640 - 0.8 * (640 - 256) = 332.8
 * ```
 */
export function requiredSilence(
  windowMs: number,
  endProbability: number | null,
  o: Pick<EndOfTurnOptions, "minEndSilenceMs" | "maxEndSilenceMs">,
): number {
  if (endProbability === null) return windowMs;
  const p = Math.min(1, Math.max(0, endProbability));
  if (p >= 0.5) return windowMs - (p - 0.5) * 2 * (windowMs - o.minEndSilenceMs);
  return windowMs + (0.5 - p) * 2 * (o.maxEndSilenceMs - windowMs);
}

/**
 * The streaming end-of-turn policy: fed one speech probability per 32 ms VAD frame, it says when
 * a turn starts, when its end becomes a candidate (after a short silence: start a preemptive
 * reply, ask the turn detector) and when the turn is over (after a silence window that a
 * detector's answer shortens or lengthens, that adapts to the person's pauses, and that never
 * exceeds the fallback `maxEndSilenceMs`). It counts silence frame by frame, so its delay does
 * not depend on where a chunk boundary falls.
 *
 * Pure and synchronous: no clock, no model. Time is audio time (frames × 32 ms).
 *
 * @example
 * ```ts
 * const policy = new EndOfTurnPolicy({ endSilenceMs: 600 });
 * for (const p of probabilities) {
 *   for (const signal of policy.pushFrame(p)) {
 *     if (signal.type === "candidate") policy.setEndProbability(signal.candidate, 0.9);
 *     if (signal.type === "end_of_turn") console.log("over at", signal.atMs);
 *   }
 * }
 * ```
 */
export class EndOfTurnPolicy {
  /** The resolved options. */
  readonly options: Readonly<EndOfTurnOptions>;
  #frames = 0;
  #state: "idle" | "speaking" | "silence" = "idle";
  #speechRun = 0;
  #silenceFrames = 0;
  #turnStartMs = 0;
  #candidate = 0;
  #candidateOpen = false;
  #endProbability: number | null = null;
  #learnedPauseMs: number;

  constructor(options: Partial<EndOfTurnOptions> = {}) {
    this.options = Object.freeze(resolveEndOfTurnOptions(options));
    this.#learnedPauseMs = this.options.endSilenceMs - this.options.dynamicMarginMs;
  }

  /** Audio time of the end of the last frame pushed, in ms. */
  get nowMs(): number {
    return this.#frames * FRAME_VAD_MS;
  }

  /** `"idle"` (no turn), `"speaking"`, or `"silence"` (inside a turn, the person is quiet). */
  get state(): "idle" | "speaking" | "silence" {
    return this.#state;
  }

  /** The silence window used when the detector has not answered: adaptive when `dynamic`. */
  get windowMs(): number {
    const o = this.options;
    if (!o.dynamic) return o.endSilenceMs;
    const w = this.#learnedPauseMs + o.dynamicMarginMs;
    return Math.min(o.maxEndSilenceMs, Math.max(o.minEndSilenceMs, w));
  }

  /** Silence of the current pause so far, in ms (0 unless the state is `"silence"`). */
  get silenceMs(): number {
    return this.#state === "silence" ? this.#silenceFrames * FRAME_VAD_MS : 0;
  }

  /** The number of the open candidate, or `null` when none is open. */
  get openCandidate(): number | null {
    return this.#candidateOpen ? this.#candidate : null;
  }

  /**
   * The detector's answer for candidate `candidate` (ignored when that candidate is no longer
   * open). It takes effect from the next frame.
   */
  setEndProbability(candidate: number, probability: number): void {
    if (!this.#candidateOpen || candidate !== this.#candidate) return;
    if (typeof probability !== "number" || Number.isNaN(probability)) return;
    this.#endProbability = probability;
  }

  /**
   * Learns a pause after which the person went on speaking although the turn had been ended
   * (they were cut off): the adaptive window grows towards it.
   */
  learnHold(pauseMs: number): void {
    if (!(pauseMs > 0) || !Number.isFinite(pauseMs)) return;
    const a = this.options.dynamicAlpha;
    this.#learnedPauseMs = a * this.#learnedPauseMs + (1 - a) * pauseMs;
  }

  /** Starts a turn now without waiting for `minSpeechMs` (a barge-in that was committed). */
  startTurn(onsetMs: number = this.nowMs): void {
    this.#state = "speaking";
    this.#speechRun = 0;
    this.#silenceFrames = 0;
    this.#turnStartMs = onsetMs;
    this.#closeCandidate();
  }

  /** Forgets the current turn (the learned window stays). */
  reset(): void {
    this.#state = "idle";
    this.#speechRun = 0;
    this.#silenceFrames = 0;
    this.#closeCandidate();
  }

  /** Feeds one frame's speech probability; returns what it decided (usually nothing). */
  pushFrame(probability: number): EndOfTurnSignal[] {
    const o = this.options;
    const p = Number.isNaN(probability) ? 1 : probability;
    this.#frames++;
    const now = this.nowMs;
    const out: EndOfTurnSignal[] = [];
    const speech = p >= o.activationThreshold;
    const silent = p < o.deactivationThreshold;
    switch (this.#state) {
      case "idle": {
        this.#speechRun = speech ? this.#speechRun + 1 : 0;
        if (this.#speechRun > 0 && this.#speechRun * FRAME_VAD_MS >= o.minSpeechMs) {
          const onsetMs = now - this.#speechRun * FRAME_VAD_MS;
          this.startTurn(onsetMs);
          out.push({ type: "speech_started", atMs: now, onsetMs });
        }
        break;
      }
      case "speaking": {
        if (silent) {
          this.#state = "silence";
          this.#silenceFrames = 1;
          this.#checkSilence(out);
        }
        break;
      }
      case "silence": {
        if (speech) {
          const pauseMs = this.#silenceFrames * FRAME_VAD_MS;
          if (pauseMs >= LEARN_MIN_PAUSE_MS && o.dynamic) this.learnHold(pauseMs);
          if (this.#candidateOpen) {
            out.push({
              type: "candidate_cancelled",
              atMs: now,
              pauseMs,
              candidate: this.#candidate,
            });
            this.#closeCandidate();
          }
          this.#state = "speaking";
          this.#silenceFrames = 0;
        } else {
          this.#silenceFrames++;
          this.#checkSilence(out);
        }
        break;
      }
    }
    return out;
  }

  #checkSilence(out: EndOfTurnSignal[]): void {
    const o = this.options;
    const now = this.nowMs;
    const silence = this.#silenceFrames * FRAME_VAD_MS;
    const speechEndMs = now - silence;
    if (!this.#candidateOpen && silence >= o.candidateSilenceMs) {
      this.#candidate++;
      this.#candidateOpen = true;
      this.#endProbability = null;
      out.push({ type: "candidate", atMs: now, speechEndMs, candidate: this.#candidate });
    }
    if (!this.#candidateOpen) return;
    const longTurn = speechEndMs - this.#turnStartMs >= o.maxTurnMs;
    const required = longTurn
      ? o.candidateSilenceMs
      : Math.min(
          o.maxEndSilenceMs,
          requiredSilence(this.windowMs, this.#endProbability, this.options),
        );
    if (silence >= required) {
      out.push({ type: "end_of_turn", atMs: now, speechEndMs, requiredSilenceMs: required });
      this.reset();
    }
  }

  #closeCandidate(): void {
    this.#candidateOpen = false;
    this.#endProbability = null;
  }
}
