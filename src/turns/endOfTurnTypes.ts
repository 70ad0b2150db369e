/**
 * Knobs of the streaming end-of-turn policy ({@link EndOfTurnPolicy}). Times are milliseconds
 * of audio; the policy counts them in 32 ms VAD frames.
 *
 * @example
 * ```ts
 * new ReplyOnPause(fn, { turnTaking: { endSilenceMs: 700, dynamic: false } });
 * ```
 */
export interface EndOfTurnOptions {
  /** A frame whose speech probability is at or above this is speech. Default `0.5`. */
  activationThreshold: number;
  /**
   * A frame below this is silence; between the two thresholds a frame keeps the current state
   * (hysteresis). Default `0.35`.
   */
  deactivationThreshold: number;
  /** Speech needed to start a turn (consecutive speech frames). Default `64` (2 frames). */
  minSpeechMs: number;
  /** Audio kept from before the onset and put at the start of the turn. Default `500`. */
  prefixPaddingMs: number;
  /**
   * Silence after which the end of the turn becomes a candidate: a preemptive reply starts and
   * the turn detector is asked. Default `96` (3 frames).
   */
  candidateSilenceMs: number;
  /**
   * Silence that ends a turn the detector is sure is over (probability 1). Default `256`: a
   * 0.3 s pause after a finished-sounding clause stays inside the turn.
   */
  minEndSilenceMs: number;
  /**
   * Silence that ends a turn when no detector answers (or it answers 0.5), and the starting
   * point of the adaptive window. Default `640`.
   */
  endSilenceMs: number;
  /**
   * The longest silence waited for, whatever the detector says (the fallback timeout; reached
   * when the detector answers 0). Default `1600`.
   */
  maxEndSilenceMs: number;
  /**
   * Adaptive window: learn the person's own pauses inside turns (and pauses after which they
   * went on speaking right after a reply started) and wait a margin longer than them, within
   * [`minEndSilenceMs`, `maxEndSilenceMs`]. Default `false`: on the labelled set (B2) it made
   * no difference to cut-offs at the default window and cost ~25 ms of latency; turn it on for
   * people who pause long mid-sentence.
   */
  dynamic: boolean;
  /** Weight of the past in the adaptive window's moving average. Default `0.7`. */
  dynamicAlpha: number;
  /** Added to the learned pause length to make the adaptive window. Default `240`. */
  dynamicMarginMs: number;
  /** A turn this long ends at its next candidate whatever else holds. Default `Infinity`. */
  maxTurnMs: number;
}

/**
 * The defaults (see each field of {@link EndOfTurnOptions}).
 *
 * @example
 * ```ts
 * const eager = { ...DEFAULT_END_OF_TURN_OPTIONS, endSilenceMs: 400 };
 * ```
 */
export const DEFAULT_END_OF_TURN_OPTIONS: Readonly<EndOfTurnOptions> = Object.freeze({
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 64,
  prefixPaddingMs: 500,
  candidateSilenceMs: 96,
  minEndSilenceMs: 256,
  endSilenceMs: 640,
  maxEndSilenceMs: 1600,
  dynamic: false,
  dynamicAlpha: 0.7,
  dynamicMarginMs: 240,
  maxTurnMs: Number.POSITIVE_INFINITY,
});

/**
 * What one VAD frame made the policy decide. `atMs` is audio time: the end of the frame that
 * caused it, counted from the first frame the policy saw.
 *
 * - `speech_started`: a turn began; `onsetMs` is the start of its first speech frame.
 * - `candidate`: silence reached `candidateSilenceMs`; `speechEndMs` is where the silence began.
 * - `candidate_cancelled`: the person went on speaking after a candidate; `pauseMs` is how long
 *   the pause lasted.
 * - `end_of_turn`: the turn is over; `speechEndMs` is where its final silence began.
 *
 * @example
 * ```ts
 * for (const s of policy.pushFrame(p)) if (s.type === "end_of_turn") answer();
 * ```
 */
export type EndOfTurnSignal =
  | { type: "speech_started"; atMs: number; onsetMs: number }
  | { type: "candidate"; atMs: number; speechEndMs: number; candidate: number }
  | { type: "candidate_cancelled"; atMs: number; pauseMs: number; candidate: number }
  | { type: "end_of_turn"; atMs: number; speechEndMs: number; requiredSilenceMs: number };
